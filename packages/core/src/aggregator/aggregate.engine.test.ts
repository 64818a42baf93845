import {
  paginateScan,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { startTestEngine } from "@streamboard/local/testing";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { applyStreamBatch } from "./aggregate.ts";
import { documentClient } from "../infra/clients.ts";
import { listQuarantine } from "./quarantine.ts";
import { tableName } from "../infra/resource.ts";
import { deleteScore, submitScore, updateScore } from "../score/score.ts";
import { aggregateOf, tailStream } from "../testing/testing.ts";

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

/** Every aggregate of a player, one per period, as stored (consistent read), by period. */
async function aggregatesOf(playerName: string) {
  const { Items } = await documentClient().send(
    new QueryCommand({
      TableName: tableName("GameScoresByUser"),
      KeyConditionExpression: "PlayerName = :player",
      ExpressionAttributeValues: { ":player": playerName },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []) as {
    PlayerName: string;
    TotalScore?: number;
    GamesPlayed: number;
    Version: number;
  }[];
}

/** The markers of these records: RecordID → their targets. */
async function marksOf(recordIds: Set<string>): Promise<Map<string, string[]>> {
  const marks = new Map<string, string[]>();
  const pages = paginateScan(
    { client: documentClient() },
    { TableName: tableName("AggregatorMarks") },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const id = item.RecordID as string;
      if (recordIds.has(id)) marks.set(id, [...(marks.get(id) ?? []), item.Target as string]);
    }
  }
  return marks;
}

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

  test("one write per player per batch, however many records it has, in one transaction", async () => {
    const ann = uniqueName("ann");
    const bob = uniqueName("bob");
    for (const score of [1, 2, 3, 4, 5]) await submitScore({ playerName: ann, score });
    for (const score of [6, 7]) await submitScore({ playerName: bob, score });
    const records = await tail.poll();
    expect(records).toHaveLength(7);

    const client = documentClient();
    const send = vi.spyOn(client, "send");
    expect((await applyStreamBatch(records)).batchItemFailures).toEqual([]);
    const transactions = send.mock.calls.flatMap(([command]) =>
      command instanceof TransactWriteCommand ? [command.input.TransactItems ?? []] : [],
    );
    // One transaction for the batch: each player's aggregate in each of the four periods a
    // record counts towards (all time, day, week, month), a marker for each (record, aggregate),
    // and the rank counts those aggregates move, as updates.
    expect(transactions).toHaveLength(1);
    const puts = transactions[0]!.flatMap((item) => (item.Put ? [item.Put.TableName] : []));
    const updates = transactions[0]!.flatMap((item) =>
      item.Update ? [item.Update.TableName] : [],
    );
    expect(puts.length + updates.length).toBe(transactions[0]!.length);
    expect(puts.filter((t) => t === tableName("GameScoresByUser"))).toHaveLength(2 * 4);
    expect(puts.filter((t) => t === tableName("AggregatorMarks"))).toHaveLength(7 * 4);
    expect(puts).toHaveLength(2 * 4 + 7 * 4);
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.every((t) => t === tableName("BoardCounts"))).toBe(true);
    expect(send.mock.calls.some(([command]) => command instanceof PutCommand)).toBe(false);
    const written = async () =>
      (await aggregatesOf(ann)).concat(await aggregatesOf(bob)).map((a) => ({
        player: a.PlayerName,
        total: a.TotalScore,
        games: a.GamesPlayed,
        version: a.Version,
      }));
    const once = await written();
    expect(once).toHaveLength(8);
    for (const a of once) {
      expect(a).toMatchObject(
        a.player === ann
          ? { total: 15, games: 5, version: 1 }
          : { player: bob, total: 13, games: 2, version: 1 },
      );
    }

    // Redelivering the whole batch changes nothing: the markers cancel it.
    expect((await applyStreamBatch(records)).batchItemFailures).toEqual([]);
    expect(await written()).toEqual(once);
  });

  test("a busy player's aggregate stays small: markers live in their own table", async () => {
    const ann = uniqueName("ann");
    for (let i = 0; i < 250; i++) await submitScore({ playerName: ann, score: i });
    const records = await tail.poll();
    expect(records).toHaveLength(250);
    const sizeOf = (item: unknown) => Buffer.byteLength(JSON.stringify(item));
    // The first 10 games, for the size of a quiet player's aggregate.
    expect((await applyStreamBatch(records.slice(0, 10))).batchItemFailures).toEqual([]);
    const quiet = await aggregateOf(ann);
    expect(quiet).toMatchObject({ TotalScore: 45, GamesPlayed: 10 });
    // Then one batch of all 250 (the first 10 again) with more records for one player than a
    // transaction holds: three transactions of markers for each of the player's aggregates.
    expect((await applyStreamBatch(records)).batchItemFailures).toEqual([]);
    const aggregate = await aggregateOf(ann);
    expect(aggregate).toMatchObject({ TotalScore: 31_125, GamesPlayed: 250, BestScore: 249 });
    expect(aggregate).not.toHaveProperty("Applied");
    // 240 more games grow it only by the digits of its numbers (TotalScore, GamesPlayed,
    // BestScore, LastScore: 8 here; Version), not by anything per record.
    expect(sizeOf(aggregate) - sizeOf(quiet)).toBeLessThanOrEqual(16);
    // And small in itself: the keys, its board's keys (Board, a ~40-character RankKey), the
    // summary, the last game (time, record), UpdatedAt, ReachedAt, Version and generation.
    expect(sizeOf(aggregate)).toBeLessThan(450);
    const ids = new Set(records.map((r) => r.dynamodb!.Keys!.RecordID!.S!));
    const marks = await marksOf(ids);
    expect(marks.size).toBe(250);

    // Redelivered in smaller batches, partly twice at once: still exactly once.
    await Promise.all([
      applyStreamBatch(records.slice(0, 120)),
      applyStreamBatch(records.slice(100, 250)),
      applyStreamBatch(records.slice(50, 150)),
    ]);
    expect(await aggregateOf(ann)).toMatchObject({ TotalScore: 31_125, GamesPlayed: 250 });
  }, 120_000); // Hundreds of writes: four aggregates (periods) and their markers per record.

  test("an aggregate from before AggregatorMarks keeps skipping what its marks cover", async () => {
    const ann = uniqueName("ann");
    await submitScore({ playerName: ann, score: 10 });
    const [first] = await tail.poll();
    const seq = first!.dynamodb!.SequenceNumber!;
    const recordId = first!.dynamodb!.Keys!.RecordID!.S!;
    await documentClient().send(
      new PutCommand({
        TableName: tableName("GameScoresByUser"),
        Item: {
          PlayerName: ann,
          Period: "ALL",
          TotalScore: 10,
          GamesPlayed: 1,
          BestScore: 10,
          Version: 4,
          Applied: { [recordId]: [seq, 0] },
        },
      }),
    );
    expect((await applyStreamBatch([first!])).batchItemFailures).toEqual([]);
    expect(await aggregateOf(ann)).toMatchObject({ TotalScore: 10, GamesPlayed: 1, Version: 4 });
    await submitScore({ playerName: ann, score: 5 });
    await deliverAll();
    expect(await aggregateOf(ann)).toMatchObject({ TotalScore: 15, GamesPlayed: 2, Version: 5 });
  });

  test("a record that cannot be decoded is quarantined at once and corrupts nothing", async () => {
    const ann = uniqueName("ann");
    const bob = uniqueName("bob");
    await submitScore({ playerName: ann, score: 11 });
    // Bad data written around the API: no Score, so the aggregator cannot apply it.
    await documentClient().send(
      new PutCommand({
        TableName: tableName("GameScoreRecords"),
        Item: {
          RecordID: `bad-${n}`,
          PlayerName: ann,
          CreatedAt: new Date().toISOString(),
          UpdatedAt: new Date().toISOString(),
        },
      }),
    );
    await submitScore({ playerName: bob, score: 22 });
    const batch = await tail.poll();
    expect(batch).toHaveLength(3);
    const bad = batch[1]!.dynamodb!.SequenceNumber!;
    vi.spyOn(console, "warn").mockImplementation(() => {});

    const result = await applyStreamBatch(batch);
    expect(result.batchItemFailures).toEqual([]);
    expect(await aggregateOf(ann)).toMatchObject({ TotalScore: 11, GamesPlayed: 1 });
    expect(await aggregateOf(bob)).toMatchObject({ TotalScore: 22, GamesPlayed: 1 });
    const quarantined = (await listQuarantine({ limit: 100 })).filter(
      (q) => q.sequenceNumber === bad,
    );
    expect(quarantined).toEqual([
      expect.objectContaining({
        recordId: `bad-${n}`,
        eventName: "INSERT",
        reason: expect.stringContaining("Score") as string,
        record: expect.objectContaining({ eventID: batch[1]!.eventID }) as unknown,
      }),
    ]);

    // Delivered again (a retry for another reason): nothing counted twice, nothing quarantined twice.
    const retry = await applyStreamBatch(batch.slice(1));
    expect(retry.batchItemFailures).toEqual([]);
    expect(await aggregateOf(bob)).toMatchObject({ TotalScore: 22, GamesPlayed: 1, Version: 1 });
    expect(
      (await listQuarantine({ limit: 100 })).filter((q) => q.sequenceNumber === bad),
    ).toHaveLength(1);
  });

  test("a poison record completed by an edit counts once; broken again, it leaves; deleted, nothing", async () => {
    const ann = uniqueName("ann");
    const recordId = `fixme-${n}`;
    const now = new Date().toISOString();
    const put = (item: Record<string, unknown>) =>
      documentClient().send(
        new PutCommand({
          TableName: tableName("GameScoreRecords"),
          Item: { RecordID: recordId, ...item },
        }),
      );
    const quarantinedSeqs = async () =>
      (await listQuarantine({ limit: 1000 }))
        .filter((q) => q.recordId === recordId)
        .map((q) => q.sequenceNumber)
        .sort();
    vi.spyOn(console, "warn").mockImplementation(() => {});

    // INSERT without PlayerName: quarantined, nothing counted.
    await put({ Score: 40, CreatedAt: now, UpdatedAt: now });
    const [inserted] = await deliverAll();
    expect(await aggregateOf(ann)).toBeUndefined();

    // Completed by an operator's edit (MODIFY invalid → valid): an arrival, counted once.
    await updateScore(recordId, { playerName: ann });
    const [completed] = await deliverAll();
    expect(await aggregateOf(ann)).toMatchObject({ TotalScore: 40, GamesPlayed: 1 });
    // Redelivered, alone and with the poison INSERT before it: still once.
    expect((await applyStreamBatch([inserted!, completed!])).batchItemFailures).toEqual([]);
    expect((await applyStreamBatch([completed!])).batchItemFailures).toEqual([]);
    expect(await aggregateOf(ann)).toMatchObject({ TotalScore: 40, GamesPlayed: 1 });

    // Broken around the API (valid → invalid): it leaves the board, and is quarantined.
    await put({ PlayerName: ann, Score: -1, CreatedAt: now, UpdatedAt: now });
    const [broken] = await deliverAll();
    expect(await aggregateOf(ann)).toMatchObject({ GamesPlayed: 0 });
    expect(await aggregateOf(ann)).not.toHaveProperty("TotalScore");
    // invalid → invalid: nothing, quarantined too.
    await put({ PlayerName: ann, Score: -2, CreatedAt: now, UpdatedAt: now });
    const [stillBroken] = await deliverAll();
    expect(await aggregateOf(ann)).toMatchObject({ GamesPlayed: 0 });
    expect(await quarantinedSeqs()).toEqual(
      [inserted, broken, stillBroken].map((r) => r!.dynamodb!.SequenceNumber!).sort(),
    );

    // Deleted while invalid: nothing to subtract, and deleting bad data is no poison.
    await deleteScore(recordId);
    await deliverAll();
    // Every change delivered once more, in order: nothing moves.
    expect(
      (await applyStreamBatch([inserted!, completed!, broken!, stillBroken!])).batchItemFailures,
    ).toEqual([]);
    expect(await aggregateOf(ann)).toMatchObject({ GamesPlayed: 0 });
    expect(await quarantinedSeqs()).toHaveLength(3);
  });

  test("a failed write reports that player's lowest sequence number; other players go on", async () => {
    const ann = uniqueName("ann");
    const bob = uniqueName("bob");
    // Someone wrote an aggregate the aggregator cannot read.
    await documentClient().send(
      new PutCommand({
        TableName: tableName("GameScoresByUser"),
        Item: { PlayerName: ann, Period: "ALL", GamesPlayed: "many" },
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
