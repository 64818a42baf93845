/*
 * The stream subscribers as `sst deploy` would upload them: the bundles of `npm run build:aws`
 * (.aws-build/functions/), each loaded by plain Node from its folder with a Lambda environment
 * and the links SST gives it, invoked with DynamoDB Streams events, against the embedded engine
 * holding a stage's tables under their deployed names.
 */
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamo, type TableId } from "@streamboard/core/infra";
import type { LambdaFunction } from "./lambda.ts";
import { startOfflineStage, type OfflineStage } from "./offline-stage.ts";
import { documentedEvent, lambdaDocsSample, type ScoreItem } from "./stream-events.ts";

let stage: OfflineStage;
let streamArn: string;
let aggregator: LambdaFunction;
let streamLog: LambdaFunction;

async function scan(id: TableId): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await dynamo().send(new ScanCommand({ TableName: stage.names[id] }));
  return Items.map((item) => unmarshall(item));
}

beforeAll(async () => {
  // No runners: this file hands each function its events itself.
  stage = await startOfflineStage({ runners: false });
  ({ streamArn, aggregator, streamLog } = stage);
});
afterAll(() => stage?.stop());

const at = (minute: number) => new Date(Date.UTC(2026, 11, 2, 12, minute)).toISOString();
const score = (id: string, playerName: string, value: number, minute: number): ScoreItem => ({
  RecordID: id,
  PlayerName: playerName,
  Score: value,
  CreatedAt: at(minute),
  UpdatedAt: at(minute),
  Feed: "ALL",
});

describe("the aggregator bundle", () => {
  it("starts cold from its folder: one ESM file, no node_modules beside it", async () => {
    expect(await aggregator.initMs()).toBeGreaterThan(0);
    expect(aggregator.logs()).not.toMatch(/error/i);
  });

  it("counts a documented-shape batch (INSERT, MODIFY, REMOVE) into the stage's tables", async () => {
    const a1 = score("01JARTIFACT0000000000000A1", "Ada", 40, 1);
    const a2 = score("01JARTIFACT0000000000000A2", "Ada", 25, 2);
    const b1 = score("01JARTIFACT0000000000000B1", "Brian", 30, 3);
    const event = documentedEvent(
      [
        { eventName: "INSERT", newImage: a1 },
        { eventName: "INSERT", newImage: a2 },
        { eventName: "INSERT", newImage: b1 },
        { eventName: "MODIFY", oldImage: a2, newImage: { ...a2, Score: 35, UpdatedAt: at(4) } },
        { eventName: "REMOVE", oldImage: b1 },
      ],
      { streamArn },
    );
    const response = await aggregator.invoke<DynamoDBStreamEvent, DynamoDBBatchResponse>(event);
    expect(response).toEqual({ batchItemFailures: [] });

    const aggregates = await scan("GameScoresByUser");
    const allTime = (player: string) =>
      aggregates.find((a) => a.PlayerName === player && a.Period === "ALL");
    expect(allTime("Ada")).toMatchObject({ TotalScore: 75, GamesPlayed: 2, BestScore: 40 });
    // Brian's only game was removed: no games, off the board.
    expect(allTime("Brian")).toMatchObject({ GamesPlayed: 0 });
    expect(allTime("Brian")?.TotalScore).toBeUndefined();
    expect(await scan("Quarantine")).toEqual([]);
  });

  it("counts nothing twice when the same batch is delivered again", async () => {
    const c1 = score("01JARTIFACT0000000000000C1", "Chen", 50, 5);
    const event = documentedEvent([{ eventName: "INSERT", newImage: c1 }], {
      streamArn,
      firstSequence: 4_100_000_000_000_000_000_000n,
    });
    await aggregator.invoke(event);
    await aggregator.invoke(event);
    const chen = (await scan("GameScoresByUser")).find(
      (a) => a.PlayerName === "Chen" && a.Period === "ALL",
    );
    expect(chen).toMatchObject({ TotalScore: 50, GamesPlayed: 1 });
  });

  it("quarantines AWS's documentation sample (not score records) without failing the batch", async () => {
    const before = (await scan("GameScoresByUser")).length;
    const response = await aggregator.invoke<DynamoDBStreamEvent, DynamoDBBatchResponse>(
      lambdaDocsSample(),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect((await scan("GameScoresByUser")).length).toBe(before);
    // Each of its three records, with the reason, for the failures panel.
    const quarantined = await scan("Quarantine");
    expect(quarantined).toHaveLength(3);
    expect(JSON.stringify(quarantined)).toContain("no RecordID in the images or keys");
  });
});

describe("the stream log bundle", () => {
  it("logs a documented-shape batch: one entry per record, beside the aggregator's outcome", async () => {
    const d1 = score("01JARTIFACT0000000000000D1", "Dana", 10, 6);
    const event = documentedEvent(
      [
        { eventName: "INSERT", newImage: d1 },
        { eventName: "MODIFY", oldImage: d1, newImage: { ...d1, Score: 12, UpdatedAt: at(7) } },
      ],
      { streamArn, firstSequence: 4_200_000_000_000_000_000_000n },
    );
    // The aggregator first this time, then the log: whichever lands first, both survive.
    await aggregator.invoke(event);
    const response = await streamLog.invoke<DynamoDBStreamEvent, DynamoDBBatchResponse>(event);
    expect(response).toEqual({ batchItemFailures: [] });
    // Delivered again: the same entries, not two more.
    await streamLog.invoke(event);

    const entries = (await scan("StreamLog")).filter((e) =>
      event.Records.some((r) => r.eventID === e.EventID),
    );
    expect(entries.map((e) => e.EventName).sort()).toEqual(["INSERT", "MODIFY"]);
    for (const entry of entries) {
      expect(entry.StreamArn).toBe(streamArn);
      expect(JSON.parse(entry.Aggregator as string)).toMatchObject({ outcome: "applied" });
    }
  });

  it("logs AWS's documentation sample as it logs any record, the aggregator's verdict on it", async () => {
    const sample = lambdaDocsSample();
    const response = await streamLog.invoke<DynamoDBStreamEvent, DynamoDBBatchResponse>(sample);
    expect(response).toEqual({ batchItemFailures: [] });
    const entries = (await scan("StreamLog")).filter(
      (e) => e.StreamArn !== undefined && e.StreamArn !== streamArn,
    );
    expect(entries.map((e) => [e.EventID, e.EventName, e.SequenceNumber]).sort()).toEqual([
      ["1", "INSERT", "111"],
      ["2", "MODIFY", "222"],
      ["3", "REMOVE", "333"],
    ]);
    for (const entry of entries) {
      expect(JSON.parse(entry.Keys as string)).toEqual({ Id: { N: "101" } });
      // The aggregator (earlier in this file) quarantined each: the log shows why.
      expect(JSON.parse(entry.Aggregator as string)).toMatchObject({
        outcome: "quarantined",
        reason: "no RecordID in the images or keys",
      });
    }
    // Both subscribers counted their batches in the stage's StreamMetrics.
    const metrics = JSON.stringify(await scan("StreamMetrics"));
    expect(metrics).toContain("stream-log");
    expect(metrics).toContain("aggregator");
  });
});

describe("both bundles", () => {
  it("reached no host but the engine, and logged no AWS configuration error", () => {
    for (const fn of [aggregator, streamLog]) {
      const hosts = new Set(fn.connections().map((c) => c.host));
      expect([...hosts]).toEqual(["127.0.0.1"]);
      expect(fn.logs()).not.toMatch(/region is missing|credential|S3|AccessDenied/i);
    }
  });
});
