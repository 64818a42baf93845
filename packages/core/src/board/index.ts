/**
 * Board: where an aggregate sits on its period's board (the ByRank index's keys, its write
 * shards) and the rank counts the aggregator keeps beside it, so a rank costs a few small reads
 * whatever the board's size. `keys.ts` is pure; `counts.ts` reads and writes BoardCounts.
 */
export * from "./keys.ts";
export * from "./counts.ts";
