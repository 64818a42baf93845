import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBRecord } from "aws-lambda";
import { ShardCursor, toLambdaRecord } from "@streamboard/core/stream";
import {
  BatchQueue,
  errorOutcome,
  interpretResponse,
  type BatchSettings,
  type Outcome,
  type Step,
} from "./batch-policy.ts";
import type { CheckpointStore } from "./checkpoints.ts";
import { pause, Sleeper } from "./sleeper.ts";
import type {
  BatchInfo,
  RunnerLogger,
  ShardState,
  ShardStatus,
  StreamHandler,
  StreamRunnerStatus,
} from "./types.ts";

/** What a shard reader shares with the runner that owns it. */
export interface RunnerContext {
  tableName: string;
  streams: DynamoDBStreamsClient;
  handler: StreamHandler;
  settings: BatchSettings;
  checkpoints: CheckpointStore;
  pollIntervalMs: number;
  retryBackoff: { initialMs: number; maxMs: number };
  clock: () => number;
  logger: RunnerLogger;
  /** Aborted when the runner stops. */
  signal: AbortSignal;
  totals: StreamRunnerStatus["totals"];
  /** The idle() generation; a poll that started at epoch e and found nothing satisfies idle(e). */
  epoch(): number;
  /** Something a waiter of idle() may care about changed. */
  changed(): void;
  batchDone(info: BatchInfo): void;
  /** Why a record given up on cannot be processed, when the handler's owner can tell. */
  explainFailure?: ((record: DynamoDBRecord) => string | undefined) | undefined;
}

interface Buffered {
  record: DynamoDBRecord;
  sequenceNumber: string;
  createdAtMs: number;
  /** Size of the record in the event's JSON. */
  bytes: number;
}

/**
 * Reads one shard the way Lambda's event source mapping does: polls GetRecords, invokes the
 * handler with one batch at a time in sequence-number order, and checkpoints after success.
 * What to retry, bisect or give up on is the batch policy's (`batch-policy.ts`); reading is the
 * stream reader's (`@streamboard/core/stream`). This class only reads, dispatches and records.
 */
export class ShardReader {
  state: ShardState = "waiting";
  /** The idle() epoch of the last poll that found the shard caught up (Infinity once done). */
  caughtUpEpoch = 0;
  iteratorAgeMs = 0;
  private checkpoint: string | undefined;
  private readonly cursor: ShardCursor;
  private readonly batches: BatchQueue<Buffered>;
  /** When the oldest record not yet in a batch arrived (performance.now()), for the window. */
  private bufferedSince = 0;
  private readonly sleeper: Sleeper;
  private lastErrorMessage: string | undefined;

  constructor(
    private readonly ctx: RunnerContext,
    readonly streamArn: string,
    readonly shardId: string,
    readonly parentShardId: string | undefined,
    /** Where to start without a checkpoint: the subscription's position or TRIM_HORIZON. */
    startingPosition: "TRIM_HORIZON" | "LATEST",
  ) {
    this.sleeper = new Sleeper(ctx.signal);
    const saved = ctx.checkpoints.get(streamArn, shardId);
    this.checkpoint = saved?.sequenceNumber;
    this.cursor = new ShardCursor(
      streamArn,
      shardId,
      this.checkpoint ? { after: this.checkpoint } : startingPosition,
      { client: ctx.streams, signal: ctx.signal },
    );
    this.batches = new BatchQueue(ctx.settings, ctx.retryBackoff);
    if (saved?.done) this.markDone();
  }

  get pending(): number {
    return this.batches.pending;
  }

  /** Poll now rather than after the rest of the interval (idle() is waiting). */
  wake(): void {
    this.sleeper.wake();
  }

  /** Skip a closed shard that a LATEST subscription starts after. */
  skip(): void {
    this.finish();
  }

  status(): ShardStatus {
    return {
      streamArn: this.streamArn,
      shardId: this.shardId,
      ...(this.parentShardId ? { parentShardId: this.parentShardId } : {}),
      state: this.state,
      ...(this.checkpoint ? { checkpoint: this.checkpoint } : {}),
      pending: this.batches.pending,
      retries: this.batches.retries,
      iteratorAgeMs: this.state === "done" ? 0 : this.iteratorAgeMs,
    };
  }

  async run(): Promise<void> {
    this.state = "reading";
    this.ctx.changed();
    while (!this.ctx.signal.aborted && !this.isDone()) {
      try {
        await this.step();
      } catch (error) {
        // A bug or a local I/O error (a full disk): report it and keep the shard alive.
        if (this.ctx.signal.aborted) break;
        this.ctx.logger.error(`${this.name()}: unexpected error; retrying in 1 s`, error);
        await pause(1000, this.ctx.signal);
      }
    }
  }

