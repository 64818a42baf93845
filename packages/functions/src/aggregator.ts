import { applyStreamBatch } from "@streamboard/core/aggregator";
import { serverEnv } from "@streamboard/core/env";
import { recordBatchMetrics } from "@streamboard/core/stream";
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
  DynamoDBStreamHandler,
} from "aws-lambda";

// A wrong environment fails the cold start with one message, not the first batch.
serverEnv();

/**
 * GameScoreRecords stream → GameScoresByUser, with partial batch responses; and the
 * subscriber's per-minute metrics, best effort (they never fail a batch).
 */
export const handler = (async (
  event: DynamoDBStreamEvent,
  _context?: Context,
): Promise<DynamoDBBatchResponse> => {
  const invokedAt = Date.now();
  const response = await applyStreamBatch(event.Records);
  await recordBatchMetrics("aggregator", event.Records, invokedAt);
  return response;
}) satisfies DynamoDBStreamHandler;
