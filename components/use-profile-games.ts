import { ScoreList } from "@streamboard/core/contract";
import { useEffect, useMemo } from "react";
import useSWRInfinite from "swr/infinite";
import { type ApiError, getJson } from "./lib/api-client";
import { flattenPages, SCORES_PAGE_LIMIT, wantsOlderPage } from "./lib/profile-games";
import { PROFILE_DEDUPE_MS, PROFILE_REFRESH_MS } from "./use-profile";

const getScores = getJson(ScoreList);

/**
 * A player's games, newest first, page by page (GET /api/scores?playerName=&cursor=), live: the
 * newest page is polled; an older page is fetched again only when the page before it changed
 * (its cursor is then another key), so a quiet profile costs one request per tick. Pages are
 * fetched until the table has `rows` rows and the chart reaches back to `period`'s start (or
 * CHART_CAP games).
 */
export function useProfileGames(playerName: string, q: { period: string; rows: number }) {
  const base = `/api/scores?playerName=${encodeURIComponent(playerName)}&limit=${SCORES_PAGE_LIMIT}`;
  const list = useSWRInfinite<ScoreList, ApiError>(
    (index, previous: ScoreList | null) => {
      if (index === 0) return base;
      if (!previous?.cursor) return null;
      return `${base}&cursor=${encodeURIComponent(previous.cursor)}`;
    },
    getScores,
    {
      refreshInterval: PROFILE_REFRESH_MS,
      dedupingInterval: PROFILE_DEDUPE_MS,
      revalidateFirstPage: true,
      persistSize: true,
    },
  );
  const { data, size, setSize, isValidating } = list;

  const loaded = data !== undefined && data.length === size;
  const wantsMore = loaded && wantsOlderPage(data, q);
  useEffect(() => {
    if (wantsMore) void setSize(size + 1);
  }, [wantsMore, setSize, size]);

  const records = useMemo(() => flattenPages(data), [data]);
  return {
    records,
    /** Whether records older than those fetched exist. */
    more: data?.at(-1)?.cursor !== undefined,
    /** Fetching a page the view asked for (not a background refresh). */
    loadingOlder: wantsMore || (data !== undefined && data.length < size && isValidating),
    error: list.error,
    isLoading: list.isLoading,
  };
}
