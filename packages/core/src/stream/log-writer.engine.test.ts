import { DescribeTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { startTestEngine } from "@streamboard/local/testing";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { dynamo, documentClient } from "../infra/clients.ts";
import { tableName } from "../infra/resource.ts";
import { deleteScore, submitScore, updateScore } from "../score/score.ts";
import { scoreItem, streamRecord, tailStream } from "../testing/testing.ts";
import { LOG_RETENTION_SECONDS, logItemOf, logKeyOf, type LogKey } from "./log.ts";
import { writeStreamLog } from "./log-writer.ts";

// Integration: real writes, the real stream, the real StreamLog table.

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

const readEntry = async (key: LogKey) =>
  (await documentClient().send(new GetCommand({ TableName: tableName("StreamLog"), Key: key })))
    .Item;

async function logAll(nowMs = Date.now()): Promise<DynamoDBRecord[]> {
  const records = await tail.poll();
  const result = await writeStreamLog(records, nowMs);
  expect(result).toMatchObject({ batchItemFailures: [], written: records.length, skipped: 0 });
  return records;
}

describe("writeStreamLog against the engine", () => {
  test("INSERT, MODIFY and REMOVE: each record's entry is what logItemOf makes of it", async () => {
    const player = uniqueName("Logged Lee");
    const { record } = await submitScore({ playerName: player, score: 10 });
    await updateScore(record.recordId, { score: 25 });
    await deleteScore(record.recordId);
    const now = Date.now();
    const records = await logAll(now);
    expect(records.map((r) => r.eventName)).toEqual(["INSERT", "MODIFY", "REMOVE"]);
    for (const r of records) {
      const entry = await readEntry(logKeyOf(r));
      expect(entry).toEqual(logItemOf(r, now));
      expect(entry).toMatchObject({
        RecordID: record.recordId,
        PlayerKey: player.toLowerCase(),
        TypeBucket: expect.stringMatching(new RegExp(`^${r.eventName}#`)) as string,
      });
      expect(entry?.OldPlayerKey).toBeUndefined();
    }
    const [insert, modify, remove] = await Promise.all(records.map((r) => readEntry(logKeyOf(r))));
    expect(insert?.NewImage).toContain('"Score":{"N":"10"}');
    expect(insert?.OldImage).toBeUndefined();
    expect(modify?.OldImage).toContain('"Score":{"N":"10"}');
    expect(modify?.NewImage).toContain('"Score":{"N":"25"}');
    expect(remove?.NewImage).toBeUndefined();
    expect(remove?.OldImage).toContain('"Score":{"N":"25"}');
  });

  test("a rename keeps the old player's key too (OldPlayerKey)", async () => {
    const before = uniqueName("Old Name");
    const after = uniqueName("New Name");
    const { record } = await submitScore({ playerName: before, score: 5 });
    await updateScore(record.recordId, { playerName: after });
    const [, rename] = await logAll();
    expect(await readEntry(logKeyOf(rename!))).toMatchObject({
      EventName: "MODIFY",
      PlayerKey: after.toLowerCase(),
      OldPlayerKey: before.toLowerCase(),
    });
  });

  test("a redelivery rewrites the same entry: the first LoggedAt and ExpiresAt stay", async () => {
    await submitScore({ playerName: uniqueName("Twice"), score: 7 });
    const first = Date.now() - 60_000;
    const [record] = await logAll(first);
    const once = await readEntry(logKeyOf(record!));
    const again = await writeStreamLog([record!], Date.now());
    expect(again).toMatchObject({ batchItemFailures: [], written: 1 });
    expect(await readEntry(logKeyOf(record!))).toEqual(once);
    expect(once).toMatchObject({
      LoggedAt: new Date(first).toISOString(),
      ExpiresAt: Math.floor(first / 1000) + LOG_RETENTION_SECONDS,
    });
  });

  test("the aggregator's outcome written first survives the log entry, and the other way round", async () => {
    await submitScore({ playerName: uniqueName("Outcome First"), score: 1 });
    await submitScore({ playerName: uniqueName("Log First"), score: 2 });
    const [early, late] = await tail.poll();
    const outcome = (label: string) =>
      JSON.stringify({ outcome: "applied", at: new Date().toISOString(), changes: [], label });
    const writeOutcome = (record: DynamoDBRecord, text: string) =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName("StreamLog"),
          Key: logKeyOf(record),
          UpdateExpression: "SET Aggregator = :o",
          ConditionExpression: "attribute_not_exists(Aggregator)",
          ExpressionAttributeValues: { ":o": text },
        }),
      );
    await writeOutcome(early!, outcome("early"));
    expect(await writeStreamLog([early!, late!])).toMatchObject({ batchItemFailures: [] });
    await writeOutcome(late!, outcome("late"));
    for (const [record, label] of [
      [early!, "early"],
      [late!, "late"],
    ] as const) {
      const entry = await readEntry(logKeyOf(record));
      expect(entry?.EventName).toBe("INSERT");
      expect(entry?.NewImage).toBeDefined();
      expect(JSON.parse(entry?.Aggregator as string)).toMatchObject({ label });
    }
    // A redelivery of the log leaves the outcome where it is.
    await writeStreamLog([early!]);
    expect(JSON.parse((await readEntry(logKeyOf(early!)))?.Aggregator as string)).toMatchObject({
      label: "early",
    });
  });

  test("images too large for an entry are left out, the rest is kept", async () => {
    const big = "x".repeat(160_000);
    const record = streamRecord({
      eventName: "MODIFY",
      sequenceNumber: "900000000000000000001",
      oldImage: { ...scoreItem("big-1", "Big Bo", 1), NickName: big },
      newImage: { ...scoreItem("big-1", "Big Bo", 2), NickName: big },
    });
    expect(await writeStreamLog([record])).toMatchObject({ batchItemFailures: [], written: 1 });
    const entry = await readEntry(logKeyOf(record));
    expect(entry).toMatchObject({ ImagesOmitted: true, RecordID: "big-1", PlayerKey: "big bo" });
    expect(entry?.NewImage).toBeUndefined();
    expect(entry?.OldImage).toBeUndefined();
  });

  test("entries expire: TTL on ExpiresAt, two days on", async () => {
    const { TimeToLiveDescription } = await dynamo().send(
      new DescribeTimeToLiveCommand({ TableName: tableName("StreamLog") }),
    );
    expect(TimeToLiveDescription).toMatchObject({
      TimeToLiveStatus: "ENABLED",
      AttributeName: "ExpiresAt",
    });
    await submitScore({ playerName: uniqueName("Expiring"), score: 3 });
    const now = Date.now();
    const [record] = await logAll(now);
    expect((await readEntry(logKeyOf(record!)))?.ExpiresAt).toBe(
      Math.floor(now / 1000) + 48 * 3600,
    );
  });

  test("what an entry costs, by event type (the engine bills as DynamoDB does)", async () => {
    const from = uniqueName("Cost From");
    const { record } = await submitScore({ playerName: from, score: 1 });
    await updateScore(record.recordId, { score: 2 });
    await updateScore(record.recordId, { playerName: uniqueName("Cost To") });
    await deleteScore(record.recordId);
    const records = await tail.poll();
    const units: Record<string, number> = {};
    for (const [label, r] of ["INSERT", "MODIFY", "rename", "REMOVE", "redelivery"].map(
      (label, i) => [label, records[Math.min(i, 3)]!] as const,
    )) {
      engine.capacity.reset();
      await writeStreamLog([r]);
      units[label] = engine.capacity.snapshot()[tableName("StreamLog")]!.writeUnits;
    }
    console.log(`[cost] stream log write units per entry: ${JSON.stringify(units)}`);
    // 1 for the entry (under 1 KB), 1 per KEYS_ONLY index it enters: ByPlayer, ByRecord, ByType,
    // and ByOldPlayer for a rename, whose entry (two images, each with its `Feed`) passes 1 KB:
    // 2; a redelivery rewrites the same keys: the entry alone.
    expect(units).toEqual({ INSERT: 4, MODIFY: 4, rename: 6, REMOVE: 4, redelivery: 1 });
  });

  test("a record that is not a stream record is skipped, never retried", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const odd = {
      ...streamRecord({
        eventName: "INSERT",
        sequenceNumber: "900000000000000000002",
        newImage: scoreItem("odd-1", "Odd", 1),
      }),
      eventName: "TRUNCATE",
    } as unknown as DynamoDBRecord;
    expect(await writeStreamLog([odd])).toEqual({
      batchItemFailures: [],
      written: 0,
      skipped: 1,
    });
    expect(console.warn).toHaveBeenCalledWith(expect.stringContaining("not a stream record"));
  });

  test("a write that fails for now is reported for Lambda to retry, by sequence number", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const records = ["900000000000000000004", "900000000000000000003"].map((seq) =>
      streamRecord({
        eventName: "INSERT",
        sequenceNumber: seq,
        newImage: scoreItem(seq, "Gone", 1),
      }),
    );
    const endpoint = process.env.DYNAMODB_ENDPOINT;
    // Nothing listens on port 9: the connection is refused, as in an outage.
    process.env.DYNAMODB_ENDPOINT = "http://127.0.0.1:9";
    try {
      expect(await writeStreamLog(records)).toEqual({
        batchItemFailures: [
          { itemIdentifier: "900000000000000000003" },
          { itemIdentifier: "900000000000000000004" },
        ],
        written: 0,
        skipped: 0,
      });
    } finally {
      process.env.DYNAMODB_ENDPOINT = endpoint;
    }
    // Retried once the database answers: the entries are there.
    expect(await writeStreamLog(records)).toMatchObject({ batchItemFailures: [], written: 2 });
    expect(await readEntry(logKeyOf(records[0]!))).toMatchObject({
      RecordID: records[0]!.dynamodb!.SequenceNumber,
    });
  });
});
