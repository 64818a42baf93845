/**
 * Stream: GameScoreRecords' DynamoDB stream, step 2 of a score's trip (README, "How it fits
 * together"): on AWS Lambda's event source mappings read it; locally the runner reads it here.
 *
 * - `reader.ts`: the one stream reader (latest stream by label, all shards parents first,
 *   iterators that recover from trimmed and expired positions, a shard read page by page), used
 *   by the local runner, replay, reconcile and the tests, never by the web tier; and the
 *   conversion of a Streams API record into the Lambda event record the handlers get
 *   (`toLambdaRecord`).
 * - `history.ts`: everything the latest stream holds now (or since known positions), shard by
 *   shard, parents first: what replay, reconcile and the tests' stream tail read.
 * - `log.ts`: the stream log's item format (the stream's second subscriber copies every record
 *   into the StreamLog table; the inspector reads that, never the stream), ids and cursors.
 * - `log-writer.ts`: the stream log function's work: each record's entry, one idempotent
 *   UpdateItem that never touches the aggregator's outcome on it.
 * - `log-query.ts`: the inspector's reads of the stream log (`GET /api/stream`): windows newest
 *   first (newest, `before`, `cursor`, `at`), server-side filters, one record by id.
 * - `metrics.ts`: each subscriber's per-minute counters and iterator age (StreamMetrics).
 * - `subscription.ts`: the stream log's event source mapping settings, shared by the stack and
 *   the local runner (and the settings' type, which the aggregator's fit too).
 */
export * from "./reader.ts";
export * from "./history.ts";
export * from "./log.ts";
export * from "./log-writer.ts";
export * from "./log-query.ts";
export * from "./metrics.ts";
export * from "./subscription.ts";
