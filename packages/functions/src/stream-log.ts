import { serverEnv } from "@streamboard/core/env";
import { recordBatchMetrics, writeStreamLog } from "@streamboard/core/stream";
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
  DynamoDBStreamHandler,
} from "aws-lambda";

// A wrong environment fails the cold start with one message, not the first batch.
serverEnv();

/**
 * GameScoreRecords stream → StreamLog (the inspector's copy of the stream), with partial batch
 * responses; and the subscriber's per-minute metrics, best effort.
 */
export const handler = (async (
  event: DynamoDBStreamEvent,
  _context?: Context,
): Promise<DynamoDBBatchResponse> => {
  const invokedAt = Date.now();
  const { batchItemFailures } = await writeStreamLog(event.Records);
  await recordBatchMetrics("stream-log", event.Records, invokedAt);
  return { batchItemFailures };
}) satisfies DynamoDBStreamHandler;
