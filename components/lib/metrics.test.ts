import type { StreamMetricsPage, SubscriberMinute } from "@streamboard/core/contract";
import { describe, expect, test } from "vitest";
import { countingSubscriber, eventRates, iteratorAges, lastMinutes } from "./metrics";

const minute = (key: string, fields: Partial<SubscriberMinute> = {}): SubscriberMinute => ({
  minute: key,
  records: 0,
  batches: 1,
  inserts: 0,
  modifies: 0,
  removes: 0,
  maxIteratorAgeMs: 0,
  ...fields,
});

describe("the inspector's metrics charts", () => {
  const now = Date.parse("2026-12-02T10:03:30Z");

  test("one slot per minute up to now, oldest first", () => {
    expect(lastMinutes(now, 3)).toEqual([
      "2026-12-02T10:01",
      "2026-12-02T10:02",
      "2026-12-02T10:03",
    ]);
  });

  test("events per second by type; minutes without batches are zeros", () => {
    const rates = eventRates(
      [minute("2026-12-02T10:02", { records: 150, inserts: 120, modifies: 24, removes: 6 })],
      lastMinutes(now, 2),
    );
    expect(rates).toEqual([
      { minute: "2026-12-02T10:02", INSERT: 2, MODIFY: 0.4, REMOVE: 0.1 },
      { minute: "2026-12-02T10:03", INSERT: 0, MODIFY: 0, REMOVE: 0 },
    ]);
  });

  test("iterator ages per subscriber (null where it had no batch); the log counts events", () => {
    const page: StreamMetricsPage = {
      generatedAt: "2026-12-02T10:03:30Z",
      subscribers: {
        aggregator: [minute("2026-12-02T10:03", { maxIteratorAgeMs: 250 })],
        "stream-log": [minute("2026-12-02T10:02", { maxIteratorAgeMs: 40 })],
      },
    };
    expect(countingSubscriber(page)).toBe("stream-log");
    expect(iteratorAges(page, lastMinutes(now, 2))).toEqual({
      names: ["aggregator", "stream-log"],
      rows: [
        { minute: "2026-12-02T10:02", aggregator: null, "stream-log": 40 },
        { minute: "2026-12-02T10:03", aggregator: 250, "stream-log": null },
      ],
    });
  });
});
