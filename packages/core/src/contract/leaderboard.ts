import { z } from "zod";

/**
 * One row of a period's board. The board's order: higher total first; equal totals by who
 * reached that total first (`reachedAt`); then by name. Ranks are positions in that order
 * (1, 2, 3, …): a tie ranks the player who got there first higher.
 */
export const LeaderboardEntry = z.object({
  rank: z.number().int().min(1),
  playerName: z.string().min(1),
  totalScore: z.number(),
  gamesPlayed: z.number().int(),
  bestScore: z.number(),
  lastScore: z.number(),
  /** ISO-8601; "" for a moment while the aggregator catches up. */
  updatedAt: z.string(),
  /** ISO-8601: when the player's total last changed, i.e. when they reached it (the tie-break). */
  reachedAt: z.string(),
});
export type LeaderboardEntry = z.infer<typeof LeaderboardEntry>;

/**
 * A player's standing in one period (`GET /api/players/{name}?period=`, and `player` of an
 * around-me page): their entry, how many players the period ranks, and whether the rank is
 * exact. Where an exact rank would cost too much (thousands of players on the same total) it is
 * an estimate, `rankExact: false`, and a player is shown "top 3%" instead.
 */
export const PlayerStanding = LeaderboardEntry.extend({
  period: z.string(),
  /** Ranked players in the period (those with at least one game). */
  players: z.number().int().min(0),
  rankExact: z.boolean(),
  /** 100 × rank / players, rounded up: "top 3%". */
  topPercent: z.number().min(0).max(100),
  /** ISO-8601: when this period's board resets; absent for all time. */
  resetsAt: z.string().optional(),
});
export type PlayerStanding = z.infer<typeof PlayerStanding>;

/**
 * GET /api/leaderboard?period=&limit=&cursor=&around=
 * - no `around`: the top `limit` of the board, or the page after `cursor`;
 * - `around=NAME`: the window of `limit` rows with NAME in the middle, and NAME's standing in
 *   `player` (absent, with the top of the board, when NAME has no games in the period).
 * `cursor` is present while rows follow; pass it back for the next page.
 */
export const LeaderboardPage = z.object({
  entries: z.array(LeaderboardEntry),
  /** The period read, by its full name (`WEEK#2026-W49`), also when asked as `WEEK`. */
  period: z.string(),
  /** Ranked players in the period. */
  players: z.number().int().min(0),
  /** Whether every rank on the page is exact (false only beside an estimated around-me rank). */
  exact: z.boolean(),
  cursor: z.string().optional(),
  player: PlayerStanding.optional(),
  /** ISO-8601: when this period's board resets; absent for all time. */
  resetsAt: z.string().optional(),
  /** ISO-8601: when the board was read. */
  generatedAt: z.string(),
});
export type LeaderboardPage = z.infer<typeof LeaderboardPage>;

/** GET /api/players/{name}/periods: the player's standing in today's, this week's, this month's and the all-time board. */
export const PlayerPeriods = z.object({
  playerName: z.string(),
  /** One per period the player has games in, in the order DAY, WEEK, MONTH, ALL. */
  periods: z.array(PlayerStanding),
  generatedAt: z.string(),
});
export type PlayerPeriods = z.infer<typeof PlayerPeriods>;

export * from "./ranking.ts";
