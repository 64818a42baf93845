import { LeaderboardEntry } from "@streamboard/core/contract";
import useSWR from "swr";
import { ApiError, getJson } from "./lib/api-client";

async function getPlayerOrNull(url: string): Promise<LeaderboardEntry | null> {
  try {
    return await getJson(LeaderboardEntry)(url);
  } catch (error) {
    // A player with no aggregate yet (first game still on its way through the stream).
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

/** One player's aggregate and rank, or null before their first game is counted. */
export function usePlayer(playerName: string) {
  return useSWR<LeaderboardEntry | null, ApiError>(
    playerName ? `/api/players/${encodeURIComponent(playerName)}` : null,
    getPlayerOrNull,
    { refreshInterval: 2000, keepPreviousData: true },
  );
}
