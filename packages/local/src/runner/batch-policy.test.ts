// The batch policy on its own: no engine, no clock but the one each test passes.
import { aggregatorSubscription } from "@streamboard/core/aggregator";
import { describe, expect, test } from "vitest";
import {
  BatchQueue,
  batchSettings,
  errorOutcome,
  interpretResponse,
  MAX_EVENT_BYTES,
  type BatchSettings,
  type PolicyRecord,
  type Step,
} from "./batch-policy.ts";

const NOW = 1_700_000_000_000;

const base: BatchSettings = {
  startingPosition: "TRIM_HORIZON",
  batchSize: 4,
  windowMs: 0,
  bisect: false,
  maxRetries: 2,
  maxRecordAgeMs: -1,
  reportBatchItemFailures: true,
};

const records = (count: number, over: Partial<PolicyRecord> = {}): PolicyRecord[] =>
  Array.from({ length: count }, (_, i) => ({
    sequenceNumber: String(100 + i),
    createdAtMs: NOW,
    bytes: 100,
    ...over,
  }));

function queue(settings: Partial<BatchSettings> = {}, count = 4) {
  const q = new BatchQueue<PolicyRecord>({ ...base, ...settings }, { initialMs: 10, maxMs: 25 });
  q.add(records(count));
  return q;
}

const seqs = (list: PolicyRecord[]) => list.map((r) => r.sequenceNumber);

function invoke(step: Step<PolicyRecord>) {
  if (step.kind !== "invoke") throw new Error(`expected an invocation, got ${step.kind}`);
  return step;
}

describe("batchSettings", () => {
  test("the aggregator's subscription in the policy's units", () => {
    expect(batchSettings(aggregatorSubscription)).toEqual({
      startingPosition: "TRIM_HORIZON",
      batchSize: 100,
      windowMs: 0,
      bisect: true,
      maxRetries: 10,
      maxRecordAgeMs: 6 * 60 * 60 * 1000,
      reportBatchItemFailures: true,
    });
  });

  test.each([
    [{ batchSize: 0 }, "batchSize must be an integer from 1 to 10000"],
    [{ batchSize: 1.5 }, "batchSize must be an integer"],
    [
      { maximumBatchingWindowInSeconds: 301 },
      "maximumBatchingWindowInSeconds must be from 0 to 300",
    ],
  ])("%j is refused", (over, message) => {
    expect(() => batchSettings({ ...aggregatorSubscription, ...over })).toThrow(message);
  });

  test("-1 and absent mean no limit, as on AWS", () => {
    const settings = batchSettings({
      batchSize: 10,
      maximumBatchingWindowInSeconds: 1,
      startingPosition: "LATEST",
    });
    expect(settings).toMatchObject({
      windowMs: 1000,
      maxRetries: -1,
      maxRecordAgeMs: -1,
      bisect: false,
      reportBatchItemFailures: false,
    });
  });
});

describe("interpretResponse", () => {
  const batch = records(3);
  test.each([
    ["no answer", undefined, true, { kind: "success" }],
    ["an empty list", { batchItemFailures: [] }, true, { kind: "success" }],
    [
      "failures ignored without ReportBatchItemFailures",
      { batchItemFailures: [{ itemIdentifier: "101" }] },
      false,
      { kind: "success" },
    ],
    [
      "the lowest failed record",
      { batchItemFailures: [{ itemIdentifier: "102" }, { itemIdentifier: "101" }] },
      true,
      { kind: "partial", index: 1 },
    ],
    [
      "an identifier not in the batch fails it whole",
      { batchItemFailures: [{ itemIdentifier: "999" }] },
      true,
      { kind: "error" },
    ],
    [
      "an empty identifier fails it whole",
      { batchItemFailures: [{ itemIdentifier: "" }] },
      true,
      { kind: "error" },
    ],
  ])("%s", (_, response, report, expected) => {
    expect(interpretResponse(response, batch, report)).toMatchObject(expected);
  });

  test("a list that is not a list fails the batch", () => {
    const response = { batchItemFailures: "101" } as unknown as { batchItemFailures: [] };
    expect(interpretResponse(response, batch, true)).toEqual({
      kind: "error",
      message: "batchItemFailures is not a list",
    });
  });
});

