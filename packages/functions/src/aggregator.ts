import { applyStreamBatch } from "@streamboard/core/aggregator";
import { serverEnv } from "@streamboard/core/env";
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
  DynamoDBStreamHandler,
} from "aws-lambda";

// A wrong environment fails the cold start with one message, not the first batch.
serverEnv();

/** GameScoreRecords stream → GameScoresByUser, with partial batch responses. */
export const handler = (async (
  event: DynamoDBStreamEvent,
  _context?: Context,
): Promise<DynamoDBBatchResponse> =>
  applyStreamBatch(event.Records)) satisfies DynamoDBStreamHandler;
