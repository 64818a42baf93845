/**
 * Period: which leaderboard periods a score counts towards.
 */
export * from "./period.ts";
