import type { LeaderboardEntry } from "@streamboard/core/contract";
import { rankEntries } from "@/packages/core/src/contract/ranking.ts";

/** A score this browser just submitted, shown on the board before the aggregator counts it. */
export interface PendingScore {
  recordId: string;
  playerName: string;
  score: number;
  createdAt: string;
}

/** How long a pending score may stay unconfirmed before the server's board is trusted alone. */
export const PENDING_TTL_MS = 15_000;

/**
 * The server's top-N with this browser's pending scores added. A pending score is dropped once
 * its player's aggregate has been updated at or after the record was created (the aggregator
 * has counted it), so nothing is counted twice.
 */
export function withPendingScores(
  entries: LeaderboardEntry[],
  pending: PendingScore[],
  known: LeaderboardEntry[],
  limit: number,
): { entries: LeaderboardEntry[]; syncing: Set<string> } {
  const syncing = new Set<string>();
  if (pending.length === 0) return { entries, syncing };
  const byPlayer = new Map(entries.map((e) => [e.playerName, { ...e }]));
  for (const p of pending) {
    const base =
      byPlayer.get(p.playerName) ?? known.find((e) => e.playerName === p.playerName) ?? undefined;
    if (base && Date.parse(base.updatedAt) >= Date.parse(p.createdAt)) continue;
    syncing.add(p.playerName);
    byPlayer.set(
      p.playerName,
      base
        ? {
            ...base,
            totalScore: base.totalScore + p.score,
            gamesPlayed: base.gamesPlayed + 1,
            bestScore: Math.max(base.bestScore, p.score),
            lastScore: p.score,
            updatedAt: p.createdAt,
            reachedAt: p.createdAt,
          }
        : {
            rank: 0,
            playerName: p.playerName,
            totalScore: p.score,
            gamesPlayed: 1,
            bestScore: p.score,
            lastScore: p.score,
            updatedAt: p.createdAt,
            reachedAt: p.createdAt,
          },
    );
  }
  // Ranked as the server ranks (a pending total was reached when it was submitted), so a
  // confirmed score does not move.
  return { entries: rankEntries([...byPlayer.values()]).slice(0, limit), syncing };
}
