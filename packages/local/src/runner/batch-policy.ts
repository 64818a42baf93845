import type { GiveUpReason } from "@streamboard/core/contract";
import type { DynamoDBBatchResponse } from "aws-lambda";
import type { StreamSubscription } from "./types.ts";

/*
 * What Lambda's event source mapping does with a shard's records between reading them and
 * checkpointing past them: cut a batch, interpret the handler's answer, retry with backoff,
 * bisect on error, give up (to the on-failure destination) on records out of retries or past the
 * maximum age. Pure: no I/O and no clock of its own, so the rules are tested without an engine
 * and shared by the runner and `npm run replay`.
 */

// Lambda's invocation payload limit: a batch is cut short rather than exceed it.
export const MAX_EVENT_BYTES = 6 * 1024 * 1024;

/** The subscription in the policy's units. */
export interface BatchSettings {
  startingPosition: "TRIM_HORIZON" | "LATEST";
  batchSize: number;
  windowMs: number;
  bisect: boolean;
  /** -1: no limit */
  maxRetries: number;
  /** -1: no limit */
  maxRecordAgeMs: number;
  reportBatchItemFailures: boolean;
}

/** The subscription (`aggregatorSubscription` or a test's) checked and in milliseconds. */
export function batchSettings(subscription: StreamSubscription): BatchSettings {
  const { batchSize, maximumBatchingWindowInSeconds: window } = subscription;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new Error(`batchSize must be an integer from 1 to 10000, got ${batchSize}`);
  }
  if (!(window >= 0 && window <= 300)) {
    throw new Error(`maximumBatchingWindowInSeconds must be from 0 to 300, got ${window}`);
  }
  const maxAge = subscription.maximumRecordAgeInSeconds ?? -1;
  return {
    startingPosition: subscription.startingPosition,
    batchSize,
    windowMs: window * 1000,
    bisect: subscription.bisectBatchOnFunctionError ?? false,
    maxRetries: subscription.maximumRetryAttempts ?? -1,
    maxRecordAgeMs: maxAge < 0 ? -1 : maxAge * 1000,
    reportBatchItemFailures:
      subscription.functionResponseTypes?.includes("ReportBatchItemFailures") ?? false,
  };
}

/** A record as the policy sees it. */
export interface PolicyRecord {
  sequenceNumber: string;
  /** ApproximateCreationDateTime, ms since the epoch: the record's age counts from here. */
  createdAtMs: number;
  /** Size in the event's JSON. */
  bytes: number;
}

export type Outcome =
  | { kind: "success" }
  | { kind: "partial"; index: number; message: string }
  | { kind: "error"; message: string; error?: unknown };

export type { GiveUpReason };

/** A run of records at the head of the buffer, to be invoked as one batch. */
interface PendingBatch {
  size: number;
  /** Failed invocations of this batch so far. */
  failures: number;
  lastFailure?: { kind: "partial" | "error"; message: string };
}

export type Step<T> =
  | { kind: "idle" }
  /** Send these to the on-failure destination and checkpoint past them. */
  | {
      kind: "give_up";
      records: T[];
      reason: GiveUpReason;
      /** Failed invocations with these records (0: they expired unseen). */
      attempts: number;
      lastError?: string;
    }
  /** Invoke the handler with `batch` after waiting `delayMs`, then `settle` the outcome. */
  | { kind: "invoke"; batch: T[]; attempt: number; delayMs: number };

/**
 * One shard's records from read to checkpoint: `add` what was read, ask `next` what to do, and
 * after an invocation `settle` its outcome, which says which records are done.
 */
export class BatchQueue<T extends PolicyRecord> {
  private buffer: T[] = [];
  /** Batches to invoke before any others: a failing batch (retries) or its bisected halves. */
  private queue: PendingBatch[] = [];

  constructor(
    readonly settings: BatchSettings,
    private readonly backoff: { initialMs: number; maxMs: number },
  ) {}

  /** Read but not yet checkpointed. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Failed invocations of the batch at the head. */
  get retries(): number {
    return this.queue[0]?.failures ?? 0;
  }

  /** A batch is in progress (being retried, or bisected): it goes before reading on. */
  get busy(): boolean {
    return this.queue.length > 0;
  }

  add(records: readonly T[]): void {
    this.buffer.push(...records);
  }

  /** Forgets everything read (the records were trimmed from under the shard's reader). */
  clear(): void {
    this.buffer = [];
    this.queue = [];
  }

