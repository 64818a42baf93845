import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type ShardIteratorType,
} from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";
import type { CheckpointStore, FailureRecord } from "./checkpoints.ts";
import { toLambdaRecord } from "@streamboard/core/stream";
import { pause, Sleeper } from "./sleeper.ts";
import type {
  BatchInfo,
  RunnerLogger,
  ShardState,
  ShardStatus,
  StreamHandler,
  StreamRunnerStatus,
} from "./types.ts";

// GetRecords returns at most 1,000 records per call (a DynamoDB Streams limit).
const MAX_GET_RECORDS = 1000;
// Lambda's invocation payload limit: a batch is cut short rather than exceed it.
const MAX_EVENT_BYTES = 6 * 1024 * 1024;

export interface Settings {
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

/** What a shard reader shares with the runner that owns it. */
export interface RunnerContext {
  tableName: string;
  streams: DynamoDBStreamsClient;
  handler: StreamHandler;
  settings: Settings;
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

/** A run of records at the head of the buffer, to be invoked as one batch. */
interface PendingBatch {
  size: number;
  /** Failed invocations of this batch so far. */
  failures: number;
  lastFailure?: { kind: "partial" | "error"; message: string };
}

type Outcome =
  | { kind: "success" }
  | { kind: "partial"; index: number; message: string }
  | { kind: "error"; message: string; error?: unknown };

/**
 * Reads one shard the way Lambda's event source mapping does: polls GetRecords, invokes the
 * handler with one batch at a time in sequence-number order, checkpoints after success, and
 * retries, bisects or gives up on failing records as the settings say.
 */
export class ShardReader {
  state: ShardState = "waiting";
  /** The idle() epoch of the last poll that found the shard caught up (Infinity once done). */
  caughtUpEpoch = 0;
  iteratorAgeMs = 0;
  private checkpoint: string | undefined;
  /** Last sequence number read into the buffer; where a replacement iterator starts. */
  private readThrough: string | undefined;
  private iterator: string | undefined;
  /** The shard is closed and read to its end: no NextShardIterator came back. */
  private ended = false;
  private fromHorizon = false;
  private buffer: Buffered[] = [];
  /** Batches to invoke before reading on: a failing batch (retries) or its bisected halves. */
  private queue: PendingBatch[] = [];
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
    private readonly startingPosition: "TRIM_HORIZON" | "LATEST",
  ) {
    this.sleeper = new Sleeper(ctx.signal);
    const saved = ctx.checkpoints.get(streamArn, shardId);
    this.checkpoint = saved?.sequenceNumber;
    if (saved?.done) this.markDone();
  }

  get pending(): number {
    return this.buffer.length;
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
      pending: this.buffer.length,
      retries: this.queue[0]?.failures ?? 0,
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
    if (this.queue.length > 0 || (this.buffer.length > 0 && this.batchReady())) {
      await this.processHead();
      return;
    }
    if (this.ended) {
      this.finish();
      return;
    }
    const epoch = this.ctx.epoch();
    const read = await this.read();
    if (this.ctx.signal.aborted) return;
    switch (read) {
      case "again":
        return;
      case "gone":
        if (this.buffer.length > 0 || this.queue.length > 0) return;
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
        if (this.buffer.length === 0) {
          this.caughtUpEpoch = epoch;
          this.iteratorAgeMs = 0;
          this.ctx.changed();
        }
        if (this.ended || (this.buffer.length > 0 && this.batchReady())) return;
        await this.sleeper.sleep(
          this.buffer.length > 0
            ? Math.min(this.ctx.pollIntervalMs, this.windowLeft())
            : this.ctx.pollIntervalMs,
        );
    }
  }

  private batchReady(): boolean {
    const { batchSize, windowMs } = this.ctx.settings;
    return (
      this.buffer.length >= batchSize || windowMs === 0 || this.ended || this.windowLeft() <= 0
    );
  }

  private windowLeft(): number {
    return this.ctx.settings.windowMs - (performance.now() - this.bufferedSince);
  }

  // --- reading -------------------------------------------------------------------------------

