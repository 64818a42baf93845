import type { DynamoDBStreamsClient, Shard } from "@aws-sdk/client-dynamodb-streams";
import { dynamoStreams } from "@streamboard/core/infra";
import { describeShards, latestOf, listTableStreams } from "@streamboard/core/stream";
import { CheckpointStore } from "./checkpoints.ts";
import { batchSettings, type BatchSettings } from "./batch-policy.ts";
import { ShardReader, type RunnerContext } from "./shard-reader.ts";
import { Sleeper } from "./sleeper.ts";
import type {
  BatchInfo,
  RunnerLogger,
  StreamRunner,
  StreamRunnerOptions,
  StreamRunnerStatus,
  StreamSubscription,
} from "./types.ts";

const consoleLogger: RunnerLogger = {
  info: (message) => console.log(message),
  warn: (message) => console.warn(message),
  error: (message, error) =>
    error === undefined ? console.error(message) : console.error(message, error),
};

interface TrackedStream {
  arn: string;
  readers: Map<string, ShardReader>;
  /** The subscription's starting position applies to the shards found on the first look. */
  startingPosition: "TRIM_HORIZON" | "LATEST" | undefined;
}

/**
 * Lambda's event source mapping for one table's stream, in process: finds the table's latest
 * stream (waiting for it if the table has none yet), reads each shard after its parent, and
 * hands batches to `handler` as `DynamoDBStreamEvent`s with the subscription's batching,
 * partial-batch, retry, bisect, age and on-failure rules. Checkpoints survive a restart.
 */
export function startStreamRunner(options: StreamRunnerOptions): StreamRunner {
  const runner = new Runner(options);
  runner.start();
  return {
    stop: () => runner.stop(),
    status: () => runner.status(),
    idle: () => runner.idle(),
    readFailures: () => runner.checkpoints.failures(),
  };
}

