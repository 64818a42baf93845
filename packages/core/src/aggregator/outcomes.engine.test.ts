import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { startTestEngine } from "@streamboard/local/testing";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { RecordOutcome, type AggregateEffect } from "../contract/stream.ts";
import { dynamo, documentClient } from "../infra/clients.ts";
import { tableName } from "../infra/resource.ts";
import { periodsOf } from "../period/period.ts";
import { submitScore, updateScore } from "../score/score.ts";
import { inspectorRecordOf, logKeyOf } from "../stream/log.ts";
import { writeStreamLog } from "../stream/log-writer.ts";
import { tailStream } from "../testing/testing.ts";
import { applyStreamBatch } from "./aggregate.ts";
import { writeOutcomes } from "./outcomes.ts";

// Integration: the aggregator writes what each record changed onto its stream log entry.

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

async function entryOf(record: DynamoDBRecord) {
  const { Item } = await documentClient().send(
    new GetCommand({ TableName: tableName("StreamLog"), Key: logKeyOf(record) }),
  );
  return Item;
}

async function outcomeOf(record: DynamoDBRecord): Promise<RecordOutcome | undefined> {
  const text: unknown = (await entryOf(record))?.Aggregator;
  return typeof text === "string" ? RecordOutcome.parse(JSON.parse(text)) : undefined;
}

const changesOf = async (record: DynamoDBRecord) => {
  const outcome = await outcomeOf(record);
  if (outcome?.outcome !== "applied") throw new Error(`not applied: ${JSON.stringify(outcome)}`);
  return outcome.changes;
};
const inPeriod = (changes: AggregateEffect[], period: string) =>
  changes.find((c) => c.period === period);

