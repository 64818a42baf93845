import {
  boardRowOf,
  boardShards,
  countBoardRange,
  queryBoardShard,
  readAggregate,
  type BoardRow,
} from "../aggregator/store.ts";
import { boardOf, boardsOf, fineBucketRange } from "../board/keys.ts";
import { countPlayers, readShardCounts } from "../board/counts.ts";
import { clampLimit } from "../contract/limits.ts";
import { VisibleError } from "../contract/error.ts";
import {
  topPercentOf,
  type LeaderboardEntry,
  type LeaderboardPage,
  type PlayerPeriods,
  type PlayerStanding,
} from "../contract/leaderboard.ts";
import { parsePeriod, periodOf, resetsAt } from "../period/period.ts";

export type { LeaderboardEntry } from "../contract/leaderboard.ts";

/*
 * The board's reads. Rows come from the ByRank index, in board order (total, then who reached it
 * first: board/keys.ts), gathered from every write shard of the period and merged by RankKey.
 * Ranks are positions: the top page counts from 1, a cursor carries the rank of the row it
 * stops at, and a player's own rank comes from the rank counts (`rankOf`), never from reading
 * the rows above them.
 *
 * Cost of a rank (`rankOf`), per shard, whatever the board's size: three strongly consistent
 * Queries of BoardCounts (at most 17 + 90 + 10 items of ~40 bytes: ≤ 2 read units each, usually
 * 0.5–1) and one COUNT of the player's own three-digit bucket on the index, capped at
 * `rankLimits.bucketCap` rows (400 rows of ~220 bytes: ≤ 11 read units eventually consistent at
 * the cap; a bucket spans 0.1–1% of the total, so it is usually a few dozen). So ≤ 17 read units
 * with one shard, typically 5 (`npm run bench -- ranks`).
 * A bucket fuller than the cap (thousands of players within 1% of one total) gives an estimate:
 * `rankExact: false`, shown as "top 3%".
 */

/**
 * Index rows a rank's own-bucket COUNT reads at most (~220 bytes each: ≤ 11 read units). An object,
 * so a test can lower it rather than seed hundreds of players into one bucket.
 */
export const rankLimits = { bucketCap: 400 };

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
    reachedAt: row.reachedAt ?? "",
  };
}

// --- cursors ----------------------------------------------------------------------------------

interface Cursor {
  /** The RankKey of the last row served. */
  k: string;
  /** Its rank. */
  r: number;
  /** The period it belongs to. */
  p: string;
}

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString("base64url");

function decodeCursor(text: string, period: string): Cursor {
  const bad = () => new VisibleError("invalid_input", "cursor is not one this board gave out");
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  const c = value as Partial<Cursor> | null;
  if (
    !c ||
    typeof c.k !== "string" ||
    typeof c.r !== "number" ||
    !Number.isInteger(c.r) ||
    c.r < 0 ||
    c.p !== period
  ) {
    throw bad();
  }
  return { k: c.k, r: c.r, p: c.p };
}

// --- gathering shards ---------------------------------------------------------------------------

const byKey = (a: BoardRow, b: BoardRow) =>
  a.rankKey < b.rankKey ? -1 : a.rankKey > b.rankKey ? 1 : 0;

/** The next `limit` rows after `after` (or from the top), from every shard, merged. */
async function rowsAfter(
  period: string,
  after: string | undefined,
  limit: number,
): Promise<{ rows: BoardRow[]; more: boolean }> {
  const shards = await Promise.all(
    boardsOf(period, boardShards()).map((board) =>
      queryBoardShard(board, { ...(after !== undefined ? { after } : {}), limit: limit + 1 }),
    ),
  );
  const all = shards.flatMap((s) => s.rows).sort(byKey);
  return { rows: all.slice(0, limit), more: all.length > limit || shards.some((s) => s.more) };
}

/** The `limit` rows just above `before` (nearest first), from every shard, merged. */
async function rowsBefore(period: string, before: string, limit: number): Promise<BoardRow[]> {
  if (limit <= 0) return [];
  const shards = await Promise.all(
    boardsOf(period, boardShards()).map((board) => queryBoardShard(board, { before, limit })),
  );
  return shards
    .flatMap((s) => s.rows)
    .sort(byKey)
    .reverse()
    .slice(0, limit);
}

/** Ranked players in a period: the sum of each shard's coarsest counts. */
export async function countRanked(period: string): Promise<number> {
  const counts = await Promise.all(boardsOf(period, boardShards()).map(countPlayers));
  return counts.reduce((a, b) => a + b, 0);
}

// --- ranks ------------------------------------------------------------------------------------

/**
 * A row's rank from the counts: 1 + the players above its own three-digit bucket on every shard
 * + those ahead of it inside that bucket (a capped COUNT). Exact unless a bucket was over the cap.
 */
