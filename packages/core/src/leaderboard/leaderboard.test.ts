import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { startTestEngine } from "@streamboard/local/testing";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { applyStreamBatch } from "../aggregator/aggregate.ts";
import { documentClient } from "../infra/clients.ts";
import { VisibleError } from "../contract/error.ts";
import { getLeaderboard, getPlayer } from "./leaderboard.ts";
import { deleteScore, submitScore } from "../score/score.ts";
import { tailStream } from "../testing/testing.ts";

// A fresh engine per test: the board is global, so tests must not see each other's players.
let engine: Awaited<ReturnType<typeof startTestEngine>>;
beforeEach(async () => {
  engine = await startTestEngine();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await engine.close();
});

/** Submits scores ({player: [scores]}) and runs the aggregator over the stream. */
async function play(games: Record<string, number[]>) {
  const tail = tailStream();
  const ids: Record<string, string[]> = {};
  for (const [playerName, scores] of Object.entries(games)) {
    for (const score of scores) {
      const { record } = await submitScore({ playerName, score });
      (ids[playerName] ??= []).push(record.recordId);
    }
  }
  const { batchItemFailures } = await applyStreamBatch(await tail.poll());
  expect(batchItemFailures).toEqual([]);
  return { ids, tail };
}

async function expectCode(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VisibleError);
  expect((error as VisibleError).code).toBe(code);
}

test("top N by total, highest first, equal totals sharing a rank, with one Query", async () => {
  await play({ ann: [50, 50], bob: [70, 10], cy: [30], dee: [80], eli: [1, 2] });
  const send = vi.spyOn(documentClient(), "send");
  const { entries, generatedAt } = await getLeaderboard();
  expect(send).toHaveBeenCalledTimes(1);
  expect(send.mock.calls[0]?.[0]).toBeInstanceOf(QueryCommand);
  expect(Date.parse(generatedAt)).not.toBeNaN();
  expect(entries.map((e) => [e.rank, e.playerName, e.totalScore])).toEqual([
    [1, "ann", 100],
    [2, "bob", 80],
    [2, "dee", 80],
    [4, "cy", 30],
    [5, "eli", 3],
  ]);
  expect(entries[1]).toMatchObject({
    playerName: "bob",
    gamesPlayed: 2,
    bestScore: 70,
    lastScore: 10,
  });
  expect(Date.parse(entries[1]!.updatedAt)).not.toBeNaN();
});

test("the limit cuts the board (default 10, at most 100)", async () => {
  const games = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`p${i}`, [i * 10]]));
  await play(games);
  expect((await getLeaderboard()).entries).toHaveLength(10);
  const top3 = (await getLeaderboard({ limit: 3 })).entries;
  expect(top3.map((e) => e.playerName)).toEqual(["p11", "p10", "p9"]);
  expect((await getLeaderboard({ limit: 1000 })).entries).toHaveLength(12);
});

test("a player whose games are all deleted leaves the board and is not found", async () => {
  const { ids, tail } = await play({ ann: [5], bob: [7] });
  await deleteScore(ids.bob![0]!);
  expect((await applyStreamBatch(await tail.poll())).batchItemFailures).toEqual([]);
  expect((await getLeaderboard()).entries.map((e) => e.playerName)).toEqual(["ann"]);
  await expectCode(getPlayer("bob"), "not_found");
});

test("a player's rank is 1 + the players with a higher total; ties share it", async () => {
  await play({ ann: [100], bob: [80], dee: [80], cy: [30] });
  expect(await getPlayer("ann")).toMatchObject({ rank: 1, totalScore: 100, gamesPlayed: 1 });
  expect((await getPlayer("bob")).rank).toBe(2);
  expect((await getPlayer(" dee ")).rank).toBe(2);
  expect(await getPlayer("cy")).toMatchObject({ rank: 4, bestScore: 30, lastScore: 30 });
});

test("unknown players and periods", async () => {
  await play({ ann: [1] });
  await expectCode(getPlayer("nobody"), "not_found");
  await expectCode(getPlayer(""), "not_found");
  await expectCode(getLeaderboard({ period: "WEEK" }), "invalid_input");
  expect((await getLeaderboard({ period: "DAY#2025-01-01" })).entries).toEqual([]);
  expect((await getLeaderboard({ period: "ALL" })).entries).toHaveLength(1);
});
