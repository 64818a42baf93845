/**
 * The README's pictures, as a Playwright test of its own project, not run by `npm test`:
 *
 *   SCREENSHOTS=1 npx playwright test
 *
 * runs only this file against the e2e stack (playwright.config.ts starts it, in memory, so the
 * board holds just these players): a few players and operator edits, one bad record written
 * straight into the table so the failures panel has something to show, then
 * docs/screenshot-home.png (and -home-phone.png), docs/screenshot-leaderboard.png,
 * docs/screenshot-profile.png, docs/screenshot-inspector.png and, with an edited record open in
 * the record view, docs/screenshot-inspector-record.png.
 */
import { ulid } from "ulid";
import { expect, putRawScoreItem, test } from "./fixtures";

const players = [
  ["nova", 48_200, "Nova"],
  ["kestrel", 41_750, "Kes"],
  ["ada_lovelace", 39_900, "Ada"],
  ["pixel.pusher", 33_120, undefined],
  ["grace-h", 28_640, "Grace"],
  ["zed", 19_010, undefined],
  ["mika", 12_480, "Mika"],
] as const;

test("README screenshots: the home page and the inspector", async ({
  operatorApi,
  operatorPage: page,
}) => {
  test.setTimeout(120_000);
  const ids: string[] = [];
  for (const [playerName, total, nickName] of players) {
    for (const share of [0.5, 0.3, 0.2]) {
      const record = await operatorApi.submitScore({
        playerName,
        score: Math.round(total * share),
        ...(nickName ? { nickName } : {}),
      });
      ids.push(record.recordId);
    }
  }
  const [first, second] = ids;
  expect(
    (await operatorApi.request.patch(`/api/scores/${first}`, { data: { score: 30_000 } })).status(),
  ).toBe(200);
  expect((await operatorApi.request.delete(`/api/scores/${second}`)).status()).toBe(204);

  // A legacy import that bypassed the API: no PlayerName. The aggregator quarantines it at once.
  const poisonId = ulid();
  const now = new Date().toISOString();
  await putRawScoreItem({
    RecordID: { S: poisonId },
    Score: { N: "4500" },
    NickName: { S: "legacy-import" },
    CreatedAt: { S: now },
    UpdatedAt: { S: now },
  });
  await expect
    .poll(async () => (await operatorApi.failures()).some((f) => f.recordId === poisonId), {
      timeout: 30_000,
    })
    .toBe(true);

  await page.setViewportSize({ width: 1440, height: 1000 });
  await page.goto("/");
  await page.evaluate(() => localStorage.setItem("streamboard:playerName", "ada_lovelace"));
  await page.reload();
  await page.getByLabel("Score", { exact: true }).fill("7250");
  await page.getByLabel("Nickname").fill("Ada");
  await page.getByRole("button", { name: "Submit score" }).click();
  await expect(page.getByText("Saved 7,250")).toBeVisible();
  await operatorApi.waitForTotal("ada_lovelace", 39_900 + 7250);
  await page.waitForTimeout(2500); // the charts' animations
  await page.screenshot({ path: "docs/screenshot-home.png", fullPage: true });

  // The whole board, this week's, and a player's profile with its charts.
  await page.goto("/leaderboard?period=WEEK");
  await expect(page.getByTestId("leaderboard-row").first()).toBeVisible();
  await page.screenshot({ path: "docs/screenshot-leaderboard.png" });
  await page.goto("/players/ada_lovelace");
  await expect(page.locator("svg.recharts-surface").first()).toBeVisible();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: "docs/screenshot-profile.png", fullPage: true });
  // And on a phone: the player's rank and the board first.
  await page.setViewportSize({ width: 375, height: 667 });
  await page.goto("/");
  await expect(page.getByTestId("my-rank")).toBeVisible();
  await page.screenshot({ path: "docs/screenshot-home-phone.png" });

  await page.setViewportSize({ width: 1440, height: 1300 });
  await page.goto("/inspector");
  await expect(page.getByTestId("stream-record").first()).toBeVisible();
  await expect(page.locator(`[data-testid="failure"][data-record-id="${poisonId}"]`)).toBeVisible();
  await expect(page.getByTestId("events-chart")).toBeVisible();
  await page.waitForTimeout(2500);
  await page.screenshot({ path: "docs/screenshot-inspector.png" });

  // The record view of the edit: the image diff and what it changed on the board.
  await page
    .locator(`[data-testid="stream-record"][data-record-id="${first}"][data-event="MODIFY"]`)
    .click();
  await expect(page.getByTestId("record-outcome").locator('[data-outcome="applied"]')).toBeVisible({
    timeout: 15_000,
  });
  await page.waitForTimeout(500);
  await page.screenshot({ path: "docs/screenshot-inspector-record.png" });
});
