import { PlayerStanding } from "@streamboard/core/contract";
import useSWR from "swr";
import { ApiError, getJson } from "./lib/api-client";
import { polling } from "./use-leaderboard";

async function getPlayerOrNull(url: string): Promise<PlayerStanding | null> {
  try {
    return await getJson(PlayerStanding)(url);
  } catch (error) {
    // A player with no aggregate yet (first game still on its way through the stream).
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

/** One player's standing in a period (rank of N), or null before their first game there counts. */
export function usePlayer(playerName: string, period = "ALL") {
  return useSWR<PlayerStanding | null, ApiError>(
    playerName
      ? `/api/players/${encodeURIComponent(playerName)}?period=${encodeURIComponent(period)}`
      : null,
    getPlayerOrNull,
    polling(2000),
  );
}
