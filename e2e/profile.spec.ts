import AxeBuilder from "@axe-core/playwright";
import type { APIRequestContext, Page } from "@playwright/test";
import { PlayerStanding, type ScoreRecord } from "@streamboard/core/contract";
import { expect, test, type Api } from "./fixtures";

const formatted = (n: number) => n.toLocaleString("en-US");
const profileUrl = (name: string, period?: string) =>
  `/players/${encodeURIComponent(name)}${period ? `?period=${period}` : ""}`;

/** GET /api/players/{name}?period=: the player's standing, or undefined while they have none. */
async function standing(
  request: APIRequestContext,
  name: string,
  period: string,
): Promise<PlayerStanding | undefined> {
  const response = await request.get(`/api/players/${encodeURIComponent(name)}`, {
    params: { period },
  });
  if (response.status() === 404) return undefined;
  expect(response.status(), await response.text()).toBe(200);
  return PlayerStanding.parse(await response.json());
}

/** Waits until the aggregator has brought the player's total in `period` to `total`. */
async function waitForPeriodTotal(
  request: APIRequestContext,
  name: string,
  period: string,
  total: number,
) {
  await expect
    .poll(async () => (await standing(request, name, period))?.totalScore, { timeout: 15_000 })
    .toBe(total);
}

async function submitAll(api: Api, playerName: string, scores: number[]): Promise<ScoreRecord[]> {
  const records: ScoreRecord[] = [];
  for (const score of scores) records.push(await api.submitScore({ playerName, score }));
  return records;
}

/** The profile's charts have drawn: an svg with paths and dots inside each chart container. */
async function expectChartsDrawn(page: Page) {
  for (const id of ["profile-games-chart", "profile-total-chart"]) {
    const chart = page.getByTestId(id);
    await expect(chart).toHaveAttribute("role", "img");
    await expect(chart).toHaveAttribute("aria-label", /\S/);
    // A line or an area once there are two points; a single game is a dot.
    await expect(chart.locator("svg path, svg circle").first()).toBeAttached();
  }
  await expect(
    page.getByTestId("profile-games-chart").locator("svg circle").first(),
  ).toBeAttached();
}

