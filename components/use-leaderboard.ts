import type { LeaderboardEntry } from "@streamboard/core/leaderboard";
import useSWR from "swr";
import { getJson, type ApiError } from "./lib/api-client";

export interface LeaderboardResponse {
  entries: LeaderboardEntry[];
  generatedAt: string;
}

/** The live top-N, polled: the aggregator updates it about a second after each write. */
export function useLeaderboard(limit = 10) {
  return useSWR<LeaderboardResponse, ApiError>(`/api/leaderboard?limit=${limit}`, getJson, {
    refreshInterval: 1500,
    keepPreviousData: true,
  });
}