  private async step(): Promise<void> {
    if (this.batches.busy || (this.batches.pending > 0 && this.batchReady())) {
      await this.processHead();
      return;
    }
    if (this.cursor.ended) {
      this.finish();
      return;
    }
    const epoch = this.ctx.epoch();
    const read = await this.read();
    if (this.ctx.signal.aborted) return;
    switch (read) {
      case "gone":
        if (this.batches.pending > 0) return;
        this.ctx.logger.warn(`${this.name()}: the shard left the stream before it was read out`);
        this.finish();
        return;
      case "error":
        await this.sleeper.sleep(Math.max(this.ctx.pollIntervalMs, 1000));
        return;
      case "records":
        if (this.batchReady()) return;
        await this.sleeper.sleep(Math.min(this.ctx.pollIntervalMs, this.windowLeft()));
        return;
      case "empty":
        if (this.batches.pending === 0) {
          this.caughtUpEpoch = epoch;
          this.iteratorAgeMs = 0;
          this.ctx.changed();
        }
        if (this.cursor.ended || (this.batches.pending > 0 && this.batchReady())) return;
        await this.sleeper.sleep(
          this.batches.pending > 0
            ? Math.min(this.ctx.pollIntervalMs, this.windowLeft())
            : this.ctx.pollIntervalMs,
        );
    }
  }

  private batchReady(): boolean {
    const { batchSize, windowMs } = this.ctx.settings;
    return (
      this.batches.pending >= batchSize ||
      windowMs === 0 ||
      this.cursor.ended ||
      this.windowLeft() <= 0
    );
  }

  private windowLeft(): number {
    return this.ctx.settings.windowMs - (performance.now() - this.bufferedSince);
  }

  // --- reading -------------------------------------------------------------------------------

  private async read(): Promise<"records" | "empty" | "gone" | "error"> {
    const { settings, signal } = this.ctx;
    const before = this.cursor.lastSequenceNumber ?? this.checkpoint;
    let page;
    try {
      page = await this.cursor.next(settings.batchSize - this.batches.pending);
    } catch (error) {
      if (signal.aborted) return "empty";
      const message = error instanceof Error ? error.message : String(error);
      // One line per distinct problem, not one per poll (the engine may be restarting).
      if (message !== this.lastErrorMessage) {
        this.ctx.logger.warn(`${this.name()}: reading failed, will retry: ${message}`);
        this.lastErrorMessage = message;
      }
      return "error";
    }
    this.lastErrorMessage = undefined;
    if (page.expired) {
      // Iterators live 15 minutes; a long invocation or a suspended laptop outlives one.
      this.ctx.totals.expiredIterators++;
      this.ctx.logger.info(`${this.name()}: iterator expired; resumed after the last read`);
    }
    if (page.trimmed) {
      this.ctx.totals.trimmedResets++;
      this.ctx.logger.warn(
        `${this.name()}: the stream no longer holds the records after ` +
          `${before ?? "the start"} (trimmed after 24 hours); ` +
          `restarted from TRIM_HORIZON. Records trimmed before they were processed are lost.`,
      );
      this.batches.clear();
    }
    if (page.gone) return "gone";
    if (page.records.length === 0) return "empty";
    if (this.batches.pending === 0) this.bufferedSince = performance.now();
    this.batches.add(
      page.records.map((raw) => {
        const record = toLambdaRecord(raw, this.streamArn);
        return {
          record,
          sequenceNumber: raw.dynamodb?.SequenceNumber ?? "",
          createdAtMs: raw.dynamodb?.ApproximateCreationDateTime?.getTime() ?? this.ctx.clock(),
          bytes: Buffer.byteLength(JSON.stringify(record)),
        };
      }),
    );
    return "records";
  }

  // --- invoking ------------------------------------------------------------------------------

  private async processHead(): Promise<void> {
    const step = this.batches.next(this.ctx.clock());
    if (step.kind === "idle") return;
    if (step.kind === "give_up") {
      this.giveUp(step);
      return;
    }
    if (step.delayMs > 0) {
      await pause(step.delayMs, this.ctx.signal);
      if (this.ctx.signal.aborted) return;
    }
    await this.invoke(step.batch, step.attempt);
  }

