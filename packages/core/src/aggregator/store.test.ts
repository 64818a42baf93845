import { beforeAll, describe, expect, test } from "vitest";
import { localResourceEnvironment } from "../infra/resource.ts";
import { ScoreItem } from "../contract/score.ts";
import { scoreItem } from "../testing/testing.ts";
import {
  aggregatePut,
  BOARD_ATTRIBUTES,
  INITIAL_GENERATION,
  storedSummaryFields,
  summaryFields,
  summaryOf,
  toAggregateItem,
  aggregateOfSummary,
} from "./store.ts";

const item = (id: string, score: number, createdAt: string) =>
  ScoreItem.parse(scoreItem(id, "ann", score, createdAt));

describe("the summary of a set of records", () => {
  test("total, games, best, and the last game by CreatedAt, then RecordID", () => {
    const summary = summaryOf([
      item("01B", 30, "2025-01-02T00:00:00.000Z"),
      item("01A", 10, "2025-01-03T00:00:00.000Z"),
      item("01C", 5, "2025-01-03T00:00:00.000Z"),
    ]);
    expect(summary).toEqual({
      totalScore: 45,
      gamesPlayed: 3,
      bestScore: 30,
      last: { score: 5, playedAt: "2025-01-03T00:00:00.000Z", recordId: "01C" },
    });
  });

  test("as stored: a player with no games has only a count", () => {
    expect(summaryFields(summaryOf([]))).toEqual({
      TotalScore: undefined,
      GamesPlayed: 0,
      BestScore: undefined,
      LastScore: undefined,
    });
    expect(summaryFields(undefined)).toEqual(summaryFields(summaryOf([])));
    const one = summaryOf([item("01A", 7, "2025-01-01T00:00:00.000Z")]);
    const stored = toAggregateItem(
      aggregateOfSummary({ playerName: "ann", period: "ALL" }, one, {
        version: 3,
        markGeneration: "g",
      }),
    );
    expect(storedSummaryFields(stored)).toEqual(summaryFields(one));
    expect(summaryFields(one)).toEqual({
      TotalScore: 7,
      GamesPlayed: 1,
      BestScore: 7,
      LastScore: 7,
    });
  });
});

describe("the aggregate's conditional write", () => {
  beforeAll(() => void Object.assign(process.env, localResourceEnvironment()));
  const aggregate = aggregateOfSummary({ playerName: "ann", period: "ALL" }, summaryOf([]), {
    version: 0,
    markGeneration: "g1",
  });

  test("a new aggregate: only if absent, at version 1", () => {
    const { Put } = aggregatePut(aggregate, undefined);
    expect(Put.ConditionExpression).toBe("attribute_not_exists(PlayerName)");
    expect(Put.ExpressionAttributeValues).toBeUndefined();
    expect(Put.Item).toMatchObject({ Version: 1, MarkGeneration: "g1" });
  });

  test("an existing one: on the version and generation read; the first generation may be absent", () => {
    const { Put } = aggregatePut(aggregate, { version: 4, markGeneration: "g1" });
    expect(Put.ConditionExpression).toBe("Version = :version AND MarkGeneration = :generation");
    expect(Put.ExpressionAttributeValues).toEqual({ ":version": 4, ":generation": "g1" });
    expect(Put.Item).toMatchObject({ Version: 5 });
    const legacy = aggregatePut(aggregate, { version: 2, markGeneration: INITIAL_GENERATION });
    expect(legacy.Put.ConditionExpression).toContain("attribute_not_exists(MarkGeneration)");
  });
});

test("a board Query projects the keys and what ByRank holds", () => {
  expect(BOARD_ATTRIBUTES).toBe(
    "PlayerName, Period, Board, RankKey, TotalScore, GamesPlayed, BestScore, LastScore, UpdatedAt, ReachedAt",
  );
});
