import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { startTestEngine } from "@streamboard/local/testing";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { documentClient } from "../infra/clients.ts";
import { tableName } from "../infra/resource.ts";
import { scoreItem, streamRecord } from "../testing/testing.ts";
import { batchCounts, MetricsQuery, minuteOf, readMetrics, recordBatchMetrics } from "./metrics.ts";

// Integration: the real StreamMetrics table on the engine.

let engine: Awaited<ReturnType<typeof startTestEngine>>;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(() => engine.close());

const T0 = Date.parse("2026-03-01T10:00:00.000Z");
const at = (ms: number) => Math.floor(ms / 1000);
const batch = (ages: { eventName: "INSERT" | "MODIFY" | "REMOVE"; createdMs: number }[]) =>
  ages.map(({ eventName, createdMs }, i) =>
    streamRecord({
      eventName,
      sequenceNumber: String(1000 + i),
      approximateTime: at(createdMs),
      ...(eventName === "INSERT" ? {} : { oldImage: scoreItem(`m${i}`, "Mia", 1) }),
      ...(eventName === "REMOVE" ? {} : { newImage: scoreItem(`m${i}`, "Mia", 2) }),
    }),
  );

describe("per-minute stream metrics", () => {
  test("a batch's counts and iterator age (now − its oldest record)", () => {
    const records = batch([
      { eventName: "INSERT", createdMs: T0 - 4000 },
      { eventName: "MODIFY", createdMs: T0 - 9000 },
      { eventName: "REMOVE", createdMs: T0 - 1000 },
      { eventName: "INSERT", createdMs: T0 },
    ]);
    expect(batchCounts(records, T0)).toEqual({
      records: 4,
      inserts: 2,
      modifies: 1,
      removes: 1,
      iteratorAgeMs: 9000,
    });
  });

  test("batches add up in their minute; the maximum age is kept, never lowered", async () => {
    const minute = T0 + 5 * 60_000;
    await recordBatchMetrics(
      "aggregator",
      batch([
        { eventName: "INSERT", createdMs: minute - 2000 },
        { eventName: "MODIFY", createdMs: minute - 1000 },
      ]),
      minute,
    );
    await recordBatchMetrics(
      "aggregator",
      batch([{ eventName: "INSERT", createdMs: minute - 7000 }]),
      minute + 10_000,
    );
    // A younger batch later in the minute does not lower the maximum.
    await recordBatchMetrics(
      "aggregator",
      batch([{ eventName: "REMOVE", createdMs: minute + 19_000 }]),
      minute + 20_000,
    );
    // Another subscriber, the next minute: kept apart.
    await recordBatchMetrics(
      "stream-log",
      batch([{ eventName: "INSERT", createdMs: minute + 59_000 }]),
      minute + 61_000,
    );
    const item = (
      await documentClient().send(
        new GetCommand({
          TableName: tableName("StreamMetrics"),
          Key: { Subscriber: "aggregator", Minute: minuteOf(minute) },
        }),
      )
    ).Item;
    expect(item).toMatchObject({
      Records: 4,
      Batches: 3,
      Inserts: 2,
      Modifies: 1,
      Removes: 1,
      MaxIteratorAgeMs: 17_000,
      ExpiresAt: at(minute) + 2 * 86_400,
    });

    const page = await readMetrics({ minutes: 10 }, minute + 61_000);
    expect(page.subscribers).toEqual({
      aggregator: [
        {
          minute: "2026-03-01T10:05",
          records: 4,
          batches: 3,
          inserts: 2,
          modifies: 1,
          removes: 1,
          maxIteratorAgeMs: 17_000,
        },
      ],
      "stream-log": [
        {
          minute: "2026-03-01T10:06",
          records: 1,
          batches: 1,
          inserts: 1,
          modifies: 0,
          removes: 0,
          maxIteratorAgeMs: 2000,
        },
      ],
    });
    // The window: one minute back is only the current minute.
    expect((await readMetrics({ minutes: 1 }, minute + 61_000)).subscribers.aggregator).toEqual([]);
  });

  test("concurrent batches of one minute: every count in, the largest age wins", async () => {
    const minute = T0 + 30 * 60_000;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        recordBatchMetrics(
          "stream-log",
          batch([{ eventName: "INSERT", createdMs: minute - i * 1000 }]),
          minute + 500,
        ),
      ),
    );
    const [row] = (await readMetrics({ minutes: 1 }, minute + 500)).subscribers["stream-log"]!;
    expect(row).toMatchObject({ records: 20, batches: 20, inserts: 20, maxIteratorAgeMs: 19_500 });
  });

  test("a metrics write that fails is logged, never thrown", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const endpoint = process.env.DYNAMODB_ENDPOINT;
    process.env.DYNAMODB_ENDPOINT = "http://127.0.0.1:9";
    try {
      await expect(
        recordBatchMetrics("aggregator", batch([{ eventName: "INSERT", createdMs: T0 }]), T0),
      ).resolves.toBeUndefined();
    } finally {
      process.env.DYNAMODB_ENDPOINT = endpoint;
    }
    expect(error).toHaveBeenCalledWith(
      expect.stringContaining("could not record"),
      expect.anything(),
    );
    error.mockRestore();
  });

  test("?minutes= is 1 … 1440, 60 by default", () => {
    expect(MetricsQuery.parse({})).toEqual({ minutes: 60 });
    expect(MetricsQuery.parse({ minutes: "1440" })).toEqual({ minutes: 1440 });
    for (const bad of ["0", "1441", "1.5", "abc", "-3"]) {
      expect(MetricsQuery.safeParse({ minutes: bad }).success).toBe(false);
    }
  });
});
