import { aggregatorEventSourceMapping, type KnownKeys } from "./core-args.ts";
import { functionLinks, lambdaRuntime, streamFunctions } from "./functions.ts";
import type { Tables } from "./storage.ts";

/**
 * The aggregator: a Lambda on GameScoreRecords' stream that keeps GameScoresByUser. Its event
 * source mapping comes from the settings object the local runner uses; batches it gives up on
 * (retries or record age exhausted) are described in the failure queue. It also writes what each
 * record changed onto the record's StreamLog entry, and its batches' counts to StreamMetrics.
 *
 * One of the stream's two readers, with the stream log (stacks/stream-log.ts says why there are
 * no more).
 */
export function createAggregator(tables: Tables) {
  // Lambda sends only metadata (shard, sequence-number range), not the records; 14 days (the SQS
  // maximum) leaves time to look, since the records stay in the stream for only 24 hours.
  const failures = new sst.aws.Queue("AggregatorFailures", {
    transform: { queue: { messageRetentionSeconds: 14 * 24 * 60 * 60 } },
  });

  const subscriber = tables.GameScoreRecords.subscribe(
    "Aggregator",
    {
      ...lambdaRuntime,
      ...streamFunctions.aggregator,
      link: functionLinks.aggregator.map((id) => tables[id]),
      // Lambda writes to the on-failure destination with the function's own role.
      permissions: [{ actions: ["sqs:SendMessage"], resources: [failures.arn] }],
    },
    {
      transform: {
        // Overrides SST's defaults (e.g. startingPosition LATEST) with the project's settings.
        eventSourceMapping: {
          ...aggregatorEventSourceMapping,
          destinationConfig: { onFailure: { destinationArn: failures.arn } },
        } satisfies KnownKeys<
          typeof aggregatorEventSourceMapping,
          aws.lambda.EventSourceMappingArgs
        >,
      },
    },
  );

  return { failures, subscriber };
}
