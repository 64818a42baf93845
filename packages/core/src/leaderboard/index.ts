/**
 * Leaderboard: step 4 of a score's trip (README, "How it fits together"). Reads the aggregates the aggregator keeps in
 * GameScoresByUser (through the aggregate store, `../aggregator/store.ts`): the top of a period's
 * board from the ByRank index (merged over its write shards), pages by cursor, the window around a
 * player, and a player's rank from the rank counts (../board/).
 */
export * from "./leaderboard.ts";
