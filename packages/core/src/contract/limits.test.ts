import { describe, expect, test } from "vitest";
import { z } from "zod";
import { clampLimit, limitParam, listLimits, type ListName } from "./limits.ts";

const lists = Object.keys(listLimits) as ListName[];

describe("limitParam: ?limit= of every list route", () => {
  for (const list of lists) {
    const { default: fallback, max } = listLimits[list];
    const Query = z.object({ limit: limitParam(list) });

    // prettier-ignore
    test.each([
      { query: {}, limit: fallback },
      { query: { limit: "" }, limit: fallback },
      { query: { limit: "1" }, limit: 1 },
      { query: { limit: String(max) }, limit: max },
      { query: { limit: " 7 " }, limit: 7 },
    ])(`${list}: %o → $limit`, ({ query, limit }) => {
      expect(Query.parse(query)).toEqual({ limit });
    });

    test.each(["abc", "0", "-1", "1.5", String(max + 1), "Infinity", "1e9"])(
      `${list}: limit=%s is a 400 naming the bounds`,
      (limit) => {
        const result = Query.safeParse({ limit });
        expect(result.success).toBe(false);
        expect(result.error?.issues[0]?.message).toBe(
          `limit must be an integer between 1 and ${max}`,
        );
      },
    );
  }
});

describe("clampLimit: a limit from code", () => {
  test.each([
    { value: undefined, limit: 10 },
    { value: Number.NaN, limit: 10 },
    { value: 0, limit: 1 },
    { value: 5.7, limit: 5 },
    { value: 1000, limit: 100 },
  ])("$value → $limit", ({ value, limit }) => {
    expect(clampLimit(value, "leaderboard")).toBe(limit);
  });
});
