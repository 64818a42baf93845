/**
 * How a subscriber consumes the GameScoreRecords stream, in the names of
 * `aws.lambda.EventSourceMapping`: `stacks/` spreads each settings object into the mapping's
 * args, and the local runner (`packages/local`) reads the same object, so local behaviour
 * matches production. The aggregator's is `aggregatorSubscription` (aggregator/subscription.ts).
 */
export interface SubscriptionSettings {
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  startingPosition: "TRIM_HORIZON" | "LATEST";
  parallelizationFactor: number;
  bisectBatchOnFunctionError: boolean;
  maximumRetryAttempts: number;
  maximumRecordAgeInSeconds: number;
  functionResponseTypes: readonly "ReportBatchItemFailures"[];
}

/**
 * The stream log function (`packages/functions/src/stream-log.ts`): it copies every record into
 * StreamLog, one idempotent UpdateItem per record, so any redelivery is harmless and the values
 * lean towards "soon" and "never give up early".
 */
export const streamLogSubscription = {
  // A Lambda batch is one invocation: 100 records are written 16 at a time (log-writer.ts) in a
  // few tens of ms, and a batch never grows so large that one slow write holds many records.
  batchSize: 100,
  // 0: the inspector's tail shows a write within 500 ms; a window would only add to that.
  maximumBatchingWindowInSeconds: 0,
  // Everything the stream still holds: a new deployment (or a new local data dir) fills the log
  // with the last 24 h instead of starting empty.
  startingPosition: "TRIM_HORIZON",
  // One lane per shard, as the local runner plays it (it cannot run more); the writes are
  // idempotent by eventID, so a higher factor would be safe should one shard's rate need it.
  parallelizationFactor: 1,
  // A function error (not a per-record failure) splits the batch, so a bad record is isolated.
  bisectBatchOnFunctionError: true,
  // Only transient failures (throttling) are reported; they pass within seconds. More attempts
  // than the aggregator's: a record dropped here is missing from the inspector for good.
  maximumRetryAttempts: 20,
  // The stream keeps 24 h; older than that Lambda could not read it anyway.
  maximumRecordAgeInSeconds: 24 * 60 * 60,
  functionResponseTypes: ["ReportBatchItemFailures"],
} as const satisfies SubscriptionSettings;
