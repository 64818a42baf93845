import {
  boardRowOf,
  countHigherTotals,
  queryBoard,
  readAggregate,
  type BoardRow,
} from "../aggregator/store.ts";
import { clampLimit } from "../contract/limits.ts";
import { VisibleError } from "../contract/error.ts";
import {
  rankEntries,
  type LeaderboardEntry,
  type LeaderboardPage,
} from "../contract/leaderboard.ts";
import { parsePeriod } from "../period/period.ts";

export type { LeaderboardEntry } from "../contract/leaderboard.ts";

function toEntry(row: BoardRow, rank: number): LeaderboardEntry {
  return {
    rank,
    playerName: row.playerName,
    totalScore: row.totalScore,
    gamesPlayed: row.gamesPlayed,
    // Absent only for a moment, while the aggregator waits for the index to show a lowered best.
    bestScore: row.bestScore ?? 0,
    lastScore: row.lastScore ?? 0,
    updatedAt: row.updatedAt ?? "",
    reachedAt: row.updatedAt ?? "",
  };
}

/**
 * The top N of a period with one Query of the sparse ByPeriodTotal index (players with no games
 * have no TotalScore, so they are not in it). Equal totals share a rank (1, 2, 2, 4): every higher
 * total is above them in the same page, so ranks need no second read.
 */
export async function getLeaderboard(
  q: { limit?: number; period?: string } = {},
): Promise<LeaderboardPage> {
  const limit = clampLimit(q.limit, "leaderboard");
  const period = parsePeriod(q.period);
  const aggregates = await queryBoard(period, limit);
  // The index leaves the order of equal totals open: rankEntries orders them by name, so the
  // board does not flicker, and ranks them as the browser's optimistic board does. A second page
  // (1 MB cut) asks for `limit` again, so there may be more rows than the board shows.
  const entries = rankEntries(aggregates.map((row) => ({ ...row, reachedAt: row.updatedAt ?? "" })))
    .slice(0, limit)
    .map((row) => toEntry(row, row.rank));
  return {
    entries,
    period,
    players: entries.length,
    exact: true,
    generatedAt: new Date().toISOString(),
  };
}

/** One player's aggregate with their rank: 1 + how many players have a higher total. */
export async function getPlayer(playerName: string, period?: string): Promise<LeaderboardEntry> {
  const name = playerName.trim();
  const periodName = parsePeriod(period);
  const notFound = () => new VisibleError("not_found", `player ${name} has no games`);
  if (!name || name.length > 1024) throw notFound();
  const aggregate = await readAggregate({ playerName: name, period: periodName });
  if (!aggregate || aggregate.gamesPlayed <= 0) throw notFound();

  const higher = await countHigherTotals(periodName, aggregate.totalScore);
  return toEntry(boardRowOf(aggregate), higher + 1);
}