test("a profile shows the period's total, rank of N, the charts and the best game", async ({
  page,
  api,
  request,
  playerName,
}) => {
  await submitAll(api, playerName, [300, 900, 200]);
  await api.waitForTotal(playerName, 1400);
  const allTime = await standing(request, playerName, "ALL");

  await page.goto(profileUrl(playerName));
  await expect(page).toHaveTitle(`${playerName} — Streamboard`);
  await expect(page.getByRole("heading", { level: 1, name: playerName })).toBeVisible();
  await expect(page.getByRole("link", { name: "All time" })).toHaveAttribute(
    "aria-current",
    "page",
  );
  await expect(page.getByTestId("profile-total")).toHaveText("1,400");
  await expect(page.getByTestId("profile-games-played")).toHaveText("3");
  await expect(page.getByTestId("profile-best")).toHaveText("900");
  // "#4 of 120": the rank among the period's players, as the API tells it.
  await expect(page.getByTestId("profile-rank")).toHaveText(/^#\d[\d,]* of \d[\d,]*$/);
  expect(allTime?.players).toBeGreaterThanOrEqual(1);
  const rankText = await page.getByTestId("profile-rank").textContent();
  const [rank, players] = (rankText ?? "")
    .match(/[\d,]+/g)!
    .map((n) => Number(n.replace(/,/g, "")));
  expect(rank).toBeGreaterThanOrEqual(1);
  expect(rank).toBeLessThanOrEqual(players!);

  await expectChartsDrawn(page);
  await expect(page.getByTestId("profile-chart-best")).toHaveCount(1);
  await expect(page.getByTestId("profile-best-game")).toContainText("900");

  const rows = page.getByTestId("profile-game-row");
  await expect(rows).toHaveCount(3);
  // Newest first; the best game is marked.
  await expect(rows.nth(0)).toContainText("200");
  await expect(rows.nth(1)).toContainText("Best");
  await expect(rows.nth(1)).toContainText("900");
  await expect(page.getByRole("button", { name: "Load older" })).toHaveCount(0);
});

test("the period tabs switch what the profile shows: this week's total differs from all time", async ({
  page,
  api,
  operatorApi,
  request,
  playerName,
}) => {
  const [old] = await submitAll(api, playerName, [700, 50]);
  // One game moves to two weeks ago: it leaves this week (and today) but stays in all time.
  const twoWeeksAgo = new Date(Date.now() - 14 * 86_400_000).toISOString();
  const patched = await operatorApi.request.patch(`/api/scores/${old!.recordId}`, {
    data: { createdAt: twoWeeksAgo },
  });
  expect(patched.status(), await patched.text()).toBe(200);
  await waitForPeriodTotal(request, playerName, "WEEK", 50);
  await waitForPeriodTotal(request, playerName, "ALL", 750);

  await page.goto(profileUrl(playerName));
  await expect(page.getByTestId("profile-total")).toHaveText("750");
  await expect(page.getByTestId("profile-resets")).toHaveCount(0);
  await expect(page.getByTestId("profile-best-game")).toContainText("700");

  await page.getByRole("link", { name: "This week" }).click();
  await expect(page).toHaveURL(/\?period=WEEK$/);
  await expect(page.getByRole("link", { name: "This week" })).toHaveAttribute(
    "aria-current",
    "page",
  );
  await expect(page.getByTestId("profile-total")).toHaveText("50");
  await expect(page.getByTestId("profile-games-played")).toHaveText("1");
  await expect(page.getByTestId("profile-best-game")).toContainText("50");
  await expect(page.getByTestId("profile-resets")).toContainText(/Resets in \d+ (d|h|m|s)/);
  await expectChartsDrawn(page);
  // The chart has this week's one game; the table keeps every game.
  await expect(page.getByTestId("profile-games-chart").locator("svg circle")).toHaveCount(1);
  await expect(page.getByTestId("profile-game-row")).toHaveCount(2);

  await page.getByRole("link", { name: "All time" }).click();
  await expect(page.getByTestId("profile-total")).toHaveText("750");
  await expect(page.getByTestId("profile-games-chart").locator("svg circle")).toHaveCount(2);
});

test("every game, paged: Load older adds rows, fetching older records with the cursor", async ({
  page,
  api,
  operatorApi,
  playerName,
}) => {
  test.setTimeout(90_000);
  // More than one page of GET /api/scores (100) and many pages of the table (20 rows). Posted as
  // a game server would (the operator token): more games at once than a player's limit allows.
  const count = 105;
  await submitAll(
    operatorApi,
    playerName,
    Array.from({ length: count }, (_, i) => i + 1),
  );
  await api.waitForTotal(playerName, (count * (count + 1)) / 2);

  const cursorRequest = page.waitForRequest(
    (request) =>
      request.url().includes("/api/scores?") && new URL(request.url()).searchParams.has("cursor"),
  );
  await page.goto(profileUrl(playerName));
  const rows = page.getByTestId("profile-game-row");
  await expect(rows).toHaveCount(20);
  await expect(rows.first()).toContainText(String(count));
  const loadOlder = page.getByRole("button", { name: "Load older" });
  for (let shown = 40; shown < count; shown += 20) {
    await loadOlder.click();
    await expect(rows).toHaveCount(shown);
  }
  await loadOlder.click();
  await expect(rows).toHaveCount(count);
  await cursorRequest;
  await expect(rows.last().locator("td").last()).toHaveText("1");
  await expect(loadOlder).toHaveCount(0);
});

test("a profile is live: a new game shows without a reload", async ({ page, api, playerName }) => {
  await submitAll(api, playerName, [120]);
  await api.waitForTotal(playerName, 120);
  await page.goto(profileUrl(playerName));
  await expect(page.getByTestId("profile-total")).toHaveText("120");
  await expect(page.getByTestId("profile-game-row")).toHaveCount(1);

  await api.submitScore({ playerName, score: 4321 });
  await expect(page.getByTestId("profile-game-row")).toHaveCount(2);
  await expect(page.getByTestId("profile-game-row").first()).toContainText("4,321");
  await expect(page.getByTestId("profile-total")).toHaveText(formatted(4441));
  await expect(page.getByTestId("profile-best")).toHaveText("4,321");
  await expect(page.getByTestId("live-indicator")).toHaveText("Live");
});

test("an unknown player gets the not-found page with a way back", async ({ page, playerName }) => {
  const response = await page.goto(profileUrl(playerName));
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId("player-not-found")).toBeVisible();
  await expect(page.getByRole("heading", { name: "No such player on the board" })).toBeVisible();
  await page.getByRole("link", { name: "Back to the leaderboard" }).click();
  await expect(page).toHaveURL(/\/$/);
});

test("a profile has no accessibility violations, on a desktop and a 375 px phone", async ({
  page,
  api,
  playerName,
}) => {
  await submitAll(api, playerName, [10, 30, 20]);
  await api.waitForTotal(playerName, 60);
  await page.emulateMedia({ reducedMotion: "reduce" });

  for (const viewport of [
    { width: 1280, height: 900 },
    { width: 375, height: 812 },
  ]) {
    await page.setViewportSize(viewport);
    await page.goto(profileUrl(playerName, "DAY"));
    await expect(page.getByTestId("profile-total")).toHaveText("60");
    await expectChartsDrawn(page);
    await expect(page.getByTestId("profile-game-row")).toHaveCount(3);
    const { violations } = await new AxeBuilder({ page }).analyze();
    expect(violations).toEqual([]);
    // Nothing of the profile wider than the screen: it does not scroll sideways.
    const overflow = await page.evaluate((width) => {
      const main = document.querySelector("main")!;
      const widest = Math.max(
        ...[...main.querySelectorAll("*")].map((e) => e.getBoundingClientRect().right),
      );
      return Math.max(main.scrollWidth - main.clientWidth, widest - width);
    }, viewport.width);
    expect(overflow).toBeLessThanOrEqual(0);
  }
});
