import { applyStreamBatch } from "@streamboard/core/aggregate";
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
  DynamoDBStreamHandler,
} from "aws-lambda";

/** GameScoreRecords stream → GameScoresByUser, with partial batch responses. */
export const handler = (async (
  event: DynamoDBStreamEvent,
  _context?: Context,
): Promise<DynamoDBBatchResponse> =>
  applyStreamBatch(event.Records)) satisfies DynamoDBStreamHandler;
