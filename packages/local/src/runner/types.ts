import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import type { FailureLine } from "./checkpoints.ts";

/** A Lambda DynamoDB stream handler, as the aggregator exports it. */
export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;

/**
 * The event source mapping settings the runner honours, in the names of
 * `aws.lambda.EventSourceMapping`. Wider than core's `SubscriptionSettings` (most of its
 * fields optional) so tests can leave out what they do not need; the project's settings
 * objects (`aggregatorSubscription`, `streamLogSubscription`) fit as they are.
 */
export interface StreamSubscription {
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  startingPosition: "TRIM_HORIZON" | "LATEST";
  /** Only 1 locally: one invocation at a time per shard. */
  parallelizationFactor?: number;
  bisectBatchOnFunctionError?: boolean;
  /** -1 (the AWS default): retry until the record expires. */
  maximumRetryAttempts?: number;
  /** -1 (the AWS default): no age limit. */
  maximumRecordAgeInSeconds?: number;
  functionResponseTypes?: readonly string[];
}

export interface RunnerLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export interface StreamRunnerOptions {
  tableName: string;
  handler: StreamHandler;
  settings: StreamSubscription;
  /** Checkpoints and `failures.jsonl` go here; omit to keep both in memory. */
  checkpointDir?: string;
  /** Default: `dynamoStreams()` from core (follows `DYNAMODB_ENDPOINT`). */
  streams?: DynamoDBStreamsClient;
  /** Wait between empty polls of a shard. Lambda polls each shard about 4 times a second. */
  pollIntervalMs?: number;
  /** How often to look for a (new) stream and new shards. */
  discoveryIntervalMs?: number;
  /** Delay before retry n is initialMs·2^(n-1), capped at maxMs. */
  retryBackoff?: { initialMs: number; maxMs: number };
  /** Milliseconds since the epoch, for record and iterator ages; tests share the engine's clock. */
  clock?: () => number;
  logger?: RunnerLogger;
  /** Called after every invocation of the handler, for observability. */
  onBatch?: (info: BatchInfo) => void;
  /**
   * Why a record given up on cannot be processed, in the handler's own terms (e.g. the
   * aggregator's decoder), or undefined when nothing is wrong with the record itself. Stored as
   * `problem` in its failure entry: a handler's batchItemFailures name records, not reasons.
   */
  explainFailure?: (record: DynamoDBRecord) => string | undefined;
}

export type BatchOutcome = "success" | "partial_failure" | "error";

export interface BatchInfo {
  time: string;
  streamArn: string;
  shardId: string;
  records: number;
  firstSequenceNumber: string;
  lastSequenceNumber: string;
  outcome: BatchOutcome;
  /** 1 for the first invocation of these records, 2 for the first retry, … */
  attempt: number;
  durationMs: number;
  /** How old the batch's last record was when the handler returned (Lambda's IteratorAge). */
  iteratorAgeMs: number;
  /** For `partial_failure`: the lowest sequence number the handler reported. */
  failedSequenceNumber?: string;
  error?: string;
}

export type ShardState = "waiting" | "reading" | "done";

export interface ShardStatus {
  streamArn: string;
  shardId: string;
  parentShardId?: string;
  /** waiting: for its parent to finish; reading; done: closed and read to its end. */
  state: ShardState;
  /** Sequence number of the last record handled (delivered or given up on). */
  checkpoint?: string;
  /** Read but not yet checkpointed (in the batch in flight, being retried or batching). */
  pending: number;
  /** Failed invocations of the batch at the head of the shard. */
  retries: number;
  iteratorAgeMs: number;
}

export interface StreamRunnerStatus {
  tableName: string;
  running: boolean;
  /** The table's latest stream, once there is one. */
  streamArn?: string;
  shards: ShardStatus[];
  lastBatch?: BatchInfo;
  /** The largest iterator age over the shards being read; 0 when all have caught up. */
  iteratorAgeMs: number;
  totals: {
    invocations: number;
    /** Records the handler took (its invocation succeeded for them). */
    delivered: number;
    /** Records given up on and written to the on-failure destination. */
    failed: number;
    expiredIterators: number;
    trimmedResets: number;
  };
}

export interface StreamRunner {
  /** Finishes the batch in flight and saves its checkpoint, then stops reading. */
  stop(): Promise<void>;
  status(): StreamRunnerStatus;
  /**
   * Resolves once every shard has caught up with everything written before the call: read to
   * its end and every record checkpointed (handled, or given up on). Never resolves while a
   * record is retried forever (`maximumRetryAttempts: -1`).
   */
  idle(): Promise<void>;
  /** The on-failure destination: `failures.jsonl` in the checkpoint dir, or in memory. */
  readFailures(): FailureLine[];
}
