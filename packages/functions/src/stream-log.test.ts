import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient, tableName } from "@streamboard/core/infra";
import { logKeyOf, minuteOf, readMetrics } from "@streamboard/core/stream";
import { scoreItem, streamRecord } from "@streamboard/core/testing";
import { startTestEngine } from "@streamboard/local/testing";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { handler } from "./stream-log.ts";

let engine: Awaited<ReturnType<typeof startTestEngine>>;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(() => engine.close());

test("logs a Lambda stream event, skips what is not a stream record, counts the batch", async () => {
  vi.spyOn(console, "warn").mockImplementation(() => {});
  const insert = streamRecord({
    eventName: "INSERT",
    sequenceNumber: "100",
    newImage: scoreItem("r1", "Kim", 12),
  });
  const remove = streamRecord({
    eventName: "REMOVE",
    sequenceNumber: "101",
    oldImage: scoreItem("r1", "Kim", 12),
  });
  const odd = { ...insert, eventID: "odd", eventName: "UNKNOWN" } as unknown as typeof insert;
  const before = Date.now();
  expect(await handler({ Records: [insert, odd, remove] })).toEqual({ batchItemFailures: [] });
  for (const record of [insert, remove]) {
    const { Item } = await documentClient().send(
      new GetCommand({ TableName: tableName("StreamLog"), Key: logKeyOf(record) }),
    );
    expect(Item).toMatchObject({ EventName: record.eventName, RecordID: "r1", PlayerKey: "kim" });
  }
  const minutes = (await readMetrics({ minutes: 2 })).subscribers["stream-log"]!;
  expect(minutes.map((m) => m.minute)).toContain(minuteOf(before));
  expect(minutes.reduce((sum, m) => sum + m.records, 0)).toBe(3);
  expect(minutes.reduce((sum, m) => sum + m.inserts + m.removes, 0)).toBe(2);
});
