import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
  waitUntilTableExists,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterEach, describe, expect, test, vi } from "vitest";
import { startLocalEngine, type LocalEngineOptions } from "../engine/index.ts";
import { until } from "../testing.ts";
import {
  readFailures,
  startStreamRunner,
  type BatchInfo,
  type StreamRunnerOptions,
  type StreamSubscription,
} from "./index.ts";

const TABLE = "Events";

const settings: StreamSubscription = {
  batchSize: 100,
  maximumBatchingWindowInSeconds: 0,
  startingPosition: "TRIM_HORIZON",
  bisectBatchOnFunctionError: false,
  maximumRetryAttempts: 3,
  maximumRecordAgeInSeconds: -1,
  functionResponseTypes: ["ReportBatchItemFailures"],
};

// --- fixtures: a real engine per test, runners stopped and engines closed afterwards ----------

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(engineOptions: Partial<LocalEngineOptions> = {}, createTable = true) {
  const engine = await startLocalEngine({ port: 0, inMemory: true, ...engineOptions });
  const config = {
    endpoint: engine.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  };
  const db = new DynamoDBClient(config);
  const streams = new DynamoDBStreamsClient(config);
  cleanups.push(async () => {
    db.destroy();
    streams.destroy();
    await engine.close();
  });
  const warnings: string[] = [];

  const env = {
    db,
    streams,
    warnings,
    async createTable() {
      await db.send(
        new CreateTableCommand({
          TableName: TABLE,
          KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
          AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
          BillingMode: "PAY_PER_REQUEST",
          StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
        }),
      );
      await waitUntilTableExists(
        { client: db, maxWaitTime: 30, minDelay: 1, maxDelay: 1 },
        { TableName: TABLE },
      );
      const { Table } = await db.send(new DescribeTableCommand({ TableName: TABLE }));
      return Table!.LatestStreamArn!;
    },
    async put(...ids: string[]) {
      for (const id of ids) {
        await db.send(new PutItemCommand({ TableName: TABLE, Item: { id: { S: id } } }));
      }
    },
    runner(options: Partial<StreamRunnerOptions> & Pick<StreamRunnerOptions, "handler">) {
      const runner = startStreamRunner({
        tableName: TABLE,
        settings,
        streams,
        pollIntervalMs: 20,
        discoveryIntervalMs: 100,
        retryBackoff: { initialMs: 1, maxMs: 5 },
        logger: {
          info: () => {},
          warn: (message) => warnings.push(message),
          error: (message) => warnings.push(message),
        },
        ...options,
      });
      cleanups.push(() => runner.stop());
      return runner;
    },
  };
  if (createTable) await env.createTable();
  return env;
}

/** A handler that records every event it gets; `respond` decides its answer. */
function recorder(
  respond?: (
    event: DynamoDBStreamEvent,
    call: number,
  ) => DynamoDBBatchResponse | void | Promise<DynamoDBBatchResponse | void>,
) {
  const events: DynamoDBRecord[][] = [];
  const infos: BatchInfo[] = [];
  return {
    events,
    infos,
    onBatch: (info: BatchInfo) => infos.push(info),
    handler: async (event: DynamoDBStreamEvent) => {
      events.push(event.Records);
      return await respond?.(event, events.length);
    },
    /** The ids of each batch, in delivery order. */
    batches: () => events.map((records) => records.map(idOf)),
  };
}

const idOf = (record: DynamoDBRecord) => record.dynamodb!.Keys!.id!.S!;
const seqOf = (event: DynamoDBStreamEvent, id: string) =>
  event.Records.find((r) => idOf(r) === id)!.dynamodb!.SequenceNumber!;
