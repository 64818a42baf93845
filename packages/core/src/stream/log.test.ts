import type { DynamoDBRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { logItemOf, logKeyOf } from "./log.ts";

// The shape of AWS's documentation sample: no ApproximateCreationDateTime.
const untimed: DynamoDBRecord = {
  eventID: "1",
  eventName: "INSERT",
  eventSource: "aws:dynamodb",
  dynamodb: {
    Keys: { Id: { N: "101" } },
    NewImage: { Id: { N: "101" }, Message: { S: "New item!" } },
    SequenceNumber: "111",
    SizeBytes: 26,
    StreamViewType: "NEW_AND_OLD_IMAGES",
  },
};

describe("logKeyOf", () => {
  it("gives both subscribers one key for a record without a creation time, seconds apart", () => {
    const aggregatorAt = Date.parse("2026-12-02T19:41:44.900Z");
    const logAt = Date.parse("2026-12-02T19:41:46.100Z");
    expect(logKeyOf(untimed, aggregatorAt)).toEqual(logKeyOf(untimed, logAt));
    expect(logKeyOf(untimed, logAt).Position).toMatch(/^2026-12-02T19:00:00\.000Z#/);
    const item = logItemOf(untimed, logAt);
    expect(item).toMatchObject(logKeyOf(untimed, aggregatorAt));
  });

  it("places a record by its own creation time when it has one", () => {
    const timed = {
      ...untimed,
      dynamodb: { ...untimed.dynamodb, ApproximateCreationDateTime: 1_796_000_000 },
    };
    expect(logKeyOf(timed, 0).Position).toMatch(
      new RegExp(`^${new Date(1_796_000_000_000).toISOString()}#`),
    );
  });
});