describe("the aggregator's outcome on each record's log entry", () => {
  test("a submitted score's entry carries its effect on every period, ranks included", async () => {
    const ann = uniqueName("Effect Ann");
    const bob = uniqueName("Effect Bob");
    await submitScore({ playerName: ann, score: 10 });
    const { record: second } = await submitScore({ playerName: ann, score: 30 });
    await submitScore({ playerName: bob, score: 50 });
    const records = await tail.poll();
    expect(await applyStreamBatch(records)).toEqual({ batchItemFailures: [] });
    // The stream log gets there after the aggregator: the outcome stays.
    expect(await writeStreamLog(records)).toMatchObject({ batchItemFailures: [] });

    const [annFirst, annSecond, bobFirst] = records;
    const periods = periodsOf(second.createdAt);
    const first = await changesOf(annFirst!);
    expect(first.map((c) => c.period).sort()).toEqual([...periods].sort());
    // Each record's own step, in stream order within the coalesced batch.
    expect(inPeriod(first, "ALL")).toMatchObject({
      playerName: ann,
      totalBefore: null,
      totalAfter: 10,
      gamesBefore: 0,
      gamesAfter: 1,
      rankBefore: null,
    });
    expect(inPeriod(await changesOf(annSecond!), "ALL")).toMatchObject({
      totalBefore: 10,
      totalAfter: 40,
      gamesBefore: 1,
      gamesAfter: 2,
    });
    expect(inPeriod(await changesOf(bobFirst!), "ALL")).toMatchObject({
      playerName: bob,
      totalBefore: null,
      totalAfter: 50,
      rankBefore: null,
    });
    // Ranks on this engine's ALL board (other tests' players are on it too): Bob's 50 is above
    // Ann's 40, so Ann's rank after is Bob's + 1 at least.
    const annAfter = inPeriod(await changesOf(annSecond!), "ALL")!.rankAfter!;
    const bobAfter = inPeriod(await changesOf(bobFirst!), "ALL")!.rankAfter!;
    expect(bobAfter).toBeGreaterThanOrEqual(1);
    expect(annAfter).toBeGreaterThan(bobAfter);

    // The inspector's record shows it.
    const shown = inspectorRecordOf((await entryOf(bobFirst!))!);
    expect(shown?.aggregator).toMatchObject({ outcome: "applied" });
    expect(shown?.newImage?.PlayerName).toEqual({ S: bob });
  });

  test("a redelivered batch leaves the first outcome as it was", async () => {
    await submitScore({ playerName: uniqueName("Redelivered"), score: 7 });
    const records = await tail.poll();
    await applyStreamBatch(records);
    const before = await outcomeOf(records[0]!);
    expect(before?.outcome === "applied" && before.changes).toHaveLength(
      periodsOf(new Date().toISOString()).length,
    );
    expect(await applyStreamBatch(structuredClone(records))).toEqual({ batchItemFailures: [] });
    expect(await outcomeOf(records[0]!)).toEqual(before);
  });

  test("an outcome is never overwritten, but for applied replacing quarantined", async () => {
    await submitScore({ playerName: uniqueName("Kept"), score: 9 });
    await submitScore({ playerName: uniqueName("Reapplied"), score: 8 });
    const [kept, reapplied] = await tail.poll();
    const first: RecordOutcome = {
      outcome: "applied",
      at: "2026-01-01T00:00:00.000Z",
      changes: [],
    };
    await writeOutcomes([{ record: kept!, outcome: first }]);
    await writeOutcomes([
      { record: kept!, outcome: { outcome: "applied", at: "later", changes: [] } },
      { record: kept!, outcome: { outcome: "quarantined", at: "later", reason: "no" } },
    ]);
    // Nor by the aggregator applying the record afterwards: its write finds one there.
    await applyStreamBatch([kept!]);
    expect(await outcomeOf(kept!)).toEqual(first);

    // Set aside first (say DynamoDB refused the write then), applied later: it says so.
    await writeOutcomes([
      { record: reapplied!, outcome: { outcome: "quarantined", at: "then", reason: "refused" } },
    ]);
    await applyStreamBatch([reapplied!]);
    expect(await outcomeOf(reapplied!)).toMatchObject({ outcome: "applied" });
    expect(inPeriod(await changesOf(reapplied!), "ALL")).toMatchObject({ totalAfter: 8 });
  });

  test("a record whose new state is bad: quarantined, with the leave it applied", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const player = uniqueName("Spoilt");
    const { record } = await submitScore({ playerName: player, score: 12 });
    await applyStreamBatch(await tail.poll());
    // Written around the API: the record loses its PlayerName.
    await dynamo().send(
      new PutItemCommand({
        TableName: tableName("GameScoreRecords"),
        Item: { RecordID: { S: record.recordId }, Score: { N: "12" } },
      }),
    );
    const [spoilt] = await tail.poll();
    expect(await applyStreamBatch([spoilt!])).toEqual({ batchItemFailures: [] });
    const outcome = await outcomeOf(spoilt!);
    expect(outcome).toMatchObject({
      outcome: "quarantined",
      reason: expect.stringContaining("PlayerName") as string,
    });
    expect(
      outcome?.outcome === "quarantined" && inPeriod(outcome.changes ?? [], "ALL"),
    ).toMatchObject({ playerName: player, totalBefore: 12, totalAfter: null, rankAfter: null });
  });

  test("an edit that changes nothing an aggregate holds: applied, no changes", async () => {
    const { record } = await submitScore({ playerName: uniqueName("Nick"), score: 3 });
    await updateScore(record.recordId, { nickName: "Speedy" });
    const records = await tail.poll();
    await applyStreamBatch(records);
    await writeStreamLog(records);
    expect(await outcomeOf(records[1]!)).toMatchObject({ outcome: "applied", changes: [] });
  });

  test("a score edit moves the total; a rename moves it between players", async () => {
    const from = uniqueName("Renamed From");
    const to = uniqueName("Renamed To");
    const { record } = await submitScore({ playerName: from, score: 20 });
    await applyStreamBatch(await tail.poll());
    await updateScore(record.recordId, { playerName: to, score: 25 });
    const [rename] = await tail.poll();
    await applyStreamBatch([rename!]);
    const all = (await changesOf(rename!)).filter((c) => c.period === "ALL");
    expect(all).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          playerName: from,
          totalBefore: 20,
          totalAfter: null,
          rankAfter: null,
        }),
        expect.objectContaining({
          playerName: to,
          totalBefore: null,
          totalAfter: 25,
          rankBefore: null,
        }),
      ]),
    );
  });

  test("a quarantined record's entry says why", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    await dynamo().send(
      new PutItemCommand({
        TableName: tableName("GameScoreRecords"),
        Item: { RecordID: { S: `poison-${++n}` }, Score: { N: "5" } },
      }),
    );
    const records = await tail.poll();
    expect(await applyStreamBatch(records)).toEqual({ batchItemFailures: [] });
    expect(await outcomeOf(records[0]!)).toMatchObject({
      outcome: "quarantined",
      reason: expect.stringContaining("PlayerName") as string,
    });
  });

  test("what a batch of 100 scores costs: outcomes and ranks, measured", async () => {
    // 100 players: the board is deeper than RANK_DEPTH, so the rank Query reads its whole page.
    const players = Array.from({ length: 100 }, () => uniqueName("Costly"));
    for (let i = 0; i < 100; i++) {
      await submitScore({ playerName: players[i % players.length]!, score: 1 + i });
    }
    const records = await tail.poll();
    expect(records).toHaveLength(100);
    // Cost of the log first (a fresh entry each), then the aggregator (outcomes onto them).
    engine.capacity.reset();
    await writeStreamLog(records);
    const log = engine.capacity.snapshot()[tableName("StreamLog")]!;
    engine.capacity.reset();
    await applyStreamBatch(records);
    const usage = engine.capacity.snapshot();
    const outcomes = usage[tableName("StreamLog")]!;
    const board = usage[tableName("GameScoresByUser")]!.indexes.ByRank ?? {
      readUnits: 0,
    };
    console.log(
      `[cost] per 100 records: stream log ${log.writeUnits} WU in ${log.writeRequests} writes ` +
        `(${JSON.stringify(log.indexes)}); outcomes ${outcomes.writeUnits} WU in ` +
        `${outcomes.writeRequests} writes; ranks ${board.readUnits} RU on ByRank`,
    );
    expect(outcomes.writeRequests).toBe(100);
    // Index-free: the outcome is no index key.
    expect(Object.values(outcomes.indexes).every((i) => i.writeUnits === 0)).toBe(true);
    // One bounded Query per period (and board shard: one here), each of at most RANK_DEPTH
    // rows of ~220 bytes as ByRank projects them here (keys, Board, a ~48-byte RankKey, the
    // summary, UpdatedAt, ReachedAt): ≤ 24 KB, ≤ 3 read units eventually consistent, whatever
    // the board's size (it holds more than RANK_DEPTH players by now).
    expect(board.readUnits).toBeGreaterThan(0);
    expect(board.readUnits).toBeLessThanOrEqual(periodsOf(new Date().toISOString()).length * 3);
    expect(log.writeRequests).toBe(100);
  }, 120_000); // Hundreds of writes: four aggregates (periods) and their markers per record.
});
