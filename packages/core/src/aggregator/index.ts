/**
 * Aggregator: step 3 of a score's trip (README, "How it fits together"). The Lambda subscribed to GameScoreRecords' stream calls
 * `applyStreamBatch`: records are decoded and planned per player and period, then each
 * aggregate is written together with one redelivery marker per record in a transaction, so a
 * record delivered twice counts once. Records that can never apply are quarantined.
 *
 * - `aggregate.ts`: decode, plan, apply (the exactly-once argument is at its top). Its stream
 *   image decoder is reconcile's too, so both agree on what is undecodable.
 * - `store.ts`: the aggregate store, the one place that knows a GameScoresByUser item: its
 *   schema, key, reads (one item, every item, a period's board, the count above a total),
 *   conditional write and markers (AggregatorMarks), the board row it shows and the summary of
 *   a set of score records. The aggregator writes through it, reconcile reads and rewrites
 *   through it, the leaderboard reads through it, and so do the tests.
 * - `quarantine.ts`: where poison records are set aside, and how they are listed.
 * - `outcomes.ts`: what each record did (its effect on each aggregate, with ranks from one
 *   bounded board read per period), written onto the record's stream log entry after the batch.
 * - `subscription.ts`: the event source mapping settings, shared by the stack and the runner.
 */
export * from "./aggregate.ts";
export * from "./store.ts";
export * from "./quarantine.ts";
export * from "./outcomes.ts";
export * from "./subscription.ts";
