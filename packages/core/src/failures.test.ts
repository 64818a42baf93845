import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { describeRecordProblem, listFailures } from "./failures.ts";
import { scoreItem, streamRecord } from "./testing.ts";

let dir: string;
const saved = Object.fromEntries(
  ["STREAMBOARD_FAILURES_DIR", "DYNAMODB_ENDPOINT"].map((name) => [name, process.env[name]]),
);
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamboard-failures-"));
  process.env.STREAMBOARD_FAILURES_DIR = dir;
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** A line as packages/local's runner writes it (the fields core reads, and a few it does not). */
function line(over: Record<string, unknown>) {
  return JSON.stringify({
    time: "2025-01-01T00:00:00.000Z",
    tableName: "GameScoreRecords",
    streamArn: "arn:aws:dynamodb:us-east-1:000000000000:table/GameScoreRecords/stream/x",
    shardId: "shardId-1",
    sequenceNumber: "100",
    eventName: "INSERT",
    keys: { RecordID: { S: "r1" } },
    reason: "retries_exhausted",
    attempts: 11,
    record: {},
    ...over,
  });
}

describe("describeRecordProblem", () => {
  test("says what is wrong with a record the aggregator cannot apply", () => {
    const bad = streamRecord({
      eventName: "INSERT",
      sequenceNumber: "1",
      newImage: { RecordID: "r1", Score: 1.5, CreatedAt: "x", UpdatedAt: "x" },
    });
    expect(describeRecordProblem(bad)).toMatch(/^NewImage: PlayerName: .*; Score: score must be/);
    const good = streamRecord({
      eventName: "INSERT",
      sequenceNumber: "2",
      newImage: scoreItem("r2", "ann", 5),
    });
    expect(describeRecordProblem(good)).toBeUndefined();
  });
});

describe("listFailures", () => {
  test("no file yet: none", async () => {
    expect(await listFailures()).toEqual([]);
  });

  test("entries newest first, with the reason in words; torn and foreign lines skipped", async () => {
    fs.writeFileSync(
      path.join(dir, "failures.jsonl"),
      [
        line({ problem: "NewImage: Score: score must be an integer between 0 and 1,000,000,000" }),
        '{"time":"2025-01-01T00:00:01.000Z","shardId":"s',
        line({ sequenceNumber: "101", error: "Error: engine down", attempts: 3 }),
        JSON.stringify({ something: "else" }),
        line({
          sequenceNumber: "102",
          reason: "record_expired",
          attempts: 0,
          eventName: "REMOVE",
          keys: { RecordID: { S: "r3" } },
        }),
        "",
      ].join("\n"),
    );
    expect(await listFailures()).toEqual([
      {
        recordId: "r3",
        eventName: "REMOVE",
        sequenceNumber: "102",
        shardId: "shardId-1",
        reason: "older than the maximum record age; never delivered",
        cause: "record_expired",
        time: "2025-01-01T00:00:00.000Z",
        attempts: 0,
      },
      expect.objectContaining({
        sequenceNumber: "101",
        reason: "failed 3 time(s): Error: engine down",
        cause: "retries_exhausted",
      }),
      expect.objectContaining({
        recordId: "r1",
        sequenceNumber: "100",
        reason: "NewImage: Score: score must be an integer between 0 and 1,000,000,000",
        attempts: 11,
      }),
    ]);
    expect(await listFailures({ limit: 1 })).toHaveLength(1);
  });

  test("without the runner's directory it says where failures are instead", async () => {
    delete process.env.STREAMBOARD_FAILURES_DIR;
    process.env.DYNAMODB_ENDPOINT = "http://127.0.0.1:1";
    await expect(listFailures()).rejects.toThrow("npm run dev");
    delete process.env.DYNAMODB_ENDPOINT;
    await expect(listFailures()).rejects.toMatchObject({
      code: "internal_error",
      message: expect.stringContaining("AggregatorFailures SQS queue") as string,
    });
  });
});
