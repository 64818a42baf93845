import {
  periodRange,
  type PeriodKind,
  type PlayerStanding,
  type ScoreList,
  type ScoreRecord,
} from "@streamboard/core/contract";

/*
 * The profile's games, as the page turns them into charts and a table: pure, so they are tested
 * without a browser. Records arrive newest first (GET /api/scores?playerName=), page by page.
 */

/** Records per GET /api/scores page: the API's maximum, so a week of games is a few requests. */
export const SCORES_PAGE_LIMIT = 100;
/** At most this many games go into a chart: enough to see a trend, cheap to fetch and draw. */
export const CHART_CAP = 500;
/** Rows the games table shows at first and adds with each "Load older". */
export const TABLE_PAGE_SIZE = 20;

/** One game on the charts: when, what it scored, and the player's total in the period after it. */
export interface GamePoint {
  recordId: string;
  /** epoch ms of createdAt */
  time: number;
  score: number;
  /** running total in the period, this game included */
  total: number;
  best: boolean;
}

export interface GameSeries {
  points: GamePoint[];
  /** The period's best game among the points (the earliest of equal bests). */
  best: GamePoint | undefined;
  /** Whether the points are all the period's games (false while older pages are on their way). */
  complete: boolean;
  /** The period reaches further back than CHART_CAP games: the charts show the newest CHART_CAP. */
  capped: boolean;
}

/** The records of every page, newest first, each once (pages of a list being refreshed may overlap). */
export function flattenPages(pages: readonly ScoreList[] | undefined): ScoreRecord[] {
  const seen = new Set<string>();
  const records: ScoreRecord[] = [];
  for (const page of pages ?? []) {
    for (const record of page.records) {
      if (seen.has(record.recordId)) continue;
      seen.add(record.recordId);
      records.push(record);
    }
  }
  return records;
}

/** Where a period starts, epoch ms; -Infinity for all time (every game counts). */
export const periodStart = (period: string) => periodRange(period)?.start ?? -Infinity;

/** Whether a record counts towards `period`, by its createdAt (UTC, as the aggregator decides). */
export function inPeriod(record: Pick<ScoreRecord, "createdAt">, period: string): boolean {
  const range = periodRange(period);
  if (!range) return true;
  const time = Date.parse(record.createdAt);
  return time >= range.start && time < range.end;
}

/**
 * The games of `period` in time order with the running total after each: the "games over time"
 * and "total over time" charts. `records` newest first as the API lists them, at most CHART_CAP
 * of them used; `more` says whether older records exist beyond those fetched.
 */
export function gameSeries(
  records: readonly ScoreRecord[],
  period: string,
  more: boolean,
  cap = CHART_CAP,
): GameSeries {
  const used = records.slice(0, cap);
  const oldest = used.at(-1);
  // Complete once the games reach back past the period's start, or nothing older exists.
  const complete =
    !oldest ||
    Date.parse(oldest.createdAt) < periodStart(period) ||
    (used.length === records.length && !more);

  const games = used
    .filter((record) => inPeriod(record, period))
    .map((record) => ({ record, time: Date.parse(record.createdAt) }))
    .filter(({ time }) => !Number.isNaN(time))
    .sort((a, b) =>
      a.time !== b.time
        ? a.time - b.time
        : a.record.recordId < b.record.recordId
          ? -1
          : a.record.recordId > b.record.recordId
            ? 1
            : 0,
    );

  let total = 0;
  let best: GamePoint | undefined;
  const points = games.map(({ record, time }) => {
    total += record.score;
    const point: GamePoint = {
      recordId: record.recordId,
      time,
      score: record.score,
      total,
      best: false,
    };
    if (!best || point.score > best.score) best = point;
    return point;
  });
  if (best) best.best = true;
  return { points, best, complete, capped: !complete && used.length >= cap };
}

/**
 * Whether the list needs its next page: while older records exist, for the table's visible rows,
 * and for the chart until its period's start or CHART_CAP records.
 */
export function wantsOlderPage(
  pages: readonly ScoreList[] | undefined,
  q: { period: string; rows: number; cap?: number },
): boolean {
  const last = pages?.at(-1);
  if (!pages || !last?.cursor) return false;
  const records = flattenPages(pages);
  if (records.length < q.rows) return true;
  if (records.length >= (q.cap ?? CHART_CAP)) return false;
  const oldest = records.at(-1);
  return !oldest || Date.parse(oldest.createdAt) >= periodStart(q.period);
}

/** "#4 of 120", or "top 3%" when the rank is an estimate. */
export function rankLabel(
  standing: Pick<PlayerStanding, "rank" | "players" | "rankExact" | "topPercent">,
): string {
  if (!standing.rankExact) return `top ${standing.topPercent}%`;
  return `#${standing.rank.toLocaleString("en-US")} of ${standing.players.toLocaleString("en-US")}`;
}

/** The standing of the current period of a kind, among a player's periods (none: no games in it). */
export function standingOf(
  periods: readonly PlayerStanding[] | undefined,
  period: string,
): PlayerStanding | undefined {
  return periods?.find((standing) => standing.period === period);
}

/** `?period=` as the profile reads it: one of the kinds, all time when absent or unknown. */
export function periodKindParam(value: string | string[] | undefined): PeriodKind {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim().toUpperCase() ?? "";
  return raw === "DAY" || raw === "WEEK" || raw === "MONTH" ? raw : "ALL";
}

const HOUR_MS = 3_600_000;

/**
 * The charts' time axis: a timed period from its start to now (or its end, once over); all time
 * from the first game to the last, an hour either side of a single game so it is not on the edge.
 */
export function chartDomain(
  points: readonly Pick<GamePoint, "time">[],
  period: string,
  now: number,
): [number, number] {
  const first = points[0]?.time ?? now;
  const last = points.at(-1)?.time ?? now;
  const range = periodRange(period);
  if (range) return [range.start, Math.min(range.end, Math.max(now, last))];
  return first === last ? [first - HOUR_MS, last + HOUR_MS] : [first, last];
}
