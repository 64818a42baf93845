import { LeaderboardPage } from "@streamboard/core/contract";
import useSWR from "swr";
import { getJson, type ApiError } from "./lib/api-client";

const getLeaderboard = getJson(LeaderboardPage);

/** The live top-N, polled: the aggregator updates it about a second after each write. */
export function useLeaderboard(limit = 10) {
  return useSWR<LeaderboardPage, ApiError>(`/api/leaderboard?limit=${limit}`, getLeaderboard, {
    refreshInterval: 1500,
    keepPreviousData: true,
  });
}
