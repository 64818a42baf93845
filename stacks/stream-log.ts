import { streamLogEventSourceMapping, type KnownKeys } from "./core-args.ts";
import { functionLinks, lambdaRuntime, streamFunctions } from "./functions.ts";
import type { Tables } from "./storage.ts";

/**
 * The stream log: a Lambda on GameScoreRecords' stream that copies every record into StreamLog,
 * the table the inspector reads (`GET /api/stream`), and counts its batches in StreamMetrics.
 *
 * READERS OF THE STREAM. DynamoDB Streams serves about two concurrent readers per shard; more
 * are throttled, and the aggregator's lag grows. The two are this function and the aggregator
 * (stacks/aggregator.ts). Nothing else may read the stream: not the web tier (stacks/web.ts has
 * no Streams permission), not a third subscriber. What else needs the records reads StreamLog.
 */
export function createStreamLog(tables: Tables) {
  // As for the aggregator: Lambda sends the shard and sequence-number range of a batch it gave
  // up on, not the records; 14 days (the SQS maximum) to look, replay or reconcile.
  const failures = new sst.aws.Queue("StreamLogFailures", {
    transform: { queue: { messageRetentionSeconds: 14 * 24 * 60 * 60 } },
  });

  const subscriber = tables.GameScoreRecords.subscribe(
    "StreamLogWriter",
    {
      ...lambdaRuntime,
      ...streamFunctions.streamLog,
      link: functionLinks.streamLog.map((id) => tables[id]),
      permissions: [{ actions: ["sqs:SendMessage"], resources: [failures.arn] }],
    },
    {
      transform: {
        // Overrides SST's defaults (e.g. startingPosition LATEST) with the project's settings.
        eventSourceMapping: {
          ...streamLogEventSourceMapping,
          destinationConfig: { onFailure: { destinationArn: failures.arn } },
        } satisfies KnownKeys<
          typeof streamLogEventSourceMapping,
          aws.lambda.EventSourceMappingArgs
        >,
      },
    },
  );

  return { failures, subscriber };
}
