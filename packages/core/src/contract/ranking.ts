/*
 * The board's order and ranks, pure and without zod, shared by the server and the browser.
 */

/** What ranking needs of a row. */
export interface Rankable {
  playerName: string;
  totalScore: number;
  /** ISO-8601; "" (unknown) ranks after every known time. */
  reachedAt: string;
}

/** The board's order (negative: `a` ranks above `b`), the one definition for server and browser. */
export function compareStanding(a: Rankable, b: Rankable): number {
  if (a.totalScore !== b.totalScore) return b.totalScore - a.totalScore;
  const ta = a.reachedAt ? Date.parse(a.reachedAt) : Number.POSITIVE_INFINITY;
  const tb = b.reachedAt ? Date.parse(b.reachedAt) : Number.POSITIVE_INFINITY;
  if (ta !== tb) return ta < tb ? -1 : 1;
  // UTF-16 code units (`<`, not `localeCompare`), as the index orders them: every runtime agrees.
  return a.playerName < b.playerName ? -1 : a.playerName > b.playerName ? 1 : 0;
}

/**
 * Sorts rows into the board's order and ranks them by position, starting at `firstRank` (the
 * browser's optimistic board and the server's pages). Pure: returns new rows.
 */
export function rankEntries<T extends Rankable>(
  rows: readonly T[],
  firstRank = 1,
): (T & { rank: number })[] {
  return [...rows].sort(compareStanding).map((row, index) => ({ ...row, rank: firstRank + index }));
}

/** "top 3%": the share of the board at or above a rank, rounded up, at least 1 when ranked. */
export function topPercentOf(rank: number, players: number): number {
  if (players <= 0) return 100;
  return Math.min(100, Math.max(1, Math.ceil((100 * rank) / players)));
}
