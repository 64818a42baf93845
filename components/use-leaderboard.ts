import type { LeaderboardPage } from "@streamboard/core/contract";
import { getJsonAs } from "./lib/api-client";
import { usePoll } from "./use-poll";

// Typed, not parsed with zod: the player's page loads no schema library (api-client.ts).
const getLeaderboard = getJsonAs<LeaderboardPage>();

/** How often the board is read again: the aggregator updates it ~0.25 s after each write. */
export const BOARD_REFRESH_MS = 1500;

export const leaderboardKey = (period: string, limit: number, around?: string) =>
  `/api/leaderboard?period=${encodeURIComponent(period)}&limit=${limit}` +
  (around ? `&around=${encodeURIComponent(around)}` : "");

/** The live top-N of a period, polled. */
export function useLeaderboard(limit = 10, period = "ALL") {
  return usePoll(leaderboardKey(period, limit), getLeaderboard, BOARD_REFRESH_MS);
}

/** The rows around a player in a period, with their standing (`player`), polled. */
export function useAround(playerName: string, period: string, limit = 3) {
  return usePoll(
    playerName ? leaderboardKey(period, limit, playerName) : null,
    getLeaderboard,
    BOARD_REFRESH_MS,
  );
}
