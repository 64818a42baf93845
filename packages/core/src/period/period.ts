import { VisibleError } from "../contract/error.ts";

/** The all-time period, the only one aggregated today. */
export const ALL_TIME = "ALL";

/**
 * The periods a record counts towards, from its `CreatedAt`. Adding a period kind (e.g.
 * `DAY#YYYY-MM-DD`) is one more entry here plus its pattern below: the aggregator keeps one
 * aggregate per (player, period) for whatever this returns.
 */
export function periodsOf(_createdAt: string): string[] {
  return [ALL_TIME];
}

/** Period names a query may ask for (the ones `periodsOf` can produce, now or later). */
const PERIOD_PATTERNS = [/^ALL$/, /^DAY#\d{4}-\d{2}-\d{2}$/];

export function parsePeriod(period: string | undefined): string {
  if (period === undefined || period === "") return ALL_TIME;
  if (PERIOD_PATTERNS.some((pattern) => pattern.test(period))) return period;
  throw new VisibleError("invalid_input", `period must be "ALL" or "DAY#YYYY-MM-DD"`);
}

/** Whether a record created at `createdAt` counts towards `period`. */
export const countsTowards = (createdAt: string, period: string) =>
  periodsOf(createdAt).includes(period);
