import { describe, expect, test } from "vitest";
import { rankEntries } from "./leaderboard.ts";

const row = (playerName: string, totalScore: number) => ({ playerName, totalScore });

describe("rankEntries", () => {
  test("equal totals share a rank and the next rank skips (1, 2, 2, 4)", () => {
    const ranked = rankEntries([row("d", 10), row("b", 50), row("c", 50), row("a", 90)]);
    expect(ranked.map((r) => [r.playerName, r.rank])).toEqual([
      ["a", 1],
      ["b", 2],
      ["c", 2],
      ["d", 4],
    ]);
  });

  test("a three-way tie at the top: 1, 1, 1, 4", () => {
    const ranked = rankEntries([row("x", 5), row("y", 5), row("z", 5), row("w", 1)]);
    expect(ranked.map((r) => r.rank)).toEqual([1, 1, 1, 4]);
  });

  // localeCompare would put "ada" before "Zed" and "é" before "z"; the server's order is by code
  // units, which every runtime and locale agrees on.
  test.each([
    { names: ["ada", "Zed"], order: ["Zed", "ada"] },
    { names: ["émile", "zoe"], order: ["zoe", "émile"] },
    { names: ["b-2", "b_1", "b.3"], order: ["b-2", "b.3", "b_1"] },
    { names: ["a𝒜", "a\uffff"], order: ["a𝒜", "a\uffff"] },
  ])("ties order by UTF-16 code units: $order", ({ names, order }) => {
    const ranked = rankEntries(names.map((name) => row(name, 7)));
    expect(ranked.map((r) => r.playerName)).toEqual(order);
    expect(ranked.every((r) => r.rank === 1)).toBe(true);
  });

  test("keeps each row's other fields and does not touch its input", () => {
    const input = [
      { playerName: "p", totalScore: 1, gamesPlayed: 3, rank: 9 },
      { playerName: "q", totalScore: 2, gamesPlayed: 4, rank: 9 },
    ];
    const ranked = rankEntries(input);
    expect(ranked).toEqual([
      { playerName: "q", totalScore: 2, gamesPlayed: 4, rank: 1 },
      { playerName: "p", totalScore: 1, gamesPlayed: 3, rank: 2 },
    ]);
    expect(input.map((r) => [r.playerName, r.rank])).toEqual([
      ["p", 9],
      ["q", 9],
    ]);
  });
});
