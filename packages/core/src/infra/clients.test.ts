import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { expect, test } from "vitest";
import { MAX_SCORE } from "../contract/score.ts";
import { AggregateItem } from "../aggregator/store.ts";
import { translateConfig } from "./clients.ts";

// The DocumentClient's options (clients.ts says why each): what they let through and what not.
const { marshallOptions, unmarshallOptions } = translateConfig;

test("an absent optional field is dropped, not refused", () => {
  expect(marshall({ PlayerName: "ann", NickName: undefined }, marshallOptions)).toEqual({
    PlayerName: { S: "ann" },
  });
});

test("a class instance where a plain value belongs is refused, not stored as {}", () => {
  expect(() => marshall({ CreatedAt: new Date(0) }, marshallOptions)).toThrow();
});

test("our numbers come back as plain numbers; one beyond 2^53 is never rounded", () => {
  const total = MAX_SCORE * 1_000_000; // a million top scores: still exact
  expect(unmarshall({ TotalScore: { N: String(total) } }, unmarshallOptions)).toEqual({
    TotalScore: total,
  });
  // Exact, as its text, which the item schemas refuse (z.number()): a malformed item, not a wrong
  // total, and not a throw that would fail a whole Scan page (the SDK's default on a fraction).
  for (const text of ["9007199254740993", "12345678901234567.5"]) {
    expect(unmarshall({ TotalScore: { N: text } }, unmarshallOptions)).toEqual({
      TotalScore: text,
    });
    expect(AggregateItem.shape.TotalScore.safeParse(text).success).toBe(false);
  }
  expect(() => marshall({ TotalScore: 2 ** 53 + 2 }, marshallOptions)).toThrow();
});
