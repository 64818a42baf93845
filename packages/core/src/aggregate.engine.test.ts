import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { startTestEngine } from "@streamboard/local/testing";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { applyStreamBatch } from "./aggregate.ts";
import { dynamo } from "./dynamo.ts";
import { tableName } from "./resource.ts";
import { deleteScore, submitScore, updateScore } from "./score.ts";
import { aggregateOf, tailStream } from "./testing.ts";

// Integration: real writes, the real stream, the real aggregate table.

let engine: Awaited<ReturnType<typeof startTestEngine>>;
let tail: ReturnType<typeof tailStream>;
beforeAll(async () => {
  engine = await startTestEngine();
  tail = tailStream();
});
afterAll(() => engine.close());
afterEach(() => vi.restoreAllMocks());

let n = 0;
const uniqueName = (base: string) => `${base} ${++n}`;

async function deliverAll() {
  const records = await tail.poll();
  const result = await applyStreamBatch(records);
  expect(result.batchItemFailures).toEqual([]);
  return records;
}

describe("applyStreamBatch against the engine", () => {
  test("INSERT, MODIFY and REMOVE keep a player's aggregate", async () => {
    const ann = uniqueName("ann");
    const a = await submitScore({ playerName: ann, score: 10 });
    const b = await submitScore({ playerName: ann, score: 30 });
    await deliverAll();
    expect(await aggregateOf(ann)).toMatchObject({
      TotalScore: 40,
      GamesPlayed: 2,
      BestScore: 30,
      LastScore: 30,
    });

    await updateScore(a.record.recordId, { score: 15 });
    await deliverAll();
    expect(await aggregateOf(ann)).toMatchObject({ TotalScore: 45, GamesPlayed: 2, BestScore: 30 });

    await deleteScore(a.record.recordId);
    await deliverAll();
    expect(await aggregateOf(ann)).toMatchObject({ TotalScore: 30, GamesPlayed: 1, BestScore: 30 });

    await deleteScore(b.record.recordId);
    await deliverAll();
    const gone = await aggregateOf(ann);
    expect(gone).toMatchObject({ GamesPlayed: 0 });
    expect(gone).not.toHaveProperty("TotalScore");
  });

  test("the best score is recomputed from ByPlayer when the best record is lowered or removed", async () => {
    const ann = uniqueName("ann");
    await submitScore({ playerName: ann, score: 70 });
    const best = await submitScore({ playerName: ann, score: 90 });
    await deliverAll();
    expect((await aggregateOf(ann))?.BestScore).toBe(90);

    await updateScore(best.record.recordId, { score: 20 });
    await deliverAll();
    expect(await aggregateOf(ann)).toMatchObject({ BestScore: 70, TotalScore: 90 });

    const other = await submitScore({ playerName: ann, score: 80 });
    await deleteScore(other.record.recordId);
    await deliverAll();
    expect(await aggregateOf(ann)).toMatchObject({ BestScore: 70, TotalScore: 90, GamesPlayed: 2 });
  });

  test("a rename moves the record, its game and its best to the new player", async () => {
    const ann = uniqueName("ann");
    const bob = uniqueName("bob");
    const moved = await submitScore({ playerName: ann, score: 50 });
    await submitScore({ playerName: ann, score: 5 });
    await submitScore({ playerName: bob, score: 8 });
    await deliverAll();
    await updateScore(moved.record.recordId, { playerName: bob });
    await deliverAll();
    expect(await aggregateOf(ann)).toMatchObject({ TotalScore: 5, GamesPlayed: 1, BestScore: 5 });
    expect(await aggregateOf(bob)).toMatchObject({
      TotalScore: 58,
      GamesPlayed: 2,
      BestScore: 50,
      // The moved game was played before bob's own: his last game is still his own.
      LastScore: 8,
    });
  });

  test("one write per player per batch, however many records it has", async () => {
    const ann = uniqueName("ann");
    const bob = uniqueName("bob");
    for (const score of [1, 2, 3, 4, 5]) await submitScore({ playerName: ann, score });
    for (const score of [6, 7]) await submitScore({ playerName: bob, score });
    const records = await tail.poll();
    expect(records).toHaveLength(7);

    const client = dynamo();
    const send = vi.spyOn(client, "send");
    expect((await applyStreamBatch(records)).batchItemFailures).toEqual([]);
    const writes = send.mock.calls.filter(
      ([command]) =>
        command instanceof PutItemCommand &&
        command.input.TableName === tableName("GameScoresByUser"),
    );
    expect(writes).toHaveLength(2);
    expect(await aggregateOf(ann)).toMatchObject({ TotalScore: 15, GamesPlayed: 5, Version: 1 });
    expect(await aggregateOf(bob)).toMatchObject({ TotalScore: 13, GamesPlayed: 2, Version: 1 });

    // Redelivering the whole batch writes nothing at all.
    send.mockClear();
    expect((await applyStreamBatch(records)).batchItemFailures).toEqual([]);
    expect(send.mock.calls.some(([command]) => command instanceof PutItemCommand)).toBe(false);
  });

  test("a record that cannot be decoded is reported alone and corrupts nothing", async () => {
    const ann = uniqueName("ann");
    const bob = uniqueName("bob");
    await submitScore({ playerName: ann, score: 11 });
    // Bad data written around the API: no Score, so the aggregator cannot apply it.
    await dynamo().send(
      new PutItemCommand({
        TableName: tableName("GameScoreRecords"),
        Item: {
          RecordID: { S: `bad-${n}` },
          PlayerName: { S: ann },
          CreatedAt: { S: new Date().toISOString() },
          UpdatedAt: { S: new Date().toISOString() },
        },
      }),
    );
    await submitScore({ playerName: bob, score: 22 });
    const batch = await tail.poll();
    expect(batch).toHaveLength(3);
    const bad = batch[1]!.dynamodb!.SequenceNumber!;
    vi.spyOn(console, "warn").mockImplementation(() => {});

    const result = await applyStreamBatch(batch);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: bad }]);
    expect(await aggregateOf(ann)).toMatchObject({ TotalScore: 11, GamesPlayed: 1 });
    expect(await aggregateOf(bob)).toMatchObject({ TotalScore: 22, GamesPlayed: 1 });

    // Lambda retries from the failed record: what was applied after it is not applied again.
    const retry = await applyStreamBatch(batch.slice(1));
    expect(retry.batchItemFailures).toEqual([{ itemIdentifier: bad }]);
    expect(await aggregateOf(bob)).toMatchObject({ TotalScore: 22, GamesPlayed: 1, Version: 1 });
  });

  test("a failed write reports that player's lowest sequence number; other players go on", async () => {
    const ann = uniqueName("ann");
    const bob = uniqueName("bob");
    // Someone wrote an aggregate the aggregator cannot read.
    await dynamo().send(
      new PutItemCommand({
        TableName: tableName("GameScoresByUser"),
        Item: {
          PlayerName: { S: ann },
          Period: { S: "ALL" },
          GamesPlayed: { S: "many" },
        },
      }),
    );
    await submitScore({ playerName: bob, score: 1 });
    await submitScore({ playerName: ann, score: 2 });
    await submitScore({ playerName: ann, score: 3 });
    const records = await tail.poll();
    vi.spyOn(console, "error").mockImplementation(() => {});
    const result = await applyStreamBatch(records);
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: records[1]!.dynamodb!.SequenceNumber },
    ]);
    expect(await aggregateOf(bob)).toMatchObject({ TotalScore: 1, GamesPlayed: 1 });
  });

  test("concurrent batches for one player (sibling shards) both land, via the version check", async () => {
    const ann = uniqueName("ann");
    for (let score = 1; score <= 12; score++) await submitScore({ playerName: ann, score });
    const records = await tail.poll();
    const odd = records.filter((_, i) => i % 2 === 1);
    const even = records.filter((_, i) => i % 2 === 0);
    const results = await Promise.all([
      applyStreamBatch(odd.slice(0, 3)),
      applyStreamBatch(even.slice(0, 3)),
      applyStreamBatch(odd.slice(3)),
      applyStreamBatch(even.slice(3)),
    ]);
    expect(results.flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect(await aggregateOf(ann)).toMatchObject({
      TotalScore: 78,
      GamesPlayed: 12,
      BestScore: 12,
    });
  });
});
