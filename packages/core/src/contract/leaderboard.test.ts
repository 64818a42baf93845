import { describe, expect, test } from "vitest";
import { compareStanding, rankEntries, topPercentOf } from "./leaderboard.ts";

const row = (playerName: string, totalScore: number, reachedAt = "2026-01-01T00:00:00.000Z") => ({
  playerName,
  totalScore,
  reachedAt,
});

describe("rankEntries", () => {
  test("higher totals first; ranks are positions (1, 2, 3, 4)", () => {
    const ranked = rankEntries([row("d", 10), row("b", 50), row("c", 50), row("a", 90)]);
    expect(ranked.map((r) => [r.playerName, r.rank])).toEqual([
      ["a", 1],
      ["b", 2],
      ["c", 3],
      ["d", 4],
    ]);
  });

  test("a tie ranks the player who reached the total first higher, whatever the names", () => {
    const ranked = rankEntries([
      row("aaron", 70, "2026-01-01T00:00:02.000Z"),
      row("zed", 70, "2026-01-01T00:00:01.000Z"),
      row("mia", 70, "2026-01-01T00:00:01.500Z"),
    ]);
    expect(ranked.map((r) => [r.playerName, r.rank])).toEqual([
      ["zed", 1],
      ["mia", 2],
      ["aaron", 3],
    ]);
  });

  test("an unknown reachedAt ranks after known ones; a full tie by name in UTF-16 code units", () => {
    const t = "2026-01-01T00:00:00.000Z";
    expect(compareStanding(row("a", 5, ""), row("b", 5, t))).toBeGreaterThan(0);
    const ranked = rankEntries(["ada", "Zed", "émile", "zoe"].map((name) => row(name, 7, t)));
    expect(ranked.map((r) => r.playerName)).toEqual(["Zed", "ada", "zoe", "émile"]);
  });

  test("starts at firstRank, keeps each row's other fields and does not touch its input", () => {
    const input = [
      { ...row("p", 1), gamesPlayed: 3, rank: 9 },
      { ...row("q", 2), gamesPlayed: 4, rank: 9 },
    ];
    const ranked = rankEntries(input, 41);
    expect(ranked.map((r) => [r.playerName, r.gamesPlayed, r.rank])).toEqual([
      ["q", 4, 41],
      ["p", 3, 42],
    ]);
    expect(input.map((r) => r.rank)).toEqual([9, 9]);
  });
});

test("topPercentOf rounds up and stays within 1–100", () => {
  expect(topPercentOf(1, 100_000)).toBe(1);
  expect(topPercentOf(2_501, 100_000)).toBe(3);
  expect(topPercentOf(100_000, 100_000)).toBe(100);
  expect(topPercentOf(1, 0)).toBe(100);
});
