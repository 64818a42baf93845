import { listQuarantine, readAggregateItem } from "@streamboard/core/aggregator";
import { scoreItem, streamRecord } from "@streamboard/core/testing";
import { startTestEngine } from "@streamboard/local/testing";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { handler } from "./aggregator.ts";

let engine: Awaited<ReturnType<typeof startTestEngine>>;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(() => engine.close());

test("applies a Lambda stream event and quarantines the record it cannot apply", async () => {
  vi.spyOn(console, "warn").mockImplementation(() => {});
  const event = {
    Records: [
      streamRecord({
        eventName: "INSERT",
        sequenceNumber: "100",
        newImage: scoreItem("r1", "kim", 12),
      }),
      streamRecord({
        eventName: "INSERT",
        sequenceNumber: "101",
        newImage: { ...scoreItem("r2", "kim", 0), Score: "twelve" },
      }),
      streamRecord({
        eventName: "INSERT",
        sequenceNumber: "102",
        newImage: scoreItem("r3", "kim", 30),
      }),
    ],
  };
  const response = await handler(event);
  // Nothing for Lambda to retry: the bad record is in the quarantine, with its reason.
  expect(response).toEqual({ batchItemFailures: [] });
  expect(await listQuarantine({ limit: 10 })).toEqual([
    expect.objectContaining({
      sequenceNumber: "101",
      recordId: "r2",
      reason: expect.stringContaining("Score") as string,
    }),
  ]);
  expect(await readAggregateItem({ playerName: "kim", period: "ALL" })).toMatchObject({
    TotalScore: 42,
    GamesPlayed: 2,
    BestScore: 30,
  });
});
