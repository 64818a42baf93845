import type { SubscriptionSettings } from "../stream/subscription.ts";

export type { SubscriptionSettings } from "../stream/subscription.ts";

/**
 * How the aggregator consumes the GameScoreRecords stream: the event source mapping on AWS
 * (`stacks/aggregator.ts` spreads this into `aws.lambda.EventSourceMapping` args) and the local
 * runner (`packages/local`) read this one object, so local behaviour matches production.
 */
export const aggregatorSubscription = {
  batchSize: 100,
  // 0: invoke as soon as records arrive; the leaderboard should follow within a second.
  maximumBatchingWindowInSeconds: 0,
  startingPosition: "TRIM_HORIZON",
  // There is no watermark here: the runner (packages/local/src/runner/checkpoints.ts), like
  // Lambda, keeps one checkpoint per shard, the sequence number of the last record it handled,
  // and invokes one batch of a shard at a time; it cannot play a higher factor (it warns and runs
  // 1). Duplicates are the aggregator's to skip, by per-record markers (aggregate.ts), which hold
  // for any factor up to 10: Lambda keeps one item's records in one ordered lane. 1 keeps AWS as
  // the local runner plays it.
  parallelizationFactor: 1,
  bisectBatchOnFunctionError: true,
  maximumRetryAttempts: 10,
  maximumRecordAgeInSeconds: 6 * 60 * 60,
  functionResponseTypes: ["ReportBatchItemFailures"],
} as const satisfies SubscriptionSettings;
