import { gzipSync } from "node:zlib";
import type { Page } from "@playwright/test";
import { periodOf } from "@streamboard/core/contract";
import { expect, submitScoreForm, test } from "./fixtures";

/*
 * The players' boards in Chromium, against the production build: periods, the player's own row
 * below the top 10, ties, the whole board, freshness, and the form before hydration.
 */

const formatted = (n: number) => n.toLocaleString("en-US");
const remember = (page: Page, playerName: string) =>
  page.addInitScript(
    (name) => window.localStorage.setItem("streamboard:playerName", name),
    playerName,
  );

test("a player outside the top 10 sees their own row under it, with their rank of N", async ({
  page,
  api,
  playerName,
}) => {
  // Eleven players above them, whatever else is on the shared board.
  for (let i = 0; i < 11; i++)
    await api.submitScore({ playerName: `${playerName.slice(0, 28)}-${i}`, score: 2 });
  await api.submitScore({ playerName, score: 1 });
  await api.waitForTotal(playerName, 1);
  await remember(page, playerName);
  await page.goto("/");
  const board = page.getByTestId("leaderboard");
  await expect(board.getByTestId("leaderboard-row")).toHaveCount(11);
  const own = board.locator(`[data-testid="leaderboard-row"][data-player="${playerName}"]`);
  await expect(own).toBeVisible();
  const standing = await api.request.get(`/api/players/${playerName}`);
  const { rank, players } = (await standing.json()) as { rank: number; players: number };
  expect(rank).toBeGreaterThan(10);
  await expect(own).toContainText(String(rank));
  await expect(page.getByTestId("my-rank")).toContainText(`rank ${rank} of ${players}`);
  // The name leads to their profile.
  await expect(own.getByRole("link", { name: playerName })).toHaveAttribute(
    "href",
    `/players/${playerName}`,
  );
});

test("this week's board differs from all time once an operator moves a game two weeks back", async ({
  page,
  api,
  operatorApi,
  playerName,
}) => {
  const first = await api.submitScore({ playerName, score: 300 });
  await api.submitScore({ playerName, score: 40 });
  await api.waitForTotal(playerName, 340);
  const moved = await operatorApi.request.patch(`/api/scores/${first.recordId}`, {
    data: { createdAt: new Date(Date.now() - 14 * 86_400_000).toISOString() },
  });
  expect(moved.status()).toBe(200);
  await remember(page, playerName);
  await page.goto("/?period=WEEK");
  const mine = page.getByTestId("my-rank");
  await expect(mine).toContainText("this week · 40 points");
  await expect(page.getByTestId("resets-in")).toContainText(/Resets in \d/);
  await page.getByTestId("period-ALL").click();
  await expect(mine).toContainText("all time · 340 points");
  await expect(page).toHaveURL(/period=ALL/);
  await page.getByTestId("period-WEEK").click();
  await expect(mine).toContainText("40 points");
});

test("a tie ranks the player who reached the total first higher; the whole board pages on", async ({
  page,
  api,
  operatorApi,
  playerName,
}) => {
  // 60 submits and 60 operator edits: more than the default 45 s on a busy machine.
  test.setTimeout(150_000);
  // A week of 2018 that only this test uses: its board holds exactly these players.
  const monday = Date.parse("2018-01-01T12:00:00.000Z") + (Date.now() % 40) * 7 * 86_400_000;
  const week = periodOf("WEEK", monday);
  const names = Array.from(
    { length: 60 },
    (_, i) => `${playerName.slice(0, 26)}-${String(i).padStart(2, "0")}`,
  );
  // The last two tie on 7,777 points; "-59" reaches it a minute before "-58".
  const plan = names.map((name, i) => ({
    name,
    score: i >= 58 ? 7_777 : 10_000 + i,
    minute: i === 59 ? 0 : 1 + i,
  }));
  // "-59" first: it reaches 7,777 (its last change) before "-58" does, in real time too.
  // Posted as a game server would (the operator token): 60 games at once are past one client's
  // limit (bursts of 30).
  for (const { name, score, minute } of [plan[59]!, ...plan.slice(0, 59)]) {
    const record = await operatorApi.submitScore({ playerName: name, score });
    const response = await operatorApi.request.patch(`/api/scores/${record.recordId}`, {
      data: { createdAt: new Date(monday + minute * 60_000).toISOString() },
    });
    expect(response.status()).toBe(200);
  }
  await expect
    .poll(async () => {
      const response = await api.request.get("/api/leaderboard", {
        params: { period: week, limit: 100 },
      });
      return ((await response.json()) as { players: number }).players;
    })
    .toBe(60);

  await page.goto(`/leaderboard?period=${encodeURIComponent(week)}`);
  const rows = page.getByTestId("leaderboard-row");
  await expect(rows).toHaveCount(50);
  // Scrolling loads page 2; the address keeps it.
  await page.getByRole("button", { name: "Load more" }).scrollIntoViewIfNeeded();
  await expect(rows).toHaveCount(60);
  await expect(page).toHaveURL(/page=2/);
  await expect(page.getByText("The end of the board.")).toBeVisible();
  const tail = await rows.evaluateAll((trs) =>
    trs.slice(-2).map((tr) => tr.getAttribute("data-player")),
  );
  expect(tail).toEqual([names[59], names[58]]);
  await expect(rows.nth(58).locator("td").first()).toHaveText("59");
  await expect(rows.nth(59).locator("td").first()).toHaveText("60");
  await expect(page.getByText(/whoever reached the total first ranks higher/)).toBeVisible();

  // A deep link opens the same period and as many pages.
  await page.goto(`/leaderboard?period=${encodeURIComponent(week)}&page=2`);
  await expect(rows).toHaveCount(60);
  await expect(
    page.getByRole("heading", { name: `Week ${Number(week.slice(-2))}, 2018` }),
  ).toBeVisible();
});

