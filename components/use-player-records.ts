import type { ScoreList } from "@streamboard/core/contract";
import useSWR from "swr";
import { getJsonAs, type ApiError } from "./lib/api-client";
import { polling } from "./use-leaderboard";

const getScores = getJsonAs<ScoreList>();

export const playerRecordsKey = (playerName: string, limit = 10) =>
  `/api/scores?playerName=${encodeURIComponent(playerName)}&limit=${limit}`;

/** A player's most recent records, newest first. */
export function usePlayerRecords(playerName: string) {
  return useSWR<ScoreList, ApiError>(
    playerName ? playerRecordsKey(playerName) : null,
    getScores,
    polling(3000),
  );
}
