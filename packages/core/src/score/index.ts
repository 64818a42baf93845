/**
 * Score: step 1 of a score's trip (README, "How it fits together"). `submitScore` validates a score and writes it to
 * GameScoreRecords (idempotent by key); operators read, edit and delete records here too.
 * Every write lands on the table's stream, which the aggregator reads (`../aggregator`).
 */
export * from "./score.ts";
