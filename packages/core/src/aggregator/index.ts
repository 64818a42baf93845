/**
 * Aggregator: step 2 of a score's trip. The Lambda subscribed to GameScoreRecords' stream calls
 * `applyStreamBatch`: records are decoded and planned per player and period, then each
 * aggregate is written together with one redelivery marker per record in a transaction, so a
 * record delivered twice counts once. Records that can never apply are quarantined.
 *
 * - `aggregate.ts`: decode, plan, apply, write.
 * - `quarantine.ts`: where poison records are set aside, and how they are listed.
 * - `subscription.ts`: the event source mapping settings, shared by the stack and the runner.
 */
export * from "./aggregate.ts";
export * from "./quarantine.ts";
export * from "./subscription.ts";
