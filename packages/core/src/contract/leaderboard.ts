import { z } from "zod";

/** One row of a period's board, and one player's entry (`GET /api/players/{name}`). */
export const LeaderboardEntry = z.object({
  /** Competition ranking: equal totals share a rank, the next rank skips (1, 2, 2, 4). */
  rank: z.number().int().min(1),
  playerName: z.string().min(1),
  totalScore: z.number(),
  gamesPlayed: z.number().int(),
  bestScore: z.number(),
  lastScore: z.number(),
  /** ISO-8601; "" for a moment while the aggregator catches up. */
  updatedAt: z.string(),
});
export type LeaderboardEntry = z.infer<typeof LeaderboardEntry>;

/** GET /api/leaderboard */
export const LeaderboardPage = z.object({
  entries: z.array(LeaderboardEntry),
  /** ISO-8601: when the board was read. */
  generatedAt: z.string(),
});
export type LeaderboardPage = z.infer<typeof LeaderboardPage>;

/** What ranking needs of a row. */
export interface Rankable {
  playerName: string;
  totalScore: number;
}

/**
 * The board's order and ranks, the one definition for the server's board and the browser's
 * optimistic one: higher total first; equal totals by name in UTF-16 code units (`<`, not
 * `localeCompare`, so every runtime and locale agrees and the board does not flicker), and
 * sharing a rank, the next rank skipping (1, 2, 2, 4). Pure: returns new rows, sorted.
 */
export function rankEntries<T extends Rankable>(rows: readonly T[]): (T & { rank: number })[] {
  const sorted = [...rows].sort(
    (a, b) =>
      b.totalScore - a.totalScore ||
      (a.playerName < b.playerName ? -1 : a.playerName > b.playerName ? 1 : 0),
  );
  const ranked: (T & { rank: number })[] = [];
  for (const [index, row] of sorted.entries()) {
    const previous = ranked[index - 1];
    const rank = previous && previous.totalScore === row.totalScore ? previous.rank : index + 1;
    ranked.push({ ...row, rank });
  }
  return ranked;
}
