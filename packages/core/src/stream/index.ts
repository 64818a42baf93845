/**
 * Stream: reading GameScoreRecords' DynamoDB stream.
 *
 * - `inspector.ts`: the newest records for the inspector (`GET /api/stream`), as raw JSON, and
 *   the conversion of a Streams API record into the Lambda event record the aggregator gets.
 */
export * from "./inspector.ts";
