/**
 * Leaderboard: step 4 of a score's trip (README, "How it fits together"). Reads the aggregates the aggregator keeps in
 * GameScoresByUser (through the aggregate store, `../aggregator/store.ts`): the top of a period's
 * board from the ByPeriodTotal index, and one player's entry with their rank.
 */
export * from "./leaderboard.ts";
