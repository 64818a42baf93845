import type { LeaderboardEntry } from "@streamboard/core/contract";
import { describe, expect, test } from "vitest";
import { withPendingScores, type PendingScore } from "./optimistic";

const entry = (playerName: string, totalScore: number, rank: number): LeaderboardEntry => ({
  rank,
  playerName,
  totalScore,
  gamesPlayed: 1,
  bestScore: totalScore,
  lastScore: totalScore,
  updatedAt: "2026-01-01T00:00:00.000Z",
  reachedAt: "2026-01-01T00:00:00.000Z",
});
const pending = (playerName: string, score: number): PendingScore => ({
  recordId: `r-${playerName}`,
  playerName,
  score,
  createdAt: "2026-01-01T00:01:00.000Z",
});

describe("withPendingScores ranks as the server does", () => {
  test("ranks are positions; of equal totals the one reached first ranks first: 1, 2, 3, 4", () => {
    // c's pending 50 was reached (submitted) after b's 50: c is behind b, not beside.
    const server = [entry("a", 90, 1), entry("b", 50, 2), entry("d", 10, 3)];
    const { entries, syncing } = withPendingScores(server, [pending("c", 50)], [], 10);
    expect(entries.map((e) => [e.playerName, e.rank])).toEqual([
      ["a", 1],
      ["b", 2],
      ["c", 3],
      ["d", 4],
    ]);
    expect([...syncing]).toEqual(["c"]);
  });

  test("ties reached at the same time order by code units, not the locale: Zed before ada", () => {
    const sameTime = { ...pending("Zed", 40), createdAt: "2026-01-01T00:00:00.000Z" };
    const { entries } = withPendingScores([entry("ada", 40, 1)], [sameTime], [], 10);
    expect(entries.map((e) => [e.playerName, e.rank])).toEqual([
      ["Zed", 1],
      ["ada", 2],
    ]);
  });

  test("a pending score the server has counted is not added again", () => {
    const counted = { ...entry("a", 70, 1), updatedAt: "2026-01-01T00:02:00.000Z" };
    const { entries, syncing } = withPendingScores([counted], [pending("a", 20)], [], 10);
    expect(entries).toEqual([counted]);
    expect(syncing.size).toBe(0);
  });

  test("a pending score adds to the player's known total and keeps the top N", () => {
    const server = [entry("a", 90, 1), entry("b", 50, 2)];
    const known = [entry("z", 45, 7)];
    const { entries } = withPendingScores(server, [pending("z", 10)], known, 2);
    expect(entries.map((e) => [e.playerName, e.totalScore, e.rank])).toEqual([
      ["a", 90, 1],
      ["z", 55, 2],
    ]);
  });
});