const ids = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(2, "0")}`);

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamboard-runner-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A clock the engine and the runner share, moved by hand. */
function manualClock() {
  let now = Date.now();
  return { clock: () => now, advance: (ms: number) => (now += ms) };
}

// --- the event ----------------------------------------------------------------------------------

describe("the Lambda event", () => {
  test("records look as Lambda delivers them: epoch seconds, stream ARN, raw images", async () => {
    const env = await setup({}, false);
    const streamArn = await env.createTable();
    const seen = recorder();
    const runner = env.runner({ handler: seen.handler });

    const before = Math.floor(Date.now() / 1000);
    const item: Record<string, AttributeValue> = {
      id: { S: "p1" },
      Score: { N: "42" },
      Blob: { B: Uint8Array.from([1, 2, 255]) },
      Tags: { SS: ["a", "b"] },
      Nested: { M: { L: { L: [{ BOOL: true }, { NULL: true }] } } },
    };
    await env.db.send(new PutItemCommand({ TableName: TABLE, Item: item }));
    await env.db.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: { id: { S: "p1" } },
        UpdateExpression: "SET Score = :s",
        ExpressionAttributeValues: { ":s": { N: "43" } },
      }),
    );
    await env.db.send(new DeleteItemCommand({ TableName: TABLE, Key: { id: { S: "p1" } } }));
    await runner.idle();

    const records = seen.events.flat();
    expect(records.map((r) => r.eventName)).toEqual(["INSERT", "MODIFY", "REMOVE"]);
    const [insert, modify, remove] = records as [DynamoDBRecord, DynamoDBRecord, DynamoDBRecord];
    expect(insert).toEqual({
      eventID: expect.any(String) as string,
      eventName: "INSERT",
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: "us-east-1",
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number) as number,
        Keys: { id: { S: "p1" } },
        NewImage: {
          id: { S: "p1" },
          Score: { N: "42" },
          Blob: { B: "AQL/" },
          Tags: { SS: ["a", "b"] },
          Nested: { M: { L: { L: [{ BOOL: true }, { NULL: true }] } } },
        },
        SequenceNumber: expect.stringMatching(/^\d+$/) as string,
        SizeBytes: expect.any(Number) as number,
        StreamViewType: "NEW_AND_OLD_IMAGES",
      },
      eventSourceARN: streamArn,
    });
    const created = insert.dynamodb!.ApproximateCreationDateTime!;
    expect(created).toBeGreaterThanOrEqual(before);
    expect(created).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    expect(modify.dynamodb!.OldImage!.Score).toEqual({ N: "42" });
    expect(modify.dynamodb!.NewImage!.Score).toEqual({ N: "43" });
    expect(remove.dynamodb!.NewImage).toBeUndefined();
    expect(remove.dynamodb!.OldImage!.Score).toEqual({ N: "43" });
    // What Lambda sends is JSON: no Dates, no byte arrays.
    expect(JSON.parse(JSON.stringify(records))).toEqual(records);
  });
});

// --- batching -----------------------------------------------------------------------------------

describe("batching", () => {
  test("batchSize caps each invocation; records arrive in order", async () => {
    const env = await setup();
    await env.put(...ids("r", 10));
    const seen = recorder();
    const runner = env.runner({ handler: seen.handler, settings: { ...settings, batchSize: 3 } });
    await runner.idle();
    expect(seen.batches().map((b) => b.length)).toEqual([3, 3, 3, 1]);
    expect(seen.batches().flat()).toEqual(ids("r", 10));
    expect(runner.status().totals).toMatchObject({ invocations: 4, delivered: 10, failed: 0 });
  });

  test("a batching window gathers records that arrive within it into one invocation", async () => {
    const env = await setup();
    const seen = recorder();
    const runner = env.runner({
      handler: seen.handler,
      settings: { ...settings, maximumBatchingWindowInSeconds: 1 },
    });
    await runner.idle();
    await env.put("a", "b", "c");
    await runner.idle();
    expect(seen.batches()).toEqual([["a", "b", "c"]]);
  });
});

describe("polling", () => {
  test("an idle shard is polled every pollIntervalMs, not in a tight loop", async () => {
    const env = await setup();
    let polls = 0;
    let inFlight = 0;
    const send = env.streams.send.bind(env.streams);
    env.streams.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
      if (command.constructor.name !== "GetRecordsCommand") {
        return (send as (...args: unknown[]) => unknown)(command, ...rest);
      }
      polls++;
      inFlight++;
      return (send as (...args: unknown[]) => Promise<unknown>)(command, ...rest).finally(
        () => inFlight--,
      );
    }) as typeof env.streams.send;
    const runner = env.runner({ handler: recorder().handler, pollIntervalMs: 100 });
    await runner.idle();
    // 500 ms of the runner's waits on a fake clock, each poll answered before time moves on:
    // what is counted is the runner's schedule, not how busy the machine is.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    cleanups.push(() => void vi.useRealTimers());
    // idle() wakes the reader from its real-clock wait; every wait after it is on the fake one.
    await runner.idle();
    await until(() => inFlight === 0);
    const before = polls;
    for (let ms = 0; ms < 500; ms += 10) {
      await vi.advanceTimersByTimeAsync(10);
      await until(() => inFlight === 0, { what: "the poll in flight" });
    }
    vi.useRealTimers();
    expect(polls - before).toBeGreaterThanOrEqual(3);
    expect(polls - before).toBeLessThanOrEqual(7);
  });
});

// --- failures -----------------------------------------------------------------------------------

describe("failures", () => {
  test("batchItemFailures: checkpoint before the lowest failed record, retry from it", async () => {
    const env = await setup();
    await env.put("a", "b", "c", "d", "e");
    const seen = recorder((event, call) =>
      call === 1
        ? {
            batchItemFailures: [
              { itemIdentifier: seqOf(event, "e") },
              { itemIdentifier: seqOf(event, "c") },
            ],
          }
        : { batchItemFailures: [] },
    );
    const runner = env.runner({ handler: seen.handler, onBatch: seen.onBatch });
    await runner.idle();
    expect(seen.batches()).toEqual([
      ["a", "b", "c", "d", "e"],
      ["c", "d", "e"],
    ]);
    expect(seen.infos.map((i) => [i.outcome, i.attempt, i.records])).toEqual([
      ["partial_failure", 1, 5],
      ["success", 2, 3],
    ]);
    expect(seen.infos[0]!.failedSequenceNumber).toBe(seen.events[0]![2]!.dynamodb!.SequenceNumber);
    expect(runner.status().shards[0]!.checkpoint).toBe(
      seen.events[1]![2]!.dynamodb!.SequenceNumber,
    );
  });

  test("a thrown error or an unknown itemIdentifier fails the whole batch", async () => {
    const env = await setup();
    await env.put("a", "b", "c");
    const seen = recorder((_event, call) => {
      if (call === 1) throw new Error("boom");
      if (call === 2) return { batchItemFailures: [{ itemIdentifier: "not-a-sequence-number" }] };
    });
    const runner = env.runner({ handler: seen.handler, onBatch: seen.onBatch });
    await runner.idle();
    expect(seen.batches()).toEqual([
      ["a", "b", "c"],
      ["a", "b", "c"],
      ["a", "b", "c"],
    ]);
    expect(seen.infos.map((i) => i.outcome)).toEqual(["error", "error", "success"]);
    expect(seen.infos[0]!.error).toContain("boom");
  });

  test("bisect: a failing batch is split in halves until the bad record is alone", async () => {
    const env = await setup();
    const all = ids("r", 8);
    await env.put(...all);
    const seen = recorder((event) => {
      if (event.Records.some((r) => idOf(r) === "r05")) throw new Error("poison r05");
    });
    const runner = env.runner({
      handler: seen.handler,
      onBatch: seen.onBatch,
      settings: {
        ...settings,
        batchSize: 8,
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: 2,
      },
    });
    await runner.idle();

    expect(seen.batches().map((b) => b.length)).toEqual([8, 4, 4, 2, 1, 1, 1, 1, 2]);
    const succeeded = seen.infos.flatMap((info, i) =>
      info.outcome === "success" ? seen.batches()[i]! : [],
    );
    expect(succeeded).toEqual(all.filter((id) => id !== "r05"));
    const failures = runner.readFailures();
    expect(failures.map((f) => [f.keys?.id?.S, f.reason, f.attempts])).toEqual([
      ["r05", "retries_exhausted", 3],
    ]);
  });

  test("out of retries: the record goes to failures.jsonl and the shard moves on", async () => {
    const env = await setup();
    const dir = tempDir();
    await env.put("a", "bad", "c");
    const seen = recorder((event) => {
      const bad = event.Records.find((r) => idOf(r) === "bad");
      return bad
        ? { batchItemFailures: [{ itemIdentifier: bad.dynamodb!.SequenceNumber! }] }
        : undefined;
    });
    const runner = env.runner({
      handler: seen.handler,
      checkpointDir: dir,
      settings: { ...settings, maximumRetryAttempts: 2 },
    });
    await runner.idle();
    expect(seen.batches()).toEqual([["a", "bad", "c"], ["bad", "c"], ["bad", "c"], ["c"]]);

    await env.put("d");
    await runner.idle();
    expect(seen.batches().at(-1)).toEqual(["d"]);

    const failures = readFailures(dir);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      tableName: TABLE,
      shardId: runner.status().shards[0]!.shardId,
      sequenceNumber: seen.events[1]![0]!.dynamodb!.SequenceNumber,
      eventName: "INSERT",
      keys: { id: { S: "bad" } },
      reason: "retries_exhausted",
      attempts: 3,
      record: { eventName: "INSERT", dynamodb: { Keys: { id: { S: "bad" } } } },
    });
    expect(Date.parse(failures[0]!.time)).not.toBeNaN();
    expect(runner.status().totals).toMatchObject({ delivered: 3, failed: 1 });
    expect(env.warnings.some((w) => w.includes("gave up on 1 record"))).toBe(true);
  });

  test("out of retries after thrown errors without bisect: the whole batch is given up", async () => {
    const env = await setup();
    await env.put("a", "bad", "c");
    const seen = recorder((event) => {
      if (event.Records.some((r) => idOf(r) === "bad")) throw new Error("cannot");
    });
    const runner = env.runner({
      handler: seen.handler,
      settings: { ...settings, maximumRetryAttempts: 1 },
    });
    await runner.idle();
    await env.put("d");
    await runner.idle();
    expect(seen.batches()).toEqual([["a", "bad", "c"], ["a", "bad", "c"], ["d"]]);
    expect(runner.readFailures().map((f) => [f.keys?.id?.S, f.attempts, f.error])).toEqual([
      ["a", 2, "Error: cannot"],
      ["bad", 2, "Error: cannot"],
      ["c", 2, "Error: cannot"],
    ]);
  });

  test("records older than maximumRecordAgeInSeconds are not delivered", async () => {
    const time = manualClock();
    const env = await setup({ clock: time.clock });
    await env.put("old1", "old2");
    time.advance(120_000);
    await env.put("fresh");
    const seen = recorder();
    const runner = env.runner({
      handler: seen.handler,
      clock: time.clock,
      settings: { ...settings, maximumRecordAgeInSeconds: 60 },
    });
    await runner.idle();
    expect(seen.batches()).toEqual([["fresh"]]);
    expect(runner.readFailures().map((f) => [f.keys?.id?.S, f.reason, f.attempts])).toEqual([
      ["old1", "record_expired", 0],
      ["old2", "record_expired", 0],
    ]);
  });
});

// --- checkpoints --------------------------------------------------------------------------------

describe("checkpoints", () => {
  test("a restart on the same checkpoint dir resumes where the last run stopped", async () => {
    const env = await setup();
    const dir = tempDir();
    await env.put(...ids("a", 5));
    const first = recorder();
    const runner1 = env.runner({ handler: first.handler, checkpointDir: dir });
    await runner1.idle();
    await runner1.stop();
    expect(runner1.status().running).toBe(false);

    await env.put(...ids("b", 3));
    const second = recorder();
    const runner2 = env.runner({ handler: second.handler, checkpointDir: dir });
    await runner2.idle();
    expect(first.batches().flat()).toEqual(ids("a", 5));
    expect(second.batches().flat()).toEqual(ids("b", 3));
  });

  test("stop() lets the batch in flight finish and checkpoint it; nothing lost or repeated", async () => {
    const env = await setup();
    const dir = tempDir();
    const all = ids("r", 10);
    await env.put(...all);

    let release!: () => void;
    const inFlight = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const firstCall = new Promise<void>((resolve) => (started = resolve));
    const completed: string[][] = [];
    const runner1 = env.runner({
      checkpointDir: dir,
      settings: { ...settings, batchSize: 4 },
      handler: async (event) => {
        started();
        await inFlight;
        completed.push(event.Records.map(idOf));
      },
    });
    await firstCall;
    let stopped = false;
    const stopping = runner1.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false); // still waiting for the handler
    release();
    await stopping;
    expect(completed).toEqual([all.slice(0, 4)]);

    const rest = recorder();
    const runner2 = env.runner({ handler: rest.handler, checkpointDir: dir });
    await runner2.idle();
    expect(rest.batches().flat()).toEqual(all.slice(4));
  });

  test("startingPosition LATEST skips what was written before the runner began", async () => {
    const env = await setup();
    await env.put("before");
    const seen = recorder();
    const runner = env.runner({
      handler: seen.handler,
      settings: { ...settings, startingPosition: "LATEST" },
    });
    await runner.idle();
    await env.put("after");
    await runner.idle();
    expect(seen.batches()).toEqual([["after"]]);
  });
});

// --- shards and streams -------------------------------------------------------------------------

describe("shards and streams", () => {
  test("a parent shard is read to its end before its child, across rollovers", async () => {
    const env = await setup({ shardMaxRecords: 5 });
    const early = ids("a", 12);
    await env.put(...early);
    const seen = recorder();
    const runner = env.runner({ handler: seen.handler, onBatch: seen.onBatch });
    await runner.idle();

    const late = ids("b", 6);
    await env.put(...late);
    await runner.idle();

    expect(seen.batches().flat()).toEqual([...early, ...late]);
    const shards = runner.status().shards;
    expect(shards.length).toBe(4); // 5 + 5 + 5 + 3 records
    for (const [i, shard] of shards.entries()) {
      expect(shard.parentShardId).toBe(i === 0 ? undefined : shards[i - 1]!.shardId);
      expect(shard.state).toBe(i === shards.length - 1 ? "reading" : "done");
    }
    // Batches never mix shards, and each shard's batches come after its parent's.
    const order = seen.infos.map((info) => shards.findIndex((s) => s.shardId === info.shardId));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(4);
  });

  test("a restart after shards rolled over resumes in the right shard", async () => {
    const env = await setup({ shardMaxRecords: 3 });
    const dir = tempDir();
    await env.put(...ids("a", 7));
    const first = recorder();
    const runner1 = env.runner({ handler: first.handler, checkpointDir: dir });
    await runner1.idle();
    await runner1.stop();
    await env.put(...ids("b", 4));
    const second = recorder();
    const runner2 = env.runner({ handler: second.handler, checkpointDir: dir });
    await runner2.idle();
    expect(first.batches().flat()).toEqual(ids("a", 7));
    expect(second.batches().flat()).toEqual(ids("b", 4));
  });

  test("waits for the table's stream, and follows a new stream when the table is recreated", async () => {
    const env = await setup({}, false);
    const seen = recorder();
    const runner = env.runner({ handler: seen.handler });
    await runner.idle(); // no table, no stream: nothing to do yet
    expect(runner.status().streamArn).toBeUndefined();

    const firstArn = await env.createTable();
    await env.put("one");
    await runner.idle();
    expect(runner.status().streamArn).toBe(firstArn);

    await env.db.send(new DeleteTableCommand({ TableName: TABLE }));
    const secondArn = await env.createTable();
    await env.put("two");
    await runner.idle();
    expect(seen.batches().flat()).toEqual(["one", "two"]);
    expect(seen.events[1]![0]!.eventSourceARN).toBe(secondArn);
    expect(runner.status().streamArn).toBe(secondArn);
  });

  test("an expired iterator is replaced from the last position, nothing skipped or repeated", async () => {
    const time = manualClock();
    const env = await setup({ clock: time.clock });
    await env.put("a");
    const seen = recorder();
    const runner = env.runner({ handler: seen.handler, clock: time.clock });
    await runner.idle();
    time.advance(16 * 60 * 1000); // iterators live 15 minutes
    await env.put("b");
    await runner.idle();
    expect(seen.batches().flat()).toEqual(["a", "b"]);
    expect(runner.status().totals.expiredIterators).toBeGreaterThanOrEqual(1);
  });

  test("a checkpoint older than the trim horizon restarts the shard from TRIM_HORIZON", async () => {
    const time = manualClock();
    const env = await setup({ clock: time.clock });
    const dir = tempDir();
    await env.put("a");
    const runner1 = env.runner({
      handler: recorder().handler,
      checkpointDir: dir,
      clock: time.clock,
    });
    await runner1.idle();
    await runner1.stop();

    // Records are trimmed after 24 hours; the open shard stays, without "a".
    time.advance(25 * 60 * 60 * 1000);
    const seen = recorder();
    const runner2 = env.runner({ handler: seen.handler, checkpointDir: dir, clock: time.clock });
    await runner2.idle();
    expect(runner2.status().totals.trimmedResets).toBe(1);
    expect(env.warnings.some((w) => w.includes("TRIM_HORIZON"))).toBe(true);
    await env.put("b");
    await runner2.idle();
    expect(seen.batches().flat()).toEqual(["b"]);
  });
});
