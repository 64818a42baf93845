import { startTestEngine } from "@streamboard/local/testing";
import { afterEach, beforeEach, describe, expect, onTestFinished, test, vi } from "vitest";
import { applyStreamBatch } from "../aggregator/aggregate.ts";
import { documentClient } from "../infra/clients.ts";
import { VisibleError } from "../contract/error.ts";
import { periodOf } from "../period/period.ts";
import { getLeaderboard, getPlayer, getPlayerPeriods, rankLimits } from "./leaderboard.ts";
import { deleteScore, editScore, submitScore } from "../score/score.ts";
import { tailStream } from "../testing/testing.ts";

// A fresh engine per test: the board is global, so tests must not see each other's players.
let engine: Awaited<ReturnType<typeof startTestEngine>>;
beforeEach(async () => {
  engine = await startTestEngine();
});
afterEach(async () => {
  vi.restoreAllMocks();
  delete process.env.BOARD_SHARDS;
  await engine.close();
});

const tick = () => new Promise((resolve) => setTimeout(resolve, 3));

/** Submits scores in order, [player, score] (each a ms or more apart), then runs the aggregator. */
async function play(games: [string, number][], tail = tailStream()) {
  const ids: Record<string, string[]> = {};
  for (const [playerName, score] of games) {
    const { record } = await submitScore({ playerName, score });
    (ids[playerName] ??= []).push(record.recordId);
    await tick();
  }
  await drain(tail);
  return { ids, tail };
}

async function drain(tail: ReturnType<typeof tailStream>) {
  const { batchItemFailures } = await applyStreamBatch(await tail.poll());
  expect(batchItemFailures).toEqual([]);
}

async function expectCode(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VisibleError);
  expect((error as VisibleError).code).toBe(code);
}

const rows = (entries: { rank: number; playerName: string; totalScore: number }[]) =>
  entries.map((e) => [e.rank, e.playerName, e.totalScore]);

test("highest total first; a tie ranks who reached the total first higher; ranks are positions", async () => {
  // dee reaches 80 before bob does, though bob's name sorts first.
  await play([
    ["ann", 50],
    ["dee", 80],
    ["bob", 70],
    ["cy", 30],
    ["ann", 50],
    ["bob", 10],
    ["eli", 3],
  ]);
  const page = await getLeaderboard();
  expect(rows(page.entries)).toEqual([
    [1, "ann", 100],
    [2, "dee", 80],
    [3, "bob", 80],
    [4, "cy", 30],
    [5, "eli", 3],
  ]);
  expect(page).toMatchObject({ period: "ALL", players: 5, exact: true });
  expect(page.cursor).toBeUndefined();
  expect(page.entries[2]).toMatchObject({ gamesPlayed: 2, bestScore: 70, lastScore: 10 });
  expect(Date.parse(page.entries[1]!.reachedAt)).toBeLessThan(
    Date.parse(page.entries[2]!.reachedAt),
  );
  // And the players' own ranks agree with the board.
  expect(await getPlayer("dee")).toMatchObject({ rank: 2, players: 5, rankExact: true });
  expect(await getPlayer(" bob ")).toMatchObject({ rank: 3, totalScore: 80, topPercent: 60 });
});

test("the limit cuts the board and the cursor pages through all of it, each player once", async () => {
  await play(
    Array.from({ length: 23 }, (_, i) => [`p${String(i).padStart(2, "0")}`, (i % 7) * 10]),
  );
  expect((await getLeaderboard()).entries).toHaveLength(10);
  const seen: string[] = [];
  const ranks: number[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await getLeaderboard({ limit: 4, cursor });
    expect(page.players).toBe(23);
    seen.push(...page.entries.map((e) => e.playerName));
    ranks.push(...page.entries.map((e) => e.rank));
    cursor = page.cursor;
    pages++;
  } while (cursor);
  expect(pages).toBe(6);
  expect(new Set(seen).size).toBe(23);
  expect(ranks).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
  const top = (await getLeaderboard({ limit: 100 })).entries.map((e) => e.playerName);
  expect(seen).toEqual(top);
  await expectCode(getLeaderboard({ cursor: "not-a-cursor" }), "invalid_input");
  const first = await getLeaderboard({ limit: 4 });
  await expectCode(getLeaderboard({ cursor: first.cursor!, period: "WEEK" }), "invalid_input");
});

test("around a player: the window with them in the middle, their standing, and a cursor on", async () => {
  await play(Array.from({ length: 30 }, (_, i) => [`q${i}`, 1000 - i * 10]));
  const page = await getLeaderboard({ around: "q17", limit: 5 });
  expect(rows(page.entries)).toEqual([
    [16, "q15", 850],
    [17, "q16", 840],
    [18, "q17", 830],
    [19, "q18", 820],
    [20, "q19", 810],
  ]);
  expect(page.player).toMatchObject({ playerName: "q17", rank: 18, players: 30, rankExact: true });
  const next = await getLeaderboard({ cursor: page.cursor!, limit: 2 });
  expect(rows(next.entries)).toEqual([
    [21, "q20", 800],
    [22, "q21", 790],
  ]);
  // Near the top the window starts at 1; at the bottom it ends with the last player.
  expect((await getLeaderboard({ around: "q1", limit: 5 })).entries.map((e) => e.rank)).toEqual([
    1, 2, 3, 4, 5,
  ]);
  const bottom = await getLeaderboard({ around: "q29", limit: 5 });
  expect(bottom.entries.map((e) => e.rank)).toEqual([28, 29, 30]);
  expect(bottom.cursor).toBeUndefined();
  // Someone with no games there: the top of the board, no standing.
  const nobody = await getLeaderboard({ around: "nobody", limit: 3 });
  expect(nobody.player).toBeUndefined();
  expect(nobody.entries.map((e) => e.rank)).toEqual([1, 2, 3]);
});

