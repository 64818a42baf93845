import { describe, expect, test } from "vitest";
import type { AggregateEffect } from "../contract/stream.ts";
import { effectsOf } from "./aggregate.ts";
import { RANK_DEPTH, rankAgainst, type RecordEffect } from "./outcomes.ts";

const effect = (
  sequenceNumber: string,
  playerName: string,
  totalBefore: number | null,
  totalAfter: number | null,
): RecordEffect => ({
  sequenceNumber,
  effect: {
    playerName,
    period: "ALL",
    totalBefore,
    totalAfter,
    gamesBefore: totalBefore === null ? 0 : 1,
    gamesAfter: totalAfter === null ? 0 : 1,
  },
});
const ranksOf = (result: Map<RecordEffect, RecordEffect>) =>
  [...result.values()].map(({ effect: e }: { effect: AggregateEffect }) => [
    e.playerName,
    e.rankBefore,
    e.rankAfter,
  ]);

describe("effectsOf: each change's step, in order", () => {
  test("totals and games before and after, null while the player has no games", () => {
    const applied = [
      {
        recordId: "a",
        sequenceNumber: "1",
        approximateTime: 0,
        changedAt: "2026-01-01T00:00:00.000Z",
        after: { score: 10, createdAt: "" },
      },
      {
        recordId: "a",
        sequenceNumber: "2",
        approximateTime: 0,
        changedAt: "2026-01-01T00:00:00.000Z",
        before: { score: 10, createdAt: "" },
        after: { score: 4, createdAt: "" },
      },
      {
        recordId: "a",
        sequenceNumber: "3",
        approximateTime: 0,
        changedAt: "2026-01-01T00:00:00.000Z",
        before: { score: 4, createdAt: "" },
      },
    ];
    expect(effectsOf(undefined, { playerName: "p", period: "ALL" }, applied)).toEqual([
      effect("1", "p", null, 10),
      effect("2", "p", 10, 4),
      effect("3", "p", 4, null),
    ]);
    expect(
      effectsOf(
        { totalScore: 100, gamesPlayed: 3 },
        { playerName: "p", period: "ALL" },
        applied,
      ).map((e) => [e.effect.totalBefore, e.effect.totalAfter, e.effect.gamesAfter]),
    ).toEqual([
      [100, 110, 4],
      [110, 104, 4],
      [104, 100, 3],
    ]);
  });
});

describe("rankAgainst: ranks from one bounded read of the board", () => {
  const top = [
    { playerName: "ann", totalScore: 90 },
    { playerName: "bob", totalScore: 70 },
    { playerName: "cat", totalScore: 50 },
  ];

  test("a short board is the whole board: every total is ranked, before and after", () => {
    // bob went from 40 to 70 in this batch: before, he was below cat.
    const bob = effect("1", "bob", 40, 70);
    const dan = effect("2", "dan", null, 60);
    expect(ranksOf(rankAgainst(top, [bob, dan]))).toEqual([
      ["bob", 3, 2],
      ["dan", null, 3],
    ]);
  });

  test("equal totals share a rank (1 + the higher ones)", () => {
    expect(ranksOf(rankAgainst(top, [effect("1", "eve", 60, 70)]))).toEqual([["eve", 3, 2]]);
  });

  test("below a full list's last total: not counted (absent), never a guess", () => {
    const full = Array.from({ length: RANK_DEPTH }, (_, i) => ({
      playerName: `p${i}`,
      totalScore: 1000 - i,
    }));
    const cutoff = full[RANK_DEPTH - 1]!.totalScore;
    const rising = effect("1", "riser", cutoff - 5, 995);
    const falling = effect("2", "p0", 1000, cutoff - 1);
    const result = [...rankAgainst(full, [rising, falling]).values()].map((e) => e.effect);
    // Above it after: p1 … p4 (p0 fell in the same batch).
    expect(result[0]).toMatchObject({ rankAfter: 5 });
    expect(result[0]).not.toHaveProperty("rankBefore");
    expect(result[1]).toMatchObject({ rankBefore: 1 });
    expect(result[1]).not.toHaveProperty("rankAfter");
  });
});
