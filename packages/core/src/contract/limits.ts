import { z } from "zod";

/**
 * The one limit policy of the list routes. Over HTTP, `?limit=` is absent or blank (the list's
 * default) or an integer in [1, max]: anything else (`limit=abc`, `0`, over the max) is a 400
 * `invalid_input`, never silently clamped, so a caller learns the bound. Core's list functions,
 * called from code, clamp instead (`clampLimit`) with the same default and max.
 */
export const listLimits = {
  /** GET /api/scores */
  scores: { default: 20, max: 100 },
  /** GET /api/leaderboard */
  leaderboard: { default: 10, max: 100 },
  /** GET /api/stream */
  stream: { default: 50, max: 500 },
  /** GET /api/failures */
  failures: { default: 100, max: 1000 },
} as const;
export type ListName = keyof typeof listLimits;

/** A list's limit from a caller: absent or unusable → the list's default, else clamped. */
export function clampLimit(value: number | undefined, list: ListName): number {
  const { default: fallback, max } = listLimits[list];
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(1, Math.floor(value)));
}

const blankToUndefined = (value: unknown) => (value === "" ? undefined : value);

/** `?limit=` of one list: an integer in [1, max], the list's default when absent or blank. */
export function limitParam(list: ListName) {
  const { default: fallback, max } = listLimits[list];
  const error = `limit must be an integer between 1 and ${max}`;
  return z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error })
      .int({ error })
      .min(1, { error })
      .max(max, { error })
      .default(fallback),
  );
}
