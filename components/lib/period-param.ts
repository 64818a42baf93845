import { PERIOD_KINDS, type PeriodKind } from "@/packages/core/src/contract/periods.ts";

/** Parses `?period=` of a page: a kind (any case) or all time. */
export function periodKindParam(value: string | string[] | undefined): PeriodKind {
  const text = (Array.isArray(value) ? value[0] : value)?.toUpperCase() ?? "";
  return (PERIOD_KINDS as readonly string[]).includes(text) ? (text as PeriodKind) : "ALL";
}

/** Rows a page of `/leaderboard` holds. */
export const PAGE_SIZE = 50;
