import { VisibleError } from "./error.ts";
import { PERIOD_KINDS, periodOf, validName, ALL_TIME, type PeriodKind } from "./periods.ts";

/*
 * Periods: the pure names, ranges and labels live in `periods.ts` (no zod, so the player's page
 * loads them without the schema library); parsing a caller's period, with its error, is here.
 */
export * from "./periods.ts";

const PERIOD_MESSAGE =
  'period must be ALL, DAY, WEEK, MONTH (the current one), or a past one: "DAY#2026-12-01", "WEEK#2026-W49", "MONTH#2026-12"';

/**
 * A period a caller asked for: absent or blank is all time; a kind alone (`DAY`, `week`) is the
 * current one of that kind; a full name must name a real day, ISO week or month.
 */
export function parsePeriod(period: string | undefined, now: Date | number = Date.now()): string {
  if (period === undefined || period.trim() === "") return ALL_TIME;
  const value = period.trim().toUpperCase();
  if ((PERIOD_KINDS as readonly string[]).includes(value))
    return periodOf(value as PeriodKind, now);
  if (validName(value)) return value;
  throw new VisibleError("invalid_input", PERIOD_MESSAGE);
}
