import {
  CreateTableCommand,
  DeleteTableCommand,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { startTestEngine } from "@streamboard/local/testing";
import type { DynamoDBRecord } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { applyStreamBatch } from "../aggregator/aggregate.ts";
import { scanAggregates } from "../aggregator/store.ts";
import { dynamo } from "../infra/clients.ts";
import { readStreamHistory } from "../stream/history.ts";
import { reconcile } from "./reconcile.ts";
import { tableName } from "../infra/resource.ts";
import { deleteScore, submitScore, updateScore } from "../score/score.ts";
import { GameScoreRecords, toCreateTableInput } from "../infra/tables.ts";
import { toLambdaRecord } from "../stream/reader.ts";
import { aggregateOf, tailStream } from "../testing/testing.ts";
import { periodsOf } from "../contract/period.ts";

// Integration: the real engine, the real aggregator fed from the real stream.

let engine: Awaited<ReturnType<typeof startTestEngine>>;
let tail: ReturnType<typeof tailStream>;
beforeEach(async () => {
  engine = await startTestEngine();
  tail = tailStream();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await engine.close();
});

const quick = { settleMs: 0, rechecks: 0 } as const;

async function deliverNew() {
  const records = await tail.poll();
  for (let i = 0; i < records.length; i += 100) {
    expect((await applyStreamBatch(records.slice(i, i + 100))).batchItemFailures).toEqual([]);
  }
  return records;
}

/** Everything the stream holds, as Lambda would deliver it again. */
async function everythingOnTheStream(): Promise<DynamoDBRecord[]> {
  const history = await readStreamHistory();
  return (history?.shards ?? []).flatMap((shard) =>
    shard.records.map((record) => toLambdaRecord(record, history!.streamArn)),
  );
}

/** Every aggregate, by player and period (each record counts towards four periods). */
async function aggregates() {
  return Object.fromEntries(
    (await scanAggregates()).map((a) => [`${a.playerName} ${a.period}`, a.item]),
  );
}

/** A player's aggregates, by period. */
async function aggregatesOf(playerName: string) {
  return Object.fromEntries(
    (await scanAggregates())
      .filter((a) => a.playerName === playerName)
      .map((a) => [a.period, a.item]),
  );
}

/** The periods a record created at `createdAt` counts towards, in the order reports list them. */
const periodsSorted = (createdAt: string) => periodsOf(createdAt).sort();

describe("reconcile: the check", () => {
  test("aggregates kept by the aggregator: no drift", async () => {
    const a = await submitScore({ playerName: "ann", score: 10 });
    await submitScore({ playerName: "ann", score: 30 });
    const c = await submitScore({ playerName: "bob", score: 5 });
    await updateScore(a.record.recordId, { score: 12 });
    await updateScore(c.record.recordId, { playerName: "cyd" });
    await deleteScore(a.record.recordId);
    await deliverNew();

    const report = await reconcile(quick);
    // Three players, each in four periods (all time, today, this week, this month).
    expect(report).toMatchObject({ records: 2, aggregates: 12, compared: 12, drift: [] });
    expect(report.undecodable).toEqual([]);
  });

  test("injected drift is found, field by field", async () => {
    await submitScore({ playerName: "ann", score: 10 });
    await submitScore({ playerName: "ann", score: 30 });
    await submitScore({ playerName: "bob", score: 7 });
    await deliverNew();
    await dynamo().send(
      new UpdateItemCommand({
        TableName: tableName("GameScoresByUser"),
        Key: { PlayerName: { S: "ann" }, Period: { S: "ALL" } },
        UpdateExpression: "SET TotalScore = TotalScore + :d, BestScore = :b",
        ExpressionAttributeValues: { ":d": { N: "5" }, ":b": { N: "99" } },
      }),
    );
    // Records of a player the aggregator never heard of.
    await dynamo().send(
      new PutItemCommand({
        TableName: tableName("GameScoresByUser"),
        Item: {
          PlayerName: { S: "ghost" },
          Period: { S: "ALL" },
          TotalScore: { N: "3" },
          GamesPlayed: { N: "1" },
          Version: { N: "1" },
          Applied: { M: {} },
        },
      }),
    );

    const report = await reconcile(quick);
    expect(report.drift).toEqual([
      {
        playerName: "ann",
        period: "ALL",
        fields: [
          { field: "TotalScore", aggregate: 45, records: 40 },
          { field: "BestScore", aggregate: 99, records: 30 },
        ],
      },
      {
        playerName: "ghost",
        period: "ALL",
        fields: [
          { field: "TotalScore", aggregate: 3, records: undefined },
          { field: "GamesPlayed", aggregate: 1, records: 0 },
        ],
      },
    ]);
    expect(report.fixed).toEqual([]);
  });

  test("records not yet delivered are lag, not drift, if the runner catches up in time", async () => {
    await submitScore({ playerName: "ann", score: 10 });
    await deliverNew();
    await submitScore({ playerName: "ann", score: 20 });
    // The runner catches up while reconcile waits to look again.
    let caughtUp: Promise<unknown> | undefined;
    const report = await reconcile({
      settleMs: 1500,
      rechecks: 1,
      onProgress: (p) => void (p.phase === "aggregates" && (caughtUp ??= deliverNew())),
    });
    await caughtUp;
    expect(report.drift).toEqual([]);

    // Without a runner, the same difference is drift, in each period the record counts towards.
    const late = await submitScore({ playerName: "ann", score: 1 });
    expect((await reconcile({ settleMs: 10, rechecks: 1 })).drift).toEqual(
      periodsSorted(late.record.createdAt).map((period) => ({
        playerName: "ann",
        period,
        fields: [
          { field: "TotalScore", aggregate: 30, records: 31 },
          { field: "GamesPlayed", aggregate: 2, records: 3 },
          { field: "LastScore", aggregate: 20, records: 1 },
        ],
      })),
    );
  });

  test("undecodable records are counted and listed, not summed", async () => {
    await submitScore({ playerName: "ann", score: 10 });
    const spoilt = await submitScore({ playerName: "ann", score: 20 });
    await dynamo().send(
      new PutItemCommand({
        TableName: tableName("GameScoreRecords"),
        // Score is a key of the ByPlayer index, so it cannot be a string; it can be a fraction.
        Item: { RecordID: { S: "bad-1" }, Score: { N: "12.5" } },
      }),
    );
    vi.spyOn(console, "warn").mockImplementation(() => {});
    await tail.poll().then((records) => applyStreamBatch(records));
    // Someone overwrites a good record with a bad score: the aggregator cannot apply that change.
    await dynamo().send(
      new UpdateItemCommand({
        TableName: tableName("GameScoreRecords"),
        Key: { RecordID: { S: spoilt.record.recordId } },
        UpdateExpression: "SET Score = :s",
        ExpressionAttributeValues: { ":s": { N: "-20" } },
      }),
    );
    const batch = await tail.poll();
    // Quarantined, not failed: the batch succeeds.
    expect((await applyStreamBatch(batch)).batchItemFailures).toEqual([]);

    const report = await reconcile(quick);
    expect(report.records).toBe(3);
    expect(report.undecodable).toEqual(
      expect.arrayContaining([
        {
          recordId: "bad-1",
          problem: expect.stringContaining("PlayerName") as string,
        },
        {
          recordId: spoilt.record.recordId,
          playerName: "ann",
          problem: expect.stringContaining("Score") as string,
        },
      ]),
    );
    // Its state now counts as nothing: the aggregator took it off the board (a leave), and
    // reconcile, which leaves it out too, agrees: no drift.
    expect(report.drift).toEqual([]);
    expect(await aggregateOf("ann")).toMatchObject({ TotalScore: 10, GamesPlayed: 1 });
  });

  test("a record in the table with a number unmarshall refuses is undecodable, not a throw", async () => {
    await submitScore({ playerName: "ann", score: 10 });
    await dynamo().send(
      new PutItemCommand({
        TableName: tableName("GameScoreRecords"),
        // A DynamoDB number, but beyond 2^53 and no integer: the SDK's default unmarshall throws.
        Item: {
          RecordID: { S: "bad-t" },
          PlayerName: { S: "ann" },
          Score: { N: "12345678901234567.5" },
          CreatedAt: { S: new Date().toISOString() },
        },
      }),
    );
    vi.spyOn(console, "warn").mockImplementation(() => {});
    await tail.poll().then((records) => applyStreamBatch(records));

    const report = await reconcile(quick);
    expect(report.records).toBe(2);
    expect(report.undecodable).toEqual([
      expect.objectContaining({
        recordId: "bad-t",
        problem: expect.stringContaining("Score") as string,
      }),
    ]);
    expect(report.drift).toEqual([]);
  });
});

describe("reconcile: the fix", () => {
  test("repairs drift; redeliveries are still skipped and new changes apply once", async () => {
    const a = await submitScore({ playerName: "ann", score: 10 });
    await submitScore({ playerName: "ann", score: 30 });
    const b = await submitScore({ playerName: "bob", score: 7 });
    await deliverNew();
    // Damage: ann loses 100 points and a game; bob's aggregate disappears into thin air.
    await dynamo().send(
      new UpdateItemCommand({
        TableName: tableName("GameScoresByUser"),
        Key: { PlayerName: { S: "ann" }, Period: { S: "ALL" } },
        UpdateExpression: "SET TotalScore = TotalScore - :d, GamesPlayed = :g",
        ExpressionAttributeValues: { ":d": { N: "100" }, ":g": { N: "1" } },
      }),
    );
    await dynamo().send(
      new UpdateItemCommand({
        TableName: tableName("GameScoresByUser"),
        Key: { PlayerName: { S: "bob" }, Period: { S: "ALL" } },
        UpdateExpression: "SET TotalScore = :z, GamesPlayed = :z",
        ExpressionAttributeValues: { ":z": { N: "0" } },
      }),
    );

    const report = await reconcile({ ...quick, fix: true });
    expect(report.drift.map((d) => d.playerName)).toEqual(["ann", "bob"]);
    expect(report.fixed.map((d) => d.playerName)).toEqual(["ann", "bob"]);
    expect(report.unfixed).toEqual([]);
    expect(await aggregateOf("ann")).toMatchObject({
      TotalScore: 40,
      GamesPlayed: 2,
      BestScore: 30,
      LastScore: 30,
    });
    expect(await aggregateOf("bob")).toMatchObject({ TotalScore: 7, GamesPlayed: 1 });
    expect((await reconcile(quick)).drift).toEqual([]);

    // Lambda delivering everything again changes nothing, not even a version.
    const before = await aggregates();
    const all = await everythingOnTheStream();
    expect((await applyStreamBatch(all)).batchItemFailures).toEqual([]);
    expect(await aggregates()).toEqual(before);

    // Later changes apply once, on top of the repaired totals.
    await updateScore(a.record.recordId, { score: 15 });
    await deleteScore(b.record.recordId);
    await submitScore({ playerName: "bob", score: 3 });
    const later = await deliverNew();
    expect(await applyStreamBatch(later)).toEqual({ batchItemFailures: [] });
    expect(await aggregateOf("ann")).toMatchObject({ TotalScore: 45, GamesPlayed: 2 });
    expect(await aggregateOf("bob")).toMatchObject({ TotalScore: 3, GamesPlayed: 1, BestScore: 3 });
    expect((await reconcile(quick)).drift).toEqual([]);
  });

  test("records completed, broken and deleted around the API: the aggregator and reconcile agree", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const now = new Date().toISOString();
    const put = (recordId: string, item: Record<string, { S: string } | { N: string }>) =>
      dynamo().send(
        new PutItemCommand({
          TableName: tableName("GameScoreRecords"),
          Item: {
            RecordID: { S: recordId },
            CreatedAt: { S: now },
            UpdatedAt: { S: now },
            ...item,
          },
        }),
      );
    // fixed: poison, then completed (invalid → valid); broken: valid → invalid; gone: poison, deleted.
    await put("fixed", { Score: { N: "40" } });
    await put("broken", { PlayerName: { S: "ann" }, Score: { N: "5" } });
    await put("gone", { Score: { N: "9" } });
    await submitScore({ playerName: "ann", score: 1 });
    await deliverNew();
    await updateScore("fixed", { playerName: "ann" });
    await put("broken", { PlayerName: { S: "ann" }, Score: { N: "-5" } });
    await deleteScore("gone");
    await deliverNew();
    expect(await aggregateOf("ann")).toMatchObject({ TotalScore: 41, GamesPlayed: 2 });
    expect((await reconcile(quick)).drift).toEqual([]);

    // A fix from scratch (the aggregate lost) marks what it counted: a redelivery of every
    // change, the poison ones included, moves nothing.
    await dynamo().send(
      new DeleteItemCommand({
        TableName: tableName("GameScoresByUser"),
        Key: { PlayerName: { S: "ann" }, Period: { S: "ALL" } },
      }),
    );
    const fixed = await reconcile({ ...quick, fix: true });
    expect(fixed.fixed.map((d) => [d.playerName, d.period])).toEqual([["ann", "ALL"]]);
    expect(await aggregateOf("ann")).toMatchObject({ TotalScore: 41, GamesPlayed: 2 });
    const before = await aggregates();
    expect((await applyStreamBatch(await everythingOnTheStream())).batchItemFailures).toEqual([]);
    expect(await aggregates()).toEqual(before);
  });

  test("a stream image with a number unmarshall refuses is undecodable, not a throw", async () => {
    await submitScore({ playerName: "ann", score: 10 });
    // A DynamoDB number, but beyond 2^53 and no integer: `unmarshall` throws on it.
    const bad = {
      RecordID: { S: "bad-n" },
      PlayerName: { S: "ann" },
      Score: { N: "12345678901234567.5" },
      CreatedAt: { S: new Date().toISOString() },
    };
    await dynamo().send(
      new PutItemCommand({ TableName: tableName("GameScoreRecords"), Item: bad }),
    );
    vi.spyOn(console, "warn").mockImplementation(() => {});
    await deliverNew();
    // Drift, so that the fix reads the stream; the table no longer holds the bad record.
    await dynamo().send(
      new DeleteItemCommand({
        TableName: tableName("GameScoreRecords"),
        Key: { RecordID: { S: "bad-n" } },
      }),
    );
    await dynamo().send(
      new UpdateItemCommand({
        TableName: tableName("GameScoresByUser"),
        Key: { PlayerName: { S: "ann" }, Period: { S: "ALL" } },
        UpdateExpression: "SET TotalScore = :t",
        ExpressionAttributeValues: { ":t": { N: "99" } },
      }),
    );

    const report = await reconcile({ ...quick, fix: true });
    expect(report.fixed.map((d) => d.playerName)).toEqual(["ann"]);
    expect(report.unfixed).toEqual([]);
    expect(await aggregateOf("ann")).toMatchObject({ TotalScore: 10, GamesPlayed: 1 });
  });

  test("a fix before the runner got to the records: the stream's records are then skipped", async () => {
    const a = await submitScore({ playerName: "ann", score: 10 });
    await submitScore({ playerName: "ann", score: 30 });
    const b = await submitScore({ playerName: "bob", score: 7 });
    await updateScore(b.record.recordId, { playerName: "ann", score: 8 });
    await deleteScore(a.record.recordId);
    // Nothing delivered yet: no aggregates at all. (ann's in each of her periods; bob has none.)
    const report = await reconcile({ ...quick, fix: true });
    const periods = periodsSorted(a.record.createdAt);
    expect(report.drift.map((d) => [d.playerName, d.period])).toEqual(
      periods.map((period) => ["ann", period]),
    );
    expect(await aggregateOf("ann")).toMatchObject({ TotalScore: 38, GamesPlayed: 2 });
    const fixed = await aggregatesOf("ann");
    expect(Object.keys(fixed).sort()).toEqual(periods);

    // The runner now delivers the whole history, in two halves: every change is already in.
    const pending = await tail.poll();
    expect(pending).toHaveLength(5);
    await applyStreamBatch(pending.slice(0, 2));
    await applyStreamBatch(pending.slice(2));
    expect(await aggregateOf("ann")).toMatchObject({ TotalScore: 38, GamesPlayed: 2, Version: 1 });
    for (const period of periods) {
      expect((await aggregatesOf("ann"))[period]).toMatchObject({
        TotalScore: 38,
        GamesPlayed: 2,
        Version: 1,
      });
    }
    // bob's aggregate saw the game arrive and leave again (renamed to ann): no games.
    expect(await aggregateOf("bob")).toMatchObject({ GamesPlayed: 0 });
    expect(await aggregateOf("bob")).not.toHaveProperty("TotalScore");

    await updateScore(b.record.recordId, { score: 9 });
    await deliverNew();
    expect(await aggregateOf("ann")).toMatchObject({ TotalScore: 39, GamesPlayed: 2 });
  });

  test("bootstrap: records written before the table had a stream, then the stream's on top", async () => {
    // Recreate GameScoreRecords without its stream.
    await dynamo().send(new DeleteTableCommand({ TableName: tableName("GameScoreRecords") }));
    const withoutStream = { ...GameScoreRecords, stream: undefined };
    await dynamo().send(
      new CreateTableCommand(toCreateTableInput(tableName("GameScoreRecords"), withoutStream)),
    );
    await waitActive();
    const early = [];
    for (const [player, score] of [
      ["ann", 10],
      ["ann", 20],
      ["bob", 5],
    ] as const) {
      early.push((await submitScore({ playerName: player, score })).record);
    }
    await dynamo().send(
      new UpdateTableCommand({
        TableName: tableName("GameScoreRecords"),
        StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
      }),
    );
    await waitActive();
    // On the stream, not yet delivered: a new game, and an edit of a game from before the stream.
    await submitScore({ playerName: "bob", score: 6 });
    await updateScore(early[0]!.recordId, { score: 11 });

    const report = await reconcile({ ...quick, fix: true });
    const periods = periodsSorted(early[0]!.createdAt);
    expect(report.fixed.map((d) => [d.playerName, d.period])).toEqual(
      ["ann", "bob"].flatMap((player) => periods.map((period) => [player, period])),
    );
    expect(await aggregateOf("ann")).toMatchObject({ TotalScore: 31, GamesPlayed: 2 });
    expect(await aggregateOf("bob")).toMatchObject({ TotalScore: 11, GamesPlayed: 2 });

    // The runner starts from TRIM_HORIZON: what the fix counted is skipped, the rest applies once.
    await deliverNew();
    await updateScore(early[1]!.recordId, { score: 25 }); // from before the stream: +5
    await deleteScore(early[2]!.recordId); // from before the stream: -5
    await deliverNew();
    expect(await aggregateOf("ann")).toMatchObject({
      TotalScore: 36,
      GamesPlayed: 2,
      BestScore: 25,
    });
    expect(await aggregateOf("bob")).toMatchObject({ TotalScore: 6, GamesPlayed: 1 });
    expect((await reconcile(quick)).drift).toEqual([]);
  });
});

/** The SDK's waiter, polling at the local engine's pace rather than AWS's 20 s. */
async function waitActive() {
  await waitUntilTableExists(
    { client: dynamo(), minDelay: 0.02, maxDelay: 0.1, maxWaitTime: 30 },
    { TableName: tableName("GameScoreRecords") },
  );
}