class Runner {
  readonly checkpoints: CheckpointStore;
  private readonly tableName: string;
  private readonly client: DynamoDBStreamsClient;
  private readonly logger: RunnerLogger;
  private readonly abort = new AbortController();
  private readonly discoverySleeper: Sleeper;
  private readonly discoveryIntervalMs: number;
  private readonly ctx: RunnerContext;
  private readonly tracked = new Map<string, TrackedStream>();
  private readonly tasks = new Set<Promise<void>>();
  private readonly idleWaiters: { epoch: number; resolve: () => void }[] = [];
  private latestArn: string | undefined;
  private firstLook = true;
  private epochCounter = 0;
  /** The epoch at which the last successful discovery pass started. */
  private discoveredEpoch = -1;
  private lastDiscoveryError: string | undefined;
  private lastBatch: BatchInfo | undefined;
  private discovery: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: StreamRunnerOptions) {
    this.tableName = options.tableName;
    this.client = options.streams ?? dynamoStreams();
    this.logger = options.logger ?? consoleLogger;
    this.checkpoints = new CheckpointStore(options.checkpointDir, options.tableName);
    this.discoverySleeper = new Sleeper(this.abort.signal);
    this.discoveryIntervalMs = options.discoveryIntervalMs ?? 1000;
    this.ctx = {
      tableName: options.tableName,
      streams: this.client,
      handler: options.handler,
      settings: normalize(options.settings, this.logger),
      checkpoints: this.checkpoints,
      pollIntervalMs: options.pollIntervalMs ?? 200,
      retryBackoff: options.retryBackoff ?? { initialMs: 100, maxMs: 2000 },
      clock: options.clock ?? Date.now,
      logger: this.logger,
      signal: this.abort.signal,
      totals: { invocations: 0, delivered: 0, failed: 0, expiredIterators: 0, trimmedResets: 0 },
      explainFailure: options.explainFailure,
      epoch: () => this.epochCounter,
      changed: () => this.checkIdle(),
      batchDone: (info) => {
        this.lastBatch = info;
        try {
          this.options.onBatch?.(info);
        } catch (error) {
          this.logger.error(`[runner] ${this.tableName}: onBatch threw`, error);
        }
      },
    };
  }

  start(): void {
    this.discovery = this.discoveryLoop();
  }

  async stop(): Promise<void> {
    this.stopping ??= (async () => {
      // Aborting ends waits and reads; a handler invocation in flight runs to its end and its
      // checkpoint is written before the reader's loop notices.
      this.abort.abort();
      await this.discovery;
      while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
      this.checkIdle();
    })();
    return this.stopping;
  }

  idle(): Promise<void> {
    if (this.abort.signal.aborted) return Promise.resolve();
    const epoch = ++this.epochCounter;
    const waiting = new Promise<void>((resolve) => this.idleWaiters.push({ epoch, resolve }));
    this.discoverySleeper.wake();
    for (const stream of this.tracked.values()) {
      for (const reader of stream.readers.values()) reader.wake();
    }
    return waiting;
  }

  status(): StreamRunnerStatus {
    const shards = [...this.tracked.values()].flatMap((stream) =>
      [...stream.readers.values()].map((reader) => reader.status()),
    );
    return {
      tableName: this.tableName,
      running: !this.abort.signal.aborted,
      ...(this.latestArn ? { streamArn: this.latestArn } : {}),
      shards,
      ...(this.lastBatch ? { lastBatch: this.lastBatch } : {}),
      iteratorAgeMs: Math.max(0, ...shards.map((shard) => shard.iteratorAgeMs)),
      totals: { ...this.ctx.totals },
    };
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0) return;
    const stopped = this.abort.signal.aborted;
    const readers = [...this.tracked.values()].flatMap((stream) => [...stream.readers.values()]);
    for (let i = this.idleWaiters.length - 1; i >= 0; i--) {
      const waiter = this.idleWaiters[i]!;
      const caughtUp =
        this.discoveredEpoch >= waiter.epoch &&
        readers.every(
          (reader) =>
            reader.state === "done" ||
            (reader.state === "reading" &&
              reader.caughtUpEpoch >= waiter.epoch &&
              reader.pending === 0),
        );
      if (stopped || caughtUp) {
        this.idleWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  // --- discovery -----------------------------------------------------------------------------

  private async discoveryLoop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      const epoch = this.epochCounter;
      try {
        await this.discover();
        this.discoveredEpoch = epoch;
        this.lastDiscoveryError = undefined;
        this.checkIdle();
      } catch (error) {
        if (this.abort.signal.aborted) break;
        const message = error instanceof Error ? error.message : String(error);
        if (message !== this.lastDiscoveryError) {
          this.logger.warn(`[runner] ${this.tableName}: looking for the stream failed: ${message}`);
          this.lastDiscoveryError = message;
        }
      }
      await this.discoverySleeper.sleep(this.discoveryIntervalMs);
    }
  }

  private async discover(): Promise<void> {
    const reading = { client: this.client, signal: this.abort.signal };
    const listed = await listTableStreams(this.tableName, reading);
    const latest = latestOf(listed);
    if (this.abort.signal.aborted || !latest) return;
    const listedArns = new Set(listed.map((s) => s.streamArn));

    if (this.firstLook) {
      this.firstLook = false;
      // After a restart, also finish the older streams this runner had begun reading (the
      // table was recreated while it was stopped).
      for (const arn of this.checkpoints.streamArns()) {
        if (!listedArns.has(arn)) this.checkpoints.forgetStream(arn);
        else if (arn !== latest.streamArn) this.track(arn, undefined);
      }
      const resumed = this.checkpoints.streamArns().includes(latest.streamArn);
      const position = this.ctx.settings.startingPosition;
      this.logger.info(
        `[runner] ${this.tableName}: reading stream ${latest.streamArn} ` +
          (resumed ? "from its checkpoints" : `from ${position}`),
      );
      this.track(latest.streamArn, resumed ? undefined : position);
    } else if (!this.tracked.has(latest.streamArn)) {
      // A new stream (the table was recreated): everything on it is new, read it all.
      this.logger.info(`[runner] ${this.tableName}: new stream ${latest.streamArn}`);
      this.track(latest.streamArn, undefined);
    }
    this.latestArn = latest.streamArn;

    for (const stream of [...this.tracked.values()]) {
      const shards = await describeShards(stream.arn, reading);
      if (this.abort.signal.aborted) return;
      if (!shards) {
        this.tracked.delete(stream.arn);
        continue;
      }
      this.addShards(stream, shards);
      const live = new Set(shards.map((s) => s.ShardId!));
      // Shards trimmed from the stream (24 hours after they closed) are forgotten.
      for (const [shardId, reader] of stream.readers) {
        if (!live.has(shardId) && reader.state === "done") stream.readers.delete(shardId);
      }
      this.checkpoints.retain(stream.arn, live);
      const finished = [...stream.readers.values()].every((r) => r.state === "done");
      if (finished && stream.arn !== this.latestArn) this.tracked.delete(stream.arn);
    }
    this.startReadyShards();
  }

  private track(arn: string, startingPosition: TrackedStream["startingPosition"]): void {
    if (!this.tracked.has(arn))
      this.tracked.set(arn, { arn, readers: new Map(), startingPosition });
  }

  private addShards(stream: TrackedStream, shards: Shard[]): void {
    const position = stream.startingPosition;
    stream.startingPosition = undefined;
    for (const shard of shards) {
      const shardId = shard.ShardId!;
      if (stream.readers.has(shardId)) continue;
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      const reader = new ShardReader(
        this.ctx,
        stream.arn,
        shardId,
        shard.ParentShardId,
        // LATEST: begin at the tip of the open shard, skip the closed ones. Shards that appear
        // later are read from their start, so nothing written after we began is missed.
        position === "LATEST" ? "LATEST" : "TRIM_HORIZON",
      );
      stream.readers.set(shardId, reader);
      if (position === "LATEST" && closed && reader.state !== "done") reader.skip();
    }
  }

  /** Starts every waiting shard whose parent is done or no longer in the stream. */
  private startReadyShards(): void {
    if (this.abort.signal.aborted) return;
    for (const stream of this.tracked.values()) {
      for (const reader of stream.readers.values()) {
        if (reader.state !== "waiting") continue;
        const parent = reader.parentShardId ? stream.readers.get(reader.parentShardId) : undefined;
        if (parent && parent.state !== "done") continue;
        const task = reader
          .run()
          .catch((error: unknown) =>
            this.logger.error(`[runner] ${this.tableName}: shard reader failed`, error),
          )
          .finally(() => {
            this.tasks.delete(task);
            if (reader.state === "done") {
              // Its children may be waiting, or not discovered yet.
              this.startReadyShards();
              this.discoverySleeper.wake();
            }
            this.checkIdle();
          });
        this.tasks.add(task);
      }
    }
  }
}

/** The policy's settings, with a warning for what the runner does not play locally. */
function normalize(settings: StreamSubscription, logger: RunnerLogger): BatchSettings {
  if ((settings.parallelizationFactor ?? 1) > 1) {
    logger.warn(
      `[runner] parallelizationFactor ${settings.parallelizationFactor} is not supported locally; ` +
        `each shard gets one invocation at a time`,
    );
  }
  return batchSettings(settings);
}