describe("BatchQueue", () => {
  test("nothing read: idle", () => {
    expect(new BatchQueue(base, { initialMs: 1, maxMs: 1 }).next(NOW)).toEqual({ kind: "idle" });
  });

  test("a success checkpoints the whole batch; batchSize caps it", () => {
    const q = queue({}, 6);
    const step = invoke(q.next(NOW));
    expect(seqs(step.batch)).toEqual(["100", "101", "102", "103"]);
    expect(step).toMatchObject({ attempt: 1, delayMs: 0 });
    expect(seqs(q.settle({ kind: "success" }).done)).toEqual(["100", "101", "102", "103"]);
    expect(seqs(invoke(q.next(NOW)).batch)).toEqual(["104", "105"]);
  });

  test("a partial failure: done up to the lowest failed record, retried from it with backoff", () => {
    const q = queue();
    const first = invoke(q.next(NOW));
    const done = q.settle(
      interpretResponse({ batchItemFailures: [{ itemIdentifier: "102" }] }, first.batch, true),
    );
    expect(seqs(done.done)).toEqual(["100", "101"]);
    const retry = invoke(q.next(NOW));
    expect(seqs(retry.batch)).toEqual(["102", "103"]);
    expect(retry).toMatchObject({ attempt: 2, delayMs: 10 });
    expect(q.retries).toBe(1);
  });

  test("backoff doubles per failure up to its cap", () => {
    const q = queue({ maxRetries: -1 });
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      delays.push(invoke(q.next(NOW)).delayMs);
      q.settle(errorOutcome(new Error("down")));
    }
    expect(delays).toEqual([0, 10, 20, 25, 25]);
  });

  test("bisect: a failing batch is split into halves that start afresh", () => {
    const q = queue({ bisect: true });
    invoke(q.next(NOW));
    expect(q.settle(errorOutcome(new Error("bad"))).done).toEqual([]);
    const half = invoke(q.next(NOW));
    expect(seqs(half.batch)).toEqual(["100", "101"]);
    expect(half).toMatchObject({ attempt: 1, delayMs: 0 });
    q.settle({ kind: "success" });
    expect(seqs(invoke(q.next(NOW)).batch)).toEqual(["102", "103"]);
  });

  test("out of retries after a partial failure: only the failed record is given up", () => {
    const q = queue({ maxRetries: 1 });
    for (let attempt = 1; attempt <= 2; attempt++) {
      const step = invoke(q.next(NOW));
      q.settle(
        interpretResponse({ batchItemFailures: [{ itemIdentifier: "100" }] }, step.batch, true),
      );
    }
    const giveUp = q.next(NOW);
    expect(giveUp).toMatchObject({
      kind: "give_up",
      reason: "retries_exhausted",
      attempts: 2,
      lastError: "handler reported 1 failed record(s), lowest 100",
    });
    expect(giveUp.kind === "give_up" && seqs(giveUp.records)).toEqual(["100"]);
    // The rest get a fresh start.
    expect(invoke(q.next(NOW))).toMatchObject({ attempt: 1, delayMs: 0 });
    expect(q.pending).toBe(3);
  });

  test("out of retries after thrown errors without bisect: the whole batch is given up", () => {
    const q = queue({ maxRetries: 0 });
    invoke(q.next(NOW));
    q.settle(errorOutcome(new TypeError("boom")));
    const giveUp = q.next(NOW);
    expect(giveUp).toMatchObject({ kind: "give_up", attempts: 1, lastError: "TypeError: boom" });
    expect(giveUp.kind === "give_up" && giveUp.records).toHaveLength(4);
    expect(q.next(NOW)).toEqual({ kind: "idle" });
  });

  test("records past the maximum age are given up unseen, before any invocation", () => {
    const q = new BatchQueue<PolicyRecord>(
      { ...base, maxRecordAgeMs: 60_000 },
      { initialMs: 1, maxMs: 1 },
    );
    q.add([
      ...records(2, { createdAtMs: NOW - 61_000 }),
      { sequenceNumber: "200", createdAtMs: NOW - 1000, bytes: 100 },
    ]);
    const expired = q.next(NOW);
    expect(expired).toMatchObject({ kind: "give_up", reason: "record_expired", attempts: 0 });
    expect(expired.kind === "give_up" && seqs(expired.records)).toEqual(["100", "101"]);
    expect(seqs(invoke(q.next(NOW)).batch)).toEqual(["200"]);
  });

  test("a batch is cut short of Lambda's payload limit, never below one record", () => {
    const q = new BatchQueue<PolicyRecord>(base, { initialMs: 1, maxMs: 1 });
    q.add(records(3, { bytes: MAX_EVENT_BYTES / 2 + 1 }));
    expect(invoke(q.next(NOW)).batch).toHaveLength(1);
    const huge = new BatchQueue<PolicyRecord>(base, { initialMs: 1, maxMs: 1 });
    huge.add(records(1, { bytes: MAX_EVENT_BYTES * 2 }));
    expect(invoke(huge.next(NOW)).batch).toHaveLength(1);
  });

  test("next() without settle() asks the same again (a stop between them loses nothing)", () => {
    const q = queue();
    expect(q.next(NOW)).toEqual(q.next(NOW));
  });

  test("skipHead sets the head record aside; the rest goes on afresh", () => {
    const q = queue();
    const step = invoke(q.next(NOW));
    q.settle(
      interpretResponse({ batchItemFailures: [{ itemIdentifier: "101" }] }, step.batch, true),
    );
    expect(seqs(q.skipHead())).toEqual(["101"]);
    expect(invoke(q.next(NOW))).toMatchObject({ attempt: 1 });
    expect(q.pending).toBe(2);
  });

  test("clear forgets what was read (trimmed away)", () => {
    const q = queue();
    invoke(q.next(NOW));
    q.clear();
    expect(q.pending).toBe(0);
    expect(q.busy).toBe(false);
  });
});
