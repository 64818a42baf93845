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
  // The aggregator's per-record markers hold for any factor up to 10 (Lambda keeps one item's
  // records in one ordered lane; aggregate.ts). 1 keeps AWS as the local runner plays it.
  parallelizationFactor: 1,
  bisectBatchOnFunctionError: true,
  maximumRetryAttempts: 10,
  maximumRecordAgeInSeconds: 6 * 60 * 60,
  functionResponseTypes: ["ReportBatchItemFailures"],
} as const;

export type SubscriptionSettings = typeof aggregatorSubscription;
