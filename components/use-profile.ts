import { PlayerPeriods } from "@streamboard/core/contract";
import useSWR from "swr";
import { ApiError, getJson } from "./lib/api-client";

/** How often a profile polls: live, as the board is. */
export const PROFILE_REFRESH_MS = 2000;
/**
 * Below the refresh interval: SWR's default deduping (2 s) would swallow every other tick, so a
 * new game would show up to 4 s late.
 */
export const PROFILE_DEDUPE_MS = 1000;

const getPeriods = getJson(PlayerPeriods);

async function getPeriodsOrNull(url: string): Promise<PlayerPeriods | null> {
  try {
    return await getPeriods(url);
  } catch (error) {
    // No games at all (every record deleted while the page is open): the page says so.
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export const profilePeriodsKey = (playerName: string) =>
  `/api/players/${encodeURIComponent(playerName)}/periods`;

/** A player's standing in today's, this week's, this month's and the all-time board, live. */
export function useProfilePeriods(playerName: string, fallbackData?: PlayerPeriods) {
  return useSWR<PlayerPeriods | null, ApiError>(profilePeriodsKey(playerName), getPeriodsOrNull, {
    refreshInterval: PROFILE_REFRESH_MS,
    dedupingInterval: PROFILE_DEDUPE_MS,
    keepPreviousData: true,
    ...(fallbackData ? { fallbackData } : {}),
  });
}
