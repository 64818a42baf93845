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
  // Exact, as a BigInt, which the item schemas refuse (z.number()): a malformed item, not a wrong total.
  expect(unmarshall({ TotalScore: { N: "9007199254740993" } }, unmarshallOptions)).toEqual({
    TotalScore: 9007199254740993n,
  });
  expect(AggregateItem.shape.TotalScore.safeParse(9007199254740993n).success).toBe(false);
  expect(() => marshall({ TotalScore: 2 ** 53 + 2 }, marshallOptions)).toThrow();
});
