import {
  LeaderboardPage,
  PlayerPeriods,
  PlayerStanding,
  ScoreList,
  periodOf,
} from "@streamboard/core/contract";
import { expect, test } from "./fixtures";

/*
 * The boards over HTTP, against the production build and its live aggregator. The e2e server is
 * shared by every test, so each test makes a board of its own: its players' records are moved (an
 * operator's PATCH of `createdAt`) into a week of 2019 no other test uses, and that week's board
 * holds exactly them.
 */

let weekCounter = 0;
/** A Monday noon in 2019 whose ISO week only this test uses. */
function isolatedWeek(workerIndex: number): Date {
  weekCounter += 1;
  const week = 1 + ((workerIndex * 17 + weekCounter * 3 + Number(Date.now() % 7)) % 50);
  // 2019-01-07 is the Monday of ISO week 2.
  return new Date(Date.parse("2018-12-31T12:00:00.000Z") + (week - 1) * 7 * 86_400_000);
}

test("a past week's board: fair ties, ranks of N, around-me, cursor pages, a player's periods", async ({
  api,
  operatorApi,
  playerName,
}, testInfo) => {
  const monday = isolatedWeek(testInfo.workerIndex);
  const week = periodOf("WEEK", monday);
  // Totals (two games each where listed), in the order the players reach them.
  const plan: [string, number[]][] = [
    ["a", [40, 10]], // 50, reached at minute 1
    ["b", [30]], // 30
    ["c", [25, 25]], // 50, reached at minute 3: after a
    ["d", [70]], // 70
    ["e", [5]], // 5
    ["f", [20, 10]], // 30, after b
  ];
  const names = new Map(plan.map(([suffix]) => [suffix, `${playerName.slice(0, 28)}-${suffix}`]));
  let minute = 0;
  for (const [suffix, scores] of plan) {
    for (const score of scores) {
      const record = await api.submitScore({ playerName: names.get(suffix)!, score });
      minute += 1;
      const response = await operatorApi.request.patch(`/api/scores/${record.recordId}`, {
        data: { createdAt: new Date(monday.getTime() + minute * 60_000).toISOString() },
      });
      expect(response.status(), await response.text()).toBe(200);
    }
  }
  const read = async (params: Record<string, string | number>) => {
    const response = await api.request.get("/api/leaderboard", {
      params: { period: week, ...params },
    });
    expect(response.status(), await response.text()).toBe(200);
    return LeaderboardPage.parse(await response.json());
  };
  const order = ["d", "a", "c", "b", "f", "e"].map((s) => names.get(s));
  // Every game counted (f's second game too: with 20 of its 30 the order is already this one).
  await expect
    .poll(async () => (await read({ limit: 100 })).entries.map((e) => [e.playerName, e.totalScore]))
    .toEqual(order.map((name, i) => [name, [70, 50, 50, 30, 30, 5][i]]));

  const top = await read({ limit: 100 });
  expect(top).toMatchObject({ period: week, players: 6, exact: true });
  // The week ends on the Sunday after, at midnight UTC.
  expect(top.resetsAt).toBe(
    new Date(monday.getTime() - 12 * 3_600_000 + 7 * 86_400_000).toISOString(),
  );
  expect(top.entries.map((e) => [e.rank, e.totalScore])).toEqual([
    [1, 70],
    [2, 50],
    [3, 50],
    [4, 30],
    [5, 30],
    [6, 5],
  ]);

  // Pages of two, by cursor, cover the board once, in order, with their ranks.
  const paged: [number, string][] = [];
  let cursor: string | undefined;
  do {
    const page = await read({ limit: 2, ...(cursor ? { cursor } : {}) });
    paged.push(...page.entries.map((e) => [e.rank, e.playerName] as [number, string]));
    cursor = page.cursor;
  } while (cursor);
  expect(paged).toEqual(order.map((name, i) => [i + 1, name]));

  // Around c (rank 3): b's neighbours and c's standing.
  const around = await read({ around: names.get("c")!, limit: 3 });
  expect(around.entries.map((e) => [e.rank, e.playerName])).toEqual([
    [2, names.get("a")],
    [3, names.get("c")],
    [4, names.get("b")],
  ]);
  expect(around.player).toMatchObject({ rank: 3, players: 6, rankExact: true, topPercent: 50 });

  // The player's own standing in that week, and their periods now (the records are not this week's).
  const standing = await api.request.get(`/api/players/${encodeURIComponent(names.get("f")!)}`, {
    params: { period: week },
  });
  expect(PlayerStanding.parse(await standing.json())).toMatchObject({
    rank: 5,
    players: 6,
    totalScore: 30,
  });
  const periods = PlayerPeriods.parse(
    await (
      await api.request.get(`/api/players/${encodeURIComponent(names.get("f")!)}/periods`)
    ).json(),
  );
  expect(periods.periods.map((p) => p.period)).toEqual(["ALL"]);

  // Their games, newest first, paged.
  const first = ScoreList.parse(
    await (
      await api.request.get("/api/scores", { params: { playerName: names.get("f")!, limit: 1 } })
    ).json(),
  );
  expect(first.records.map((r) => r.score)).toEqual([10]);
  const rest = ScoreList.parse(
    await (
      await api.request.get("/api/scores", {
        params: { playerName: names.get("f")!, limit: 1, cursor: first.cursor! },
      })
    ).json(),
  );
  expect(rest.records.map((r) => r.score)).toEqual([20]);
});

test("bad periods and cursors are 400s that say what to send", async ({ api }) => {
  for (const params of <Record<string, string>[]>[
    { period: "WEEK#2026-W60" },
    { period: "YEAR" },
    { period: "DAY#2026-02-30" },
    { cursor: "garbage" },
  ]) {
    const response = await api.request.get("/api/leaderboard", { params });
    expect(response.status()).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      "invalid_input",
    );
  }
  const current = await api.request.get("/api/leaderboard", { params: { period: "week" } });
  expect(LeaderboardPage.parse(await current.json()).period).toBe(periodOf("WEEK", new Date()));
});