export async function rankOf(
  period: string,
  row: Pick<BoardRow, "playerName" | "totalScore" | "rankKey">,
): Promise<{ rank: number; players: number; exact: boolean }> {
  const { from } = fineBucketRange(row.totalScore);
  const shards = await Promise.all(
    boardsOf(period, boardShards()).map(async (board) => {
      const [counts, ahead] = await Promise.all([
        readShardCounts(board, row.totalScore),
        countBoardRange(board, {
          from,
          to: row.rankKey,
          except: row.playerName,
          cap: rankLimits.bucketCap,
        }),
      ]);
      const own = board === boardOf(period, row.playerName, boardShards()) ? 1 : 0;
      // Over the cap: somewhere among the bucket's rest; say the middle of it.
      const others = Math.max(0, counts.inBucket - own);
      const aheadInBucket = ahead.complete
        ? ahead.count
        : ahead.count + Math.round((others - ahead.count) / 2);
      return {
        above: counts.above + aheadInBucket,
        players: counts.players,
        exact: ahead.complete,
      };
    }),
  );
  const above = shards.reduce((n, s) => n + s.above, 0);
  const players = shards.reduce((n, s) => n + s.players, 0);
  return {
    rank: above + 1,
    players: Math.max(players, above + 1),
    exact: shards.every((s) => s.exact),
  };
}

// --- the API's reads ----------------------------------------------------------------------------

export interface LeaderboardQuery {
  period?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
  around?: string | undefined;
}

/**
 * A page of a period's board (`GET /api/leaderboard`): the top `limit`, the page after `cursor`,
 * or, with `around`, the window of `limit` rows with that player in the middle and their
 * standing. A player with no games in the period gets the top of the board and no standing.
 */
export async function getLeaderboard(q: LeaderboardQuery = {}): Promise<LeaderboardPage> {
  const limit = clampLimit(q.limit, "leaderboard");
  const period = parsePeriod(q.period);
  const meta = { period, ...(resetsAt(period) ? { resetsAt: resetsAt(period)! } : {}) };
  const around = q.around?.trim();
  if (around) {
    const standing = await findStanding(around, period);
    if (standing) return aroundPage(standing, limit, meta);
  }
  const cursor = q.cursor ? decodeCursor(q.cursor, period) : undefined;
  const [{ rows, more }, players] = await Promise.all([
    rowsAfter(period, cursor?.k, limit),
    countRanked(period),
  ]);
  const first = (cursor?.r ?? 0) + 1;
  const entries = rows.map((row, i) => toEntry(row, first + i));
  return {
    entries,
    ...meta,
    players: Math.max(players, first - 1 + entries.length),
    exact: true,
    ...(more && rows.length > 0 ? { cursor: pageCursor(rows, first, period) } : {}),
    generatedAt: new Date().toISOString(),
  };
}

const pageCursor = (rows: BoardRow[], first: number, period: string) =>
  encodeCursor({ k: rows[rows.length - 1]!.rankKey, r: first + rows.length - 1, p: period });

async function aroundPage(
  found: { standing: PlayerStanding; row: BoardRow },
  limit: number,
  meta: { period: string; resetsAt?: string },
): Promise<LeaderboardPage> {
  const { standing, row } = found;
  const period = meta.period;
  const wantAbove = Math.floor((limit - 1) / 2);
  const [above, below] = await Promise.all([
    rowsBefore(period, row.rankKey, Math.min(wantAbove, standing.rank - 1)),
    rowsAfter(period, row.rankKey, limit - 1),
  ]);
  const belowRows = below.rows.slice(0, limit - 1 - above.length);
  const rows = [...above.reverse(), row, ...belowRows];
  const first = standing.rank - above.length;
  const more = below.more || below.rows.length > belowRows.length;
  return {
    entries: rows.map((r, i) => toEntry(r, first + i)),
    ...meta,
    players: standing.players,
    exact: standing.rankExact,
    player: standing,
    ...(more ? { cursor: pageCursor(rows, first, period) } : {}),
    generatedAt: new Date().toISOString(),
  };
}

/** A player's aggregate in a period and their standing, or undefined: no games there. */
async function findStanding(
  playerName: string,
  period: string,
): Promise<{ standing: PlayerStanding; row: BoardRow } | undefined> {
  const name = playerName.trim();
  if (!name || name.length > 1024) return undefined;
  const aggregate = await readAggregate({ playerName: name, period });
  if (!aggregate || aggregate.gamesPlayed <= 0) return undefined;
  const row = boardRowOf(aggregate);
  const { rank, players, exact } = await rankOf(period, row);
  const reset = resetsAt(period);
  return {
    row,
    standing: {
      ...toEntry(row, rank),
      period,
      players,
      rankExact: exact,
      topPercent: topPercentOf(rank, players),
      ...(reset ? { resetsAt: reset } : {}),
    },
  };
}

/** One player's standing in a period (`GET /api/players/{name}?period=`), or a 404. */
export async function getPlayer(playerName: string, period?: string): Promise<PlayerStanding> {
  const periodName = parsePeriod(period);
  const found = await findStanding(playerName, periodName);
  if (!found) {
    throw new VisibleError(
      "not_found",
      `player ${playerName.trim()} has no games in ${periodName}`,
    );
  }
  return found.standing;
}

/** A player's standing today, this week, this month and all time, where they have games. */
export async function getPlayerPeriods(
  playerName: string,
  now = new Date(),
): Promise<PlayerPeriods> {
  const periods = [periodOf("DAY", now), periodOf("WEEK", now), periodOf("MONTH", now), "ALL"];
  const found = await Promise.all(periods.map((p) => findStanding(playerName, p)));
  const standings = found.flatMap((f) => (f ? [f.standing] : []));
  if (standings.length === 0) {
    throw new VisibleError("not_found", `player ${playerName.trim()} has no games`);
  }
  return {
    playerName: playerName.trim(),
    periods: standings,
    generatedAt: new Date().toISOString(),
  };
}
