import type { ScoreList } from "@streamboard/core/contract";
import { getJsonAs } from "./lib/api-client";
import { usePoll } from "./use-poll";

const getScores = getJsonAs<ScoreList>();

export const playerRecordsKey = (playerName: string, limit = 10) =>
  `/api/scores?playerName=${encodeURIComponent(playerName)}&limit=${limit}`;

/** A player's most recent records, newest first. */
export function usePlayerRecords(playerName: string) {
  return usePoll(playerName ? playerRecordsKey(playerName) : null, getScores, 3000);
}
