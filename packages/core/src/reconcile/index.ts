/**
 * Reconcile: the audit of a score's trip, step 5 (README, "How it fits together"). Recomputes
 * every aggregate from GameScoreRecords (and what the stream still carries) and compares it with
 * GameScoresByUser; with `fix`, it rewrites what drifted under a fresh marker generation.
 * Reading, summing and writing an aggregate are the aggregate store's
 * (`../aggregator/store.ts`), as for the aggregator. What the stream holds is read through the
 * stream reader (`../stream/history.ts`).
 */
export * from "./reconcile.ts";
