import type { LeaderboardPage } from "@streamboard/core/contract";
import useSWR from "swr";
import { getJson, type ApiError } from "./lib/api-client";

/** The live top-N, polled: the aggregator updates it about a second after each write. */
export function useLeaderboard(limit = 10) {
  return useSWR<LeaderboardPage, ApiError>(`/api/leaderboard?limit=${limit}`, getJson, {
    refreshInterval: 1500,
    keepPreviousData: true,
  });
}