  private async read(): Promise<"records" | "empty" | "again" | "gone" | "error"> {
    const { streams, settings, signal } = this.ctx;
    try {
      if (!this.iterator) {
        const iterator = await this.newIterator();
        if (!iterator) return "gone";
        this.iterator = iterator;
      }
      const limit = Math.max(1, Math.min(MAX_GET_RECORDS, settings.batchSize - this.buffer.length));
      const response = await streams.send(
        new GetRecordsCommand({ ShardIterator: this.iterator, Limit: limit }),
        { abortSignal: signal },
      );
      this.lastErrorMessage = undefined;
      this.iterator = response.NextShardIterator;
      if (!this.iterator) this.ended = true;
      const records = response.Records ?? [];
      if (records.length === 0) return "empty";
      if (this.buffer.length === 0) this.bufferedSince = performance.now();
      for (const raw of records) {
        const record = toLambdaRecord(raw, this.streamArn);
        const sequenceNumber = raw.dynamodb?.SequenceNumber ?? "";
        const createdAtMs =
          raw.dynamodb?.ApproximateCreationDateTime?.getTime() ?? this.ctx.clock();
        const bytes = Buffer.byteLength(JSON.stringify(record));
        this.buffer.push({ record, sequenceNumber, createdAtMs, bytes });
      }
      this.readThrough = this.buffer.at(-1)!.sequenceNumber;
      return "records";
    } catch (error) {
      if (signal.aborted) return "again";
      switch (errorName(error)) {
        case "ExpiredIteratorException":
          // Iterators live 15 minutes; a long invocation or a suspended laptop outlives one.
          this.ctx.totals.expiredIterators++;
          this.ctx.logger.info(`${this.name()}: iterator expired; resuming after the last read`);
          this.iterator = undefined;
          return "again";
        case "TrimmedDataAccessException":
          this.ctx.totals.trimmedResets++;
          this.ctx.logger.warn(
            `${this.name()}: the stream no longer holds the records after ` +
              `${this.readThrough ?? this.checkpoint ?? "the start"} (trimmed after 24 hours); ` +
              `restarting from TRIM_HORIZON. Records trimmed before they were processed are lost.`,
          );
          this.iterator = undefined;
          this.fromHorizon = true;
          this.buffer = [];
          this.queue = [];
          this.readThrough = undefined;
          return "again";
        case "ResourceNotFoundException":
          return "gone";
        default: {
          const message = error instanceof Error ? error.message : String(error);
          // One line per distinct problem, not one per poll (the engine may be restarting).
          if (message !== this.lastErrorMessage) {
            this.ctx.logger.warn(`${this.name()}: reading failed, will retry: ${message}`);
            this.lastErrorMessage = message;
          }
          return "error";
        }
      }
    }
  }

