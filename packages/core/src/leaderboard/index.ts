/**
 * Leaderboard: the last step of a score's trip. Reads the aggregates the aggregator keeps in
 * GameScoresByUser: the top of a period's board and one player's entry with their rank.
 */
export * from "./leaderboard.ts";
