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
  test("a pending score that ties ranks after who reached the total first: 1, 2, 3, 4", () => {
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

  test("a tie reached at the same moment orders by code units, not the locale: Zed before ada", () => {
    const at = "2026-01-01T00:01:00.000Z";
    const ada = { ...entry("ada", 40, 1), reachedAt: at };
    const { entries } = withPendingScores([ada], [pending("Zed", 40)], [], 10);
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