  /** What to do with the head of the shard at `now` (ms since the epoch). */
  next(now: number): Step<T> {
    if (this.buffer.length === 0) return { kind: "idle" };
    const { settings } = this;
    const head = (this.queue[0] ??= { size: this.cut(), failures: 0 });

    // Lambda does not send records past the maximum age; they go to the destination unseen.
    if (settings.maxRecordAgeMs >= 0) {
      let expired = 0;
      while (
        expired < head.size &&
        now - this.buffer[expired]!.createdAtMs > settings.maxRecordAgeMs
      ) {
        expired++;
      }
      if (expired > 0) return this.giveUp(head, expired, "record_expired", false);
    }

    if (settings.maxRetries >= 0 && head.failures > settings.maxRetries) {
      // A partial failure names the record at fault: only it is out of retries; the records
      // after it get a fresh start. A thrown error blames the whole batch, as Lambda does
      // (with bisect on, that batch has been split down to one record by now).
      const count = head.lastFailure?.kind === "partial" ? 1 : head.size;
      return this.giveUp(head, count, "retries_exhausted", true);
    }

    const delayMs =
      head.failures > 0
        ? Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** (head.failures - 1))
        : 0;
    return {
      kind: "invoke",
      batch: this.buffer.slice(0, head.size),
      attempt: head.failures + 1,
      delayMs,
    };
  }

  /**
   * The outcome of invoking the batch `next` returned: the records now done (to checkpoint past),
   * the rest stays queued for a retry or as bisected halves.
   */
  settle(outcome: Outcome): { done: T[] } {
    const head = this.queue[0];
    if (!head) throw new Error("settle() without a batch from next()");
    switch (outcome.kind) {
      case "success":
        this.queue.shift();
        return { done: this.buffer.splice(0, head.size) };
      case "partial": {
        // Checkpoint just before the lowest failed record; retry from there.
        const done = this.buffer.splice(0, outcome.index);
        head.size -= outcome.index;
        head.failures++;
        head.lastFailure = { kind: "partial", message: outcome.message };
        return { done };
      }
      case "error":
        if (this.settings.bisect && head.size > 1) {
          // Halves go out at once and start with no failures of their own: splitting is how
          // the bad record gets isolated, not a retry of the same batch.
          const first = Math.ceil(head.size / 2);
          this.queue.splice(
            0,
            1,
            { size: first, failures: 0 },
            { size: head.size - first, failures: 0 },
          );
        } else {
          head.failures++;
          head.lastFailure = { kind: "error", message: outcome.message };
        }
        return { done: [] };
    }
  }

  /**
   * Takes the head record out without invoking it again (the caller knows no retry can help it);
   * the records after it go on as a fresh batch.
   */
  skipHead(): T[] {
    const head = this.queue[0];
    if (!head) return this.buffer.splice(0, 1);
    const step = this.giveUp(head, 1, "retries_exhausted", true);
    return step.kind === "give_up" ? step.records : [];
  }

  /** Up to batchSize records, cut short of Lambda's payload limit (at least one record). */
  private cut(): number {
    let size = 0;
    let bytes = 0;
    while (size < Math.min(this.buffer.length, this.settings.batchSize)) {
      bytes += this.buffer[size]!.bytes;
      if (size > 0 && bytes > MAX_EVENT_BYTES) break;
      size++;
    }
    return size;
  }

  private giveUp(head: PendingBatch, count: number, reason: GiveUpReason, fresh: boolean): Step<T> {
    const step: Step<T> = {
      kind: "give_up",
      records: this.buffer.splice(0, count),
      reason,
      attempts: head.failures,
      ...(head.lastFailure ? { lastError: head.lastFailure.message } : {}),
    };
    head.size -= count;
    if (fresh) {
      head.failures = 0;
      delete head.lastFailure;
    }
    if (head.size <= 0) this.queue.shift();
    return step;
  }
}

/**
 * A handler's answer → what the event source mapping makes of it. With ReportBatchItemFailures
 * on, an empty or absent list is a success, and an identifier that is not a record of the batch
 * fails the whole batch, as on AWS. Without it, only a thrown error is a failure.
 */
export function interpretResponse(
  response: DynamoDBBatchResponse | void,
  batch: readonly { sequenceNumber: string }[],
  reportBatchItemFailures: boolean,
): Outcome {
  if (!reportBatchItemFailures || response === undefined || response === null) {
    return { kind: "success" };
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: "success" };
  if (!Array.isArray(failures)) {
    return { kind: "error", message: "batchItemFailures is not a list" };
  }
  if (failures.length === 0) return { kind: "success" };
  let lowest = Number.POSITIVE_INFINITY;
  for (const failure of failures as unknown[]) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index =
      typeof id === "string" && id !== "" ? batch.findIndex((b) => b.sequenceNumber === id) : -1;
    if (index < 0) {
      return {
        kind: "error",
        message: `batchItemFailures names ${JSON.stringify(id)}, which is not a sequence number in the batch`,
      };
    }
    lowest = Math.min(lowest, index);
  }
  const count = failures.length;
  return {
    kind: "partial",
    index: lowest,
    message: `handler reported ${count} failed record(s), lowest ${batch[lowest]!.sequenceNumber}`,
  };
}

/** A thrown error → the outcome Lambda records for the batch. */
export function errorOutcome(error: unknown): Outcome {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { kind: "error", message, error };
}
