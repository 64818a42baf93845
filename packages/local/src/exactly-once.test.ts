import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { dynamo } from "@streamboard/core/infra";
import { describeRecordProblem } from "@streamboard/core/ops";
import { reconcile } from "@streamboard/core/reconcile";
import { localResourceEnvironment, tableName } from "@streamboard/core/infra";
import { aggregatorSubscription } from "@streamboard/core/aggregator";
import { handler as aggregator } from "@streamboard/functions/aggregator";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { afterEach, expect, test, vi } from "vitest";
import { ensureTables } from "./bootstrap.ts";
import { startLocalStack } from "./stack.ts";
import { startLocalEngine, type LocalEngine } from "./engine/index.ts";
import { startStreamRunner, type StreamHandler } from "./runner/index.ts";
import { testSeed, until } from "./testing.ts";
import { compareAggregatesWithRecords, random, runWorkload } from "./workload.ts";

// Delivery is at least once; the aggregates must come out as if each record was applied once.
// Real engine, real runner, the real aggregator; only the failures are staged.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
  vi.restoreAllMocks();
});

const quiet = { info() {}, warn() {}, error() {} };

async function expectExact() {
  const { mismatches, records } = await compareAggregatesWithRecords();
  expect(mismatches).toEqual([]);
  const report = await reconcile({ settleMs: 0, rechecks: 0 });
  expect(report.drift).toEqual([]);
  expect(report.records).toBe(records);
  return records;
}

test("every batch delivered twice: aggregates exact", async () => {
  const twice: StreamHandler = async (event) => {
    const first = await aggregator(structuredClone(event));
    const second = await aggregator(structuredClone(event));
    return {
      batchItemFailures: [
        ...(first?.batchItemFailures ?? []),
        ...(second?.batchItemFailures ?? []),
      ],
    };
  };
  const stack = await startLocalStack({
    inMemory: true,
    dynamodbPort: 0,
    handler: twice,
    runner: { pollIntervalMs: 20, logger: quiet },
  });
  cleanups.push(() => stack.stop());

  const work = await runWorkload({ writers: 5, scores: 300, seed: 7 });
  await stack.runner.idle();
  expect(work.errors).toBe(0);
  expect(stack.runner.readFailures()).toEqual([]);
  expect(await expectExact()).toBeGreaterThan(200);
}, 180_000); // Four aggregates (periods) and their markers per record: slow on a loaded machine.

/**
 * The aggregator, failing at random on `rate` of the records it is given, in the ways a real
 * function fails: before doing anything, after applying part of the batch (a crash), reporting
 * the record as failed after applying only what came before it, or after applying everything
 * (the answer was lost). Never by applying a later change of a record while skipping an earlier
 * one: no real handler can (the aggregator applies a player's changes all or none). The first
 * batch always fails.
 */
function flaky(rate: number, seed: number) {
  const rand = random(seed);
  let failures = 0;
  let calls = 0;
  const handler: StreamHandler = async (event: DynamoDBStreamEvent) => {
    // The first batch always fails somewhere, so a run injects failures however batches form.
    const first = calls++ === 0;
    const at = first
      ? Math.floor(rand() * event.Records.length)
      : event.Records.findIndex(() => rand() < rate);
    if (at < 0) return aggregator(event);
    failures++;
    const before = { Records: event.Records.slice(0, at) };
    const seq = event.Records[at]!.dynamodb!.SequenceNumber!;
    const mode = rand();
    if (mode < 0.25) throw new Error("transient: failed on arrival");
    if (mode < 0.75) {
      if (before.Records.length > 0) await aggregator(before);
      throw new Error("transient: crashed mid-batch");
    }
    const applied: DynamoDBBatchResponse | void = await aggregator(mode < 0.9 ? before : event);
    return {
      batchItemFailures: [...(applied?.batchItemFailures ?? []), { itemIdentifier: seq }],
    };
  };
  return { handler, failures: () => failures };
}

test("the handler failing on 10% of records and the engine restarted mid-run: exact in the end", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamboard-exactly-once-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const engineDir = path.join(dir, "engine");
  let engine: LocalEngine = await startLocalEngine({ port: 0, dataDir: engineDir });
  cleanups.push(() => engine.close());
  Object.assign(process.env, localResourceEnvironment(), { DYNAMODB_ENDPOINT: engine.endpoint });
  await ensureTables(dynamo());

  // The aggregator logs each failed write; the staged failures make plenty.
  vi.spyOn(console, "error").mockImplementation(() => {});
  const seed = testSeed("EXACTLY_ONCE_SEED", 31_337);
  const flakyAggregator = flaky(0.1, seed);
  const warnings: string[] = [];
  const runner = startStreamRunner({
    tableName: tableName("GameScoreRecords"),
    handler: flakyAggregator.handler,
    settings: aggregatorSubscription,
    checkpointDir: path.join(dir, "runner"),
    pollIntervalMs: 20,
    // Long enough a retry window (about 8 s) for an engine restart, short enough for a test.
    retryBackoff: { initialMs: 20, maxMs: 2000 },
    explainFailure: describeRecordProblem,
    logger: { info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
  });
  cleanups.push(() => runner.stop());

  // A fixed workload, half before the outage and half after it, each against a running engine:
  // what is submitted does not depend on how long anything took.
  const controller = new AbortController();
  cleanups.push(() => controller.abort());
  const before = await runWorkload({ writers: 5, scores: 250, seed, signal: controller.signal });
  // Once the runner has delivered a good part of the backlog (not after a guessed time, which a
  // loaded machine turns into "before anything happened"), the engine goes away, and comes back
  // once the runner has felt it (a read or a batch failed; waiting for a read alone could outlast
  // a failing batch's retries).
  await until(() => runner.status().totals.delivered >= 100, {
    timeoutMs: 30_000,
    what: "100 records delivered",
  });
  const delivered = runner.status().totals.delivered;
  const warningsBefore = warnings.length;
  await engine.close();
  await until(() => warnings.length > warningsBefore, {
    timeoutMs: 30_000,
    what: "the runner to notice the engine is gone",
  });
  engine = await startLocalEngine({ port: engine.port, dataDir: engineDir });
  const after = await runWorkload({
    writers: 5,
    scores: 250,
    seed: seed + 1,
    signal: controller.signal,
  });
  await runner.idle();

  expect(runner.readFailures(), `seed ${seed}`).toEqual([]);
  expect(delivered).toBeGreaterThan(0);
  // The first batch always fails (see `flaky`), so failures were injected whatever the batches.
  expect(flakyAggregator.failures()).toBeGreaterThanOrEqual(1);
  expect(before.errors + after.errors).toBe(0);
  expect(before.submitted + after.submitted).toBe(500);
  expect(await expectExact()).toBeGreaterThan(300);
}, 180_000); // Four aggregates (periods) and their markers per record: slow on a loaded machine.