  private async newIterator(): Promise<string | undefined> {
    const after = this.fromHorizon ? undefined : (this.readThrough ?? this.checkpoint);
    const type: ShardIteratorType = after
      ? "AFTER_SEQUENCE_NUMBER"
      : this.fromHorizon
        ? "TRIM_HORIZON"
        : this.startingPosition;
    const { ShardIterator } = await this.ctx.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: this.shardId,
        ShardIteratorType: type,
        ...(after ? { SequenceNumber: after } : {}),
      }),
      { abortSignal: this.ctx.signal },
    );
    this.fromHorizon = false;
    return ShardIterator;
  }

  // --- invoking ------------------------------------------------------------------------------

  private async processHead(): Promise<void> {
    const { settings } = this.ctx;
    let head = this.queue[0];
    if (!head) {
      let size = 0;
      let bytes = 0;
      while (size < Math.min(this.buffer.length, settings.batchSize)) {
        bytes += this.buffer[size]!.bytes;
        if (size > 0 && bytes > MAX_EVENT_BYTES) break;
        size++;
      }
      head = { size, failures: 0 };
      this.queue.push(head);
    }

    // Lambda does not send records past the maximum age; they go to the destination unseen.
    if (settings.maxRecordAgeMs >= 0) {
      const now = this.ctx.clock();
      let expired = 0;
      while (
        expired < head.size &&
        now - this.buffer[expired]!.createdAtMs > settings.maxRecordAgeMs
      ) {
        expired++;
      }
      if (expired > 0) {
        this.giveUp(expired, "record_expired", head);
        this.shrinkHead(expired, false);
        return;
      }
    }

    if (settings.maxRetries >= 0 && head.failures > settings.maxRetries) {
      // A partial failure names the record at fault: only it is out of retries; the records
      // after it get a fresh start. A thrown error blames the whole batch, as Lambda does
      // (with bisect on, that batch has been split down to one record by now).
      const count = head.lastFailure?.kind === "partial" ? 1 : head.size;
      this.giveUp(count, "retries_exhausted", head);
      this.shrinkHead(count, true);
      return;
    }

    if (head.failures > 0) {
      const { initialMs, maxMs } = this.ctx.retryBackoff;
      await pause(Math.min(maxMs, initialMs * 2 ** (head.failures - 1)), this.ctx.signal);
      if (this.ctx.signal.aborted) return;
    }
    await this.invoke(head);
  }

  private async invoke(head: PendingBatch): Promise<void> {
    const { settings } = this.ctx;
    const batch = this.buffer.slice(0, head.size);
    // A fresh copy each time, like Lambda's JSON event: a handler that edits its event must not
    // change what a retry receives.
    const event = { Records: structuredClone(batch.map((b) => b.record)) };
    const attempt = head.failures + 1;
    const started = performance.now();
    let outcome: Outcome;
    try {
      const response = await this.ctx.handler(event);
      outcome = interpretResponse(response, batch, settings.reportBatchItemFailures);
    } catch (error) {
      outcome = { kind: "error", message: errorMessage(error), error };
    }
    const durationMs = performance.now() - started;
    this.iteratorAgeMs = Math.max(0, this.ctx.clock() - batch.at(-1)!.createdAtMs);
    this.ctx.totals.invocations++;

    switch (outcome.kind) {
      case "success":
        this.commit(head.size);
        this.ctx.totals.delivered += head.size;
        this.queue.shift();
        break;
      case "partial":
        // Checkpoint just before the lowest failed record; retry from there.
        if (outcome.index > 0) {
          this.commit(outcome.index);
          this.ctx.totals.delivered += outcome.index;
          head.size -= outcome.index;
        }
        head.failures++;
        head.lastFailure = { kind: "partial", message: outcome.message };
        break;
      case "error":
        if (settings.bisect && head.size > 1) {
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
        break;
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

  /** The first `count` records are handled: move the checkpoint past them, durably. */
  private commit(count: number): void {
    const last = this.buffer[count - 1]!;
    this.buffer.splice(0, count);
    this.checkpoint = last.sequenceNumber;
    this.ctx.checkpoints.set(this.streamArn, this.shardId, { sequenceNumber: this.checkpoint });
    this.ctx.changed();
  }

  /** Sends records to the on-failure destination, then checkpoints past them. */
  private giveUp(count: number, reason: FailureRecord["reason"], head: PendingBatch): void {
    const records = this.buffer.slice(0, count);
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
        attempts: head.failures,
        ...(head.lastFailure ? { error: head.lastFailure.message } : {}),
        ...(problem ? { problem } : {}),
        record,
      });
    }
    const range =
      count === 1
        ? records[0]!.sequenceNumber
        : `${records[0]!.sequenceNumber}…${records.at(-1)!.sequenceNumber}`;
    this.ctx.logger.warn(
      `${this.name()}: gave up on ${count} record(s) (${range}): ${reason.replace("_", " ")}` +
        `${head.lastFailure ? ` after ${head.failures} failed attempt(s): ${head.lastFailure.message}` : ""}` +
        `; written to the on-failure destination, the shard moves on`,
    );
    this.ctx.totals.failed += count;
    this.commit(count);
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

  private shrinkHead(count: number, fresh: boolean): void {
    const head = this.queue[0]!;
    head.size -= count;
    if (fresh) {
      head.failures = 0;
      delete head.lastFailure;
    }
    if (head.size <= 0) this.queue.shift();
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

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