describe.each([1, 3])("ranks from the counts, %i shard(s)", (shards) => {
  test(
    "every player's rank equals their position on the whole board, with a constant number of reads",
    { timeout: 90_000 },
    async () => {
      process.env.BOARD_SHARDS = String(shards);
      // Totals across several digit counts, with ties and near-ties in one bucket.
      const games: [string, number][] = [];
      for (let i = 0; i < 72; i++) {
        games.push([
          `r${i}`,
          [0, 7, 99, 100, 101, 1234, 1239, 98_765, 1_000_000][i % 9]! + (i % 4),
        ]);
      }
      const tail = tailStream();
      await play(games.slice(0, 36), tail);
      await play(games.slice(36), tail);
      const board: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await getLeaderboard({ limit: 100, cursor });
        board.push(...page.entries.map((e) => e.playerName));
        cursor = page.cursor;
      } while (cursor);
      expect(board).toHaveLength(72);
      const send = vi.spyOn(documentClient(), "send");
      for (const [index, name] of board.entries()) {
        send.mockClear();
        const standing = await getPlayer(name);
        expect({ name, rank: standing.rank }).toEqual({ name, rank: index + 1 });
        expect(standing).toMatchObject({ players: 72, rankExact: true });
        // One GetItem, then per shard three count Queries and one bucket COUNT.
        expect(send.mock.calls.length).toBe(1 + 4 * shards);
      }
    },
  );
});

test("a bucket fuller than the cap gives an estimate, said so, with top N%", async () => {
  const cap = rankLimits.bucketCap;
  rankLimits.bucketCap = 30;
  onTestFinished(() => {
    rankLimits.bucketCap = cap;
  });
  const BUCKET_CAP = rankLimits.bucketCap;
  const many = BUCKET_CAP + 20;
  await play(Array.from({ length: many }, (_, i) => [`s${i}`, 500]));
  const last = await getPlayer(`s${many - 1}`);
  expect(last.rankExact).toBe(false);
  expect(last.rank).toBeGreaterThan(BUCKET_CAP);
  expect(last.rank).toBeLessThanOrEqual(many);
  expect(last.topPercent).toBeGreaterThan(50);
  const first = await getPlayer("s0");
  expect(first).toMatchObject({ rank: 1, rankExact: true });
  expect((await getLeaderboard({ around: `s${many - 1}` })).exact).toBe(false);
});

test("a record counts towards all time, its day, week and month; an operator's date edit moves it once", async () => {
  const { ids, tail } = await play([
    ["ann", 40],
    ["bob", 30],
    ["bob", 25],
  ]);
  const now = new Date();
  for (const period of ["ALL", "DAY", "WEEK", "MONTH"]) {
    expect(rows((await getLeaderboard({ period })).entries)).toEqual([
      [1, "bob", 55],
      [2, "ann", 40],
    ]);
  }
  expect((await getLeaderboard({ period: "week" })).period).toBe(periodOf("WEEK", now));
  const periods = await getPlayerPeriods("bob", now);
  expect(periods.periods.map((p) => [p.period, p.totalScore, p.rank])).toEqual([
    [periodOf("DAY", now), 55, 1],
    [periodOf("WEEK", now), 55, 1],
    [periodOf("MONTH", now), 55, 1],
    ["ALL", 55, 1],
  ]);
  expect(periods.periods[0]!.resetsAt).toBeDefined();

  // Bob's 30 was really played two weeks ago.
  const past = new Date(now.getTime() - 14 * 86_400_000);
  await editScore(ids.bob![0]!, { createdAt: past.toISOString() });
  await drain(tail);
  await applyStreamBatch(await tail.poll()); // a redelivery changes nothing
  expect(rows((await getLeaderboard({ period: "WEEK" })).entries)).toEqual([
    [1, "ann", 40],
    [2, "bob", 25],
  ]);
  expect(rows((await getLeaderboard({ period: periodOf("WEEK", past) })).entries)).toEqual([
    [1, "bob", 30],
  ]);
  expect(rows((await getLeaderboard()).entries)).toEqual([
    [1, "bob", 55],
    [2, "ann", 40],
  ]);
  expect((await getPlayer("bob", "WEEK")).rank).toBe(2);
  expect((await getLeaderboard({ period: "WEEK" })).players).toBe(2);
});

test("a player whose games are all deleted leaves the board, its count and is not found", async () => {
  const { ids, tail } = await play([
    ["ann", 5],
    ["bob", 7],
  ]);
  await deleteScore(ids.bob![0]!);
  await drain(tail);
  const page = await getLeaderboard();
  expect(page.entries.map((e) => e.playerName)).toEqual(["ann"]);
  expect(page.players).toBe(1);
  await expectCode(getPlayer("bob"), "not_found");
  await expectCode(getPlayerPeriods("bob"), "not_found");
});

test("unknown players and periods", async () => {
  await play([["ann", 1]]);
  await expectCode(getPlayer("nobody"), "not_found");
  await expectCode(getPlayer(""), "not_found");
  for (const period of ["WEEK#2026-W54", "DAY#2025-02-30", "MONTH#2026-13", "YEAR", "DAY#x"]) {
    await expectCode(getLeaderboard({ period }), "invalid_input");
  }
  expect((await getLeaderboard({ period: "DAY#2025-01-01" })).entries).toEqual([]);
  expect((await getLeaderboard({ period: "ALL" })).entries).toHaveLength(1);
  expect((await getLeaderboard({ period: "WEEK#2020-W53" })).entries).toEqual([]);
});
