/*
 * Leaderboard periods, all in UTC: every record counts towards `ALL`, its day (`DAY#YYYY-MM-DD`),
 * its ISO week (`WEEK#YYYY-Www`: weeks start on Monday, week 1 holds the year's first Thursday)
 * and its month (`MONTH#YYYY-MM`). Past periods stay: a period name is a board that exists for
 * ever; "this week" is only the name the clock gives today. Pure (no AWS, no Node built-ins), so
 * the browser shares it: tabs, "resets in", labels.
 */

export const ALL_TIME = "ALL";
export const PERIOD_KINDS = ["DAY", "WEEK", "MONTH", "ALL"] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

const DAY_MS = 86_400_000;
const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** The ISO week-numbering year and week of a UTC instant. */
function isoWeek(time: Date): { year: number; week: number } {
  // The Thursday of this date's week decides the year; its week number counts from that year's Jan 1.
  const day = Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate());
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = new Date(day - weekday * DAY_MS + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return { year, week };
}

/** The Monday 00:00 UTC that starts ISO week `week` of `year`, in epoch ms. */
function isoWeekStart(year: number, week: number): number {
  const jan4 = Date.UTC(year, 0, 4);
  const jan4Weekday = (new Date(jan4).getUTCDay() + 6) % 7;
  return jan4 - jan4Weekday * DAY_MS + (week - 1) * 7 * DAY_MS;
}

/** How many ISO weeks `year` has (52 or 53). */
const weeksIn = (year: number) => isoWeek(new Date(Date.UTC(year, 11, 28))).week;

/** The period of one kind that contains `time`. */
export function periodOf(kind: PeriodKind, time: Date | string | number = Date.now()): string {
  const date = new Date(time);
  if (kind === "ALL") return ALL_TIME;
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a time: ${String(time)}`);
  const y = date.getUTCFullYear();
  if (kind === "DAY") return `DAY#${y}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  if (kind === "MONTH") return `MONTH#${y}-${pad(date.getUTCMonth() + 1)}`;
  const { year, week } = isoWeek(date);
  return `WEEK#${year}-W${pad(week)}`;
}

/**
 * The periods a record created at `createdAt` counts towards: all time, its day, week and month.
 * The aggregator keeps one aggregate per (player, period) for each.
 */
export function periodsOf(createdAt: string): string[] {
  if (Number.isNaN(Date.parse(createdAt))) return [ALL_TIME];
  return [
    ALL_TIME,
    periodOf("DAY", createdAt),
    periodOf("WEEK", createdAt),
    periodOf("MONTH", createdAt),
  ];
}

/** Whether a record created at `createdAt` counts towards `period`. */
export const countsTowards = (createdAt: string, period: string) =>
  periodsOf(createdAt).includes(period);

export function periodKindOf(period: string): PeriodKind {
  const kind = period.split("#")[0] as PeriodKind;
  return PERIOD_KINDS.includes(kind) ? kind : "ALL";
}

/** `[start, end)` of a period in epoch ms; undefined for all time. Assumes a valid name. */
export function periodRange(period: string): { start: number; end: number } | undefined {
  const [kind, value = ""] = period.split("#");
  if (kind === "DAY") {
    const start = Date.parse(`${value}T00:00:00.000Z`);
    return { start, end: start + DAY_MS };
  }
  if (kind === "MONTH") {
    const [y, m] = value.split("-").map(Number) as [number, number];
    return { start: Date.UTC(y, m - 1, 1), end: Date.UTC(y, m, 1) };
  }
  if (kind === "WEEK") {
    const [y, w] = value.split("-W").map(Number) as [number, number];
    const start = isoWeekStart(y, w);
    return { start, end: start + 7 * DAY_MS };
  }
  return undefined;
}

/** When a period's board resets (its end), ISO-8601; undefined for all time. */
export function resetsAt(period: string): string | undefined {
  const range = periodRange(period);
  return range ? new Date(range.end).toISOString() : undefined;
}

/** The period of the same kind just before (`-1`) or after (`+1`) this one. */
export function shiftPeriod(period: string, by: -1 | 1): string {
  const range = periodRange(period);
  if (!range) return ALL_TIME;
  const kind = periodKindOf(period);
  return periodOf(kind, by < 0 ? range.start - 1 : range.end);
}

/** Whether `period` names a real day, ISO week, month, or all time. */
export function validName(period: string): boolean {
  const day = /^DAY#(\d{4})-(\d{2})-(\d{2})$/.exec(period);
  if (day) {
    const time = Date.parse(`${day[1]}-${day[2]}-${day[3]}T00:00:00.000Z`);
    return !Number.isNaN(time) && periodOf("DAY", time) === period;
  }
  const week = /^WEEK#(\d{4})-W(\d{2})$/.exec(period);
  if (week) {
    const w = Number(week[2]);
    return w >= 1 && w <= weeksIn(Number(week[1]));
  }
  const month = /^MONTH#(\d{4})-(\d{2})$/.exec(period);
  if (month) return Number(month[2]) >= 1 && Number(month[2]) <= 12;
  return period === ALL_TIME;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A period as a player reads it: "Today", "This week", "Week 48, 2026", "December 2026". */
export function describePeriod(period: string, now: Date | number = Date.now()): string {
  const kind = periodKindOf(period);
  if (kind === "ALL") return "All time";
  const current = periodOf(kind, now);
  if (period === current)
    return kind === "DAY" ? "Today" : kind === "WEEK" ? "This week" : "This month";
  const [, value = ""] = period.split("#");
  if (kind === "DAY") {
    const date = new Date(`${value}T00:00:00.000Z`);
    return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
  }
  if (kind === "WEEK") {
    const [y, w] = value.split("-W");
    return `Week ${Number(w)}, ${y}`;
  }
  const [y, m] = value.split("-");
  return `${MONTHS[Number(m) - 1]} ${y}`;
}

/** "3 h 12 m", "2 d 4 h", "45 s": how long until `until` (ISO or ms), for "resets in …". */
export function formatCountdown(until: string | number, now: number = Date.now()): string {
  const ms = Math.max(0, (typeof until === "string" ? Date.parse(until) : until) - now);
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} m`;
  if (m > 0) return `${m} m`;
  return `${s % 60} s`;
}
