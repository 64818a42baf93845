import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startTestEngine } from "@streamboard/local/testing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { VisibleError } from "../contract/error.ts";
import { describeRecordProblem, listFailures } from "./failures.ts";
import { quarantineRecords } from "../aggregator/quarantine.ts";
import { scoreItem, streamRecord } from "../testing/testing.ts";

let engine: Awaited<ReturnType<typeof startTestEngine>>;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(() => engine.close());

let dir: string;
const saved = Object.fromEntries(
  ["STREAMBOARD_FAILURES_DIR"].map((name) => [name, process.env[name]]),
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
  test("nothing quarantined and no file yet: none", async () => {
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
        id: "shardId-1:102",
        state: "open",
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

  test("the quarantine and the runner's given-up records, newest first, each with its cause", async () => {
    fs.writeFileSync(
      path.join(dir, "failures.jsonl"),
      line({ time: "2025-01-01T00:00:05.000Z", sequenceNumber: "300" }) + "\n",
    );
    const poison = streamRecord({
      eventName: "INSERT",
      sequenceNumber: "301",
      newImage: { RecordID: "q1", Score: 1, CreatedAt: "x", UpdatedAt: "x" },
    });
    const failed = await quarantineRecords(
      [{ record: poison, itemIdentifier: "301", reason: "NewImage: PlayerName: required" }],
      "aggregator",
      new Date("2025-01-01T00:00:09.000Z"),
    );
    expect(failed).toEqual([]);
    // A redelivery of the same record quarantines nothing twice.
    await quarantineRecords(
      [{ record: poison, itemIdentifier: "301", reason: "again" }],
      "aggregator",
      new Date("2025-01-01T00:00:10.000Z"),
    );
    expect(await listFailures()).toEqual([
      {
        id: poison.eventID,
        eventId: poison.eventID,
        // Gone from the table (never there, in this test): nothing is left to fix.
        state: "resolved",
        recordId: "q1",
        eventName: "INSERT",
        sequenceNumber: "301",
        shardId: "",
        reason: "NewImage: PlayerName: required",
        cause: "quarantined",
        time: "2025-01-01T00:00:09.000Z",
        attempts: 1,
      },
      expect.objectContaining({ sequenceNumber: "300", cause: "retries_exhausted" }),
    ]);

    // Without the runner's directory (on AWS) the quarantine alone.
    delete process.env.STREAMBOARD_FAILURES_DIR;
    expect((await listFailures()).map((f) => f.cause)).toEqual(["quarantined"]);
  });

  test("a failures file that cannot be read is a visible error naming it, not an opaque 500", async () => {
    // A directory where the file should be: reading it fails with EISDIR, as EACCES would.
    fs.mkdirSync(path.join(dir, "failures.jsonl"));
    const error = await listFailures().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VisibleError);
    const visible = error as VisibleError;
    // internal_error is what the API hides behind "Something went wrong".
    expect(visible.code).toBe("unavailable");
    expect(visible.status).toBe(503);
    expect(visible.message).toContain(path.join(dir, "failures.jsonl"));
    expect(visible.message).toContain("EISDIR");
  });
});