  private async invoke(batch: Buffered[], attempt: number): Promise<void> {
    const { settings } = this.ctx;
    // A fresh copy each time, like Lambda's JSON event: a handler that edits its event must not
    // change what a retry receives.
    const event = { Records: structuredClone(batch.map((b) => b.record)) };
    const started = performance.now();
    let outcome: Outcome;
    try {
      const response = await this.ctx.handler(event);
      outcome = interpretResponse(response, batch, settings.reportBatchItemFailures);
    } catch (error) {
      outcome = errorOutcome(error);
    }
    const durationMs = performance.now() - started;
    this.iteratorAgeMs = Math.max(0, this.ctx.clock() - batch.at(-1)!.createdAtMs);
    this.ctx.totals.invocations++;

    const { done } = this.batches.settle(outcome);
    if (done.length > 0) {
      this.commit(done.at(-1)!.sequenceNumber);
      this.ctx.totals.delivered += done.length;
    }

    if (outcome.kind !== "success") {
      const of = settings.maxRetries >= 0 ? `/${settings.maxRetries + 1}` : "";
      const line = `${this.name()}: batch of ${batch.length} failed (attempt ${attempt}${of})`;
      // The stack once, on the first failure; retries of the same error get one line each.
      if (outcome.kind === "error" && attempt === 1 && outcome.error instanceof Error) {
        this.ctx.logger.error(line, outcome.error);
      } else {
        this.ctx.logger.warn(`${line}: ${outcome.message}`);
      }
    }

    this.ctx.batchDone({
      time: new Date().toISOString(),
      streamArn: this.streamArn,
      shardId: this.shardId,
      records: batch.length,
      firstSequenceNumber: batch[0]!.sequenceNumber,
      lastSequenceNumber: batch.at(-1)!.sequenceNumber,
      outcome:
        outcome.kind === "success"
          ? "success"
          : outcome.kind === "partial"
            ? "partial_failure"
            : "error",
      attempt,
      durationMs: Math.round(durationMs),
      iteratorAgeMs: this.iteratorAgeMs,
      ...(outcome.kind === "partial"
        ? { failedSequenceNumber: batch[outcome.index]!.sequenceNumber }
        : {}),
      ...(outcome.kind !== "success" ? { error: outcome.message } : {}),
    });
    this.ctx.changed();
  }

  /** Records up to `sequenceNumber` are handled: move the checkpoint past them, durably. */
  private commit(sequenceNumber: string): void {
    this.checkpoint = sequenceNumber;
    this.ctx.checkpoints.set(this.streamArn, this.shardId, { sequenceNumber });
    this.ctx.changed();
  }

  /** Sends records to the on-failure destination, then checkpoints past them. */
  private giveUp(step: Extract<Step<Buffered>, { kind: "give_up" }>): void {
    const { records, reason, attempts, lastError } = step;
    const time = new Date().toISOString();
    for (const { record, sequenceNumber } of records) {
      const problem = this.explain(record);
      this.ctx.checkpoints.appendFailure({
        time,
        tableName: this.ctx.tableName,
        streamArn: this.streamArn,
        shardId: this.shardId,
        sequenceNumber,
        eventName: record.eventName,
        keys: record.dynamodb?.Keys,
        reason,
        attempts,
        ...(lastError ? { error: lastError } : {}),
        ...(problem ? { problem } : {}),
        record,
      });
    }
    const count = records.length;
    const range =
      count === 1
        ? records[0]!.sequenceNumber
        : `${records[0]!.sequenceNumber}…${records.at(-1)!.sequenceNumber}`;
    this.ctx.logger.warn(
      `${this.name()}: gave up on ${count} record(s) (${range}): ${reason.replace("_", " ")}` +
        `${lastError ? ` after ${attempts} failed attempt(s): ${lastError}` : ""}` +
        `; written to the on-failure destination, the shard moves on`,
    );
    this.ctx.totals.failed += count;
    this.commit(records.at(-1)!.sequenceNumber);
  }

  private explain(record: DynamoDBRecord): string | undefined {
    try {
      return this.ctx.explainFailure?.(record);
    } catch (error) {
      // A broken explanation must not stop the record from reaching the destination.
      this.ctx.logger.error(`${this.name()}: explainFailure threw`, error);
      return undefined;
    }
  }

  private finish(): void {
    this.ctx.checkpoints.set(this.streamArn, this.shardId, {
      ...(this.checkpoint ? { sequenceNumber: this.checkpoint } : {}),
      done: true,
    });
    this.markDone();
    this.ctx.changed();
  }

  isDone(): boolean {
    return this.state === "done";
  }

  private markDone(): void {
    this.state = "done";
    this.caughtUpEpoch = Number.POSITIVE_INFINITY;
    this.iteratorAgeMs = 0;
  }

  private name(): string {
    return `[runner] ${this.ctx.tableName} ${this.shardId}`;
  }
}