test("before hydration the form still saves the score, and no score ends up in the URL", async ({
  browser,
  api,
  playerName,
}) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const urls: string[] = [];
  page.on("framenavigated", (frame) => urls.push(frame.url()));
  await page.goto("/");
  await submitScoreForm(page, { playerName, score: "4321" });
  await expect(page.getByText("Saved. Your score is on its way to the board.")).toBeVisible();
  expect(urls.length).toBeGreaterThan(1);
  for (const url of urls) expect(url).not.toContain("4321");
  expect(new URL(page.url()).searchParams.get("player")).toBe(playerName);
  await api.waitForTotal(playerName, 4321);

  // A bad score is refused with a message, and writes nothing.
  await submitScoreForm(page, { playerName, score: "1e3" });
  await expect(page.getByText("The score must be digits only")).toBeVisible();
  for (const url of urls) expect(url).not.toContain("1e3");
  expect(await api.listScores(playerName)).toHaveLength(1);
  await context.close();
});

test("digits only: 1e3 and 0x10 are refused in the browser, focus goes to the score", async ({
  page,
  api,
  playerName,
}) => {
  await page.goto("/");
  for (const bad of ["1e3", "0x10", "1.5"]) {
    await submitScoreForm(page, { playerName, score: bad });
    const score = page.getByLabel("Score", { exact: true });
    await expect(score).toHaveAttribute("aria-invalid", "true");
    await expect(score).toBeFocused();
    await expect(page.locator("#score-error")).toContainText("digits only");
  }
  expect(await api.listScores(playerName)).toEqual([]);
});

test("after a submit the player's own row is confirmed by the server within a second (p50)", async ({
  page,
  playerName,
}) => {
  await page.goto("/");
  const row = page.locator(`[data-testid="leaderboard-row"][data-player="${playerName}"]`);
  const times: number[] = [];
  let total = 0;
  for (let i = 0; i < 10; i++) {
    // Small scores: the player's own row is shown below the top 10 once the server confirms it,
    // and the shared board's top 10 (other tests' players) is left alone.
    const score = 1_000 + i;
    total += score;
    await page.getByLabel("Score", { exact: true }).fill(String(score));
    if (i === 0) await page.getByLabel("Player name").fill(playerName);
    const answered = page.waitForResponse(
      (r) => r.url().endsWith("/api/scores") && r.request().method() === "POST",
    );
    await page.getByRole("button", { name: "Submit score" }).click();
    await answered;
    const started = Date.now();
    await expect(row).toContainText(formatted(total));
    await expect(row).not.toContainText("syncing", { timeout: 10_000 });
    times.push(Date.now() - started);
  }
  times.sort((a, b) => a - b);
  const p50 = times[Math.floor(times.length / 2)]!;
  console.log(
    `freshness: own row confirmed p50 ${p50} ms p95 ${times[times.length - 1]} ms (${times.join(", ")})`,
  );
  expect(p50).toBeLessThan(1000);
});

test("the board really refreshes at its interval (1.5 s), not every other tick", async ({
  page,
}) => {
  const reads: number[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/api/leaderboard?period=ALL&limit=10")) reads.push(Date.now());
  });
  await page.goto("/");
  await page.waitForTimeout(6_500);
  const gaps = reads.slice(1).map((t, i) => t - reads[i]!);
  console.log(`board refresh gaps: ${gaps.join(", ")} ms`);
  expect(reads.length).toBeGreaterThanOrEqual(4);
  expect(Math.max(...gaps.slice(1))).toBeLessThan(2_500);
});

test("on a phone the player's rank and the board are above the fold", async ({
  page,
  api,
  playerName,
}) => {
  await api.submitScore({ playerName, score: 5 });
  await api.waitForTotal(playerName, 5);
  await remember(page, playerName);
  await page.setViewportSize({ width: 375, height: 667 });
  await page.goto("/");
  const rank = await page.getByTestId("my-rank").boundingBox();
  const board = await page.getByTestId("leaderboard").boundingBox();
  const form = await page.getByRole("form", { name: "Submit a score" }).boundingBox();
  expect(rank && board && form).toBeTruthy();
  expect(rank!.y + rank!.height).toBeLessThanOrEqual(667);
  expect(board!.y).toBeLessThan(667);
  expect(board!.y).toBeLessThan(form!.y);
});

test("/ first-load JS (gzipped) is at most 150 KiB", async ({ page }) => {
  await page.goto("/");
  const html = await (await page.request.get("/")).text();
  const first = [...html.matchAll(/<script src="([^"]+\.js)"([^>]*)>/g)]
    .filter(([, , attributes]) => !attributes!.includes("noModule"))
    .map(([, src]) => src!);
  let total = 0;
  for (const src of new Set(first))
    total += gzipSync(await (await page.request.get(src)).body()).length;
  console.log(
    `/ first-load JS: ${(total / 1024).toFixed(1)} KiB gzipped in ${first.length} scripts`,
  );
  expect(total).toBeLessThanOrEqual(150 * 1024);
});
