import type { InspectorRecord, StreamPage } from "@streamboard/core/contract";
import { describe, expect, test } from "vitest";
import { countNew, windowOf, withNewer, withOlder } from "./stream-window";

const record = (n: number): InspectorRecord => ({
  logId: `log-${n}`,
  eventID: `event-${n}`,
  eventName: "INSERT",
  sequenceNumber: String(1000 + n),
  approximateCreationDateTime: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  recordId: `R${n}`,
  keys: { RecordID: { S: `R${n}` } },
  sizeBytes: 10,
  streamViewType: "NEW_AND_OLD_IMAGES",
  loggedAt: "2026-01-01T00:00:00.000Z",
});
/** Records n..m, newest first, as a page. */
const page = (from: number, to: number, fields: Partial<StreamPage> = {}): StreamPage => ({
  records: Array.from({ length: to - from + 1 }, (_, i) => record(to - i)),
  cursor: `after-${to}`,
  before: from > 0 ? `before-${from}` : undefined,
  newer: false,
  scanned: to - from + 1,
  ...fields,
});
const ids = (w: { records: InspectorRecord[] }) => w.records.map((r) => r.eventID.slice(6));

describe("the inspector's window", () => {
  test("newer pages go on top, older at the bottom, each record once", () => {
    let w = windowOf(page(10, 14), 100);
    w = withNewer(w, page(14, 16), 100); // 14 again (a retried poll)
    w = withOlder(w, page(8, 10)); // 10 again
    expect(ids(w)).toEqual(["16", "15", "14", "13", "12", "11", "10", "9", "8"]);
    expect(w.cursor).toBe("after-16");
    expect(w.before).toBe("before-8");
  });

  test("a late entry a tail hands back after newer ones takes its place in stream order", () => {
    let w = windowOf(page(10, 12), 100);
    w = withNewer(w, page(14, 15), 100);
    // 13 was logged late: the tail returns it in a later page than 14 and 15.
    w = withNewer(w, { ...page(13, 13), before: undefined }, 100);
    expect(ids(w)).toEqual(["15", "14", "13", "12", "11", "10"]);
    // Same second: the sequence number decides, as a number ("999" < "1000").
    const sameSecond = (id: string, sequenceNumber: string) => ({
      ...record(20),
      eventID: `event-${id}`,
      sequenceNumber,
    });
    const v = windowOf({ ...page(0, -1), records: [sameSecond("a", "999")] }, 10);
    const both = withNewer(v, { ...page(0, -1), records: [sameSecond("b", "1000")] }, 10);
    expect(ids(both)).toEqual(["b", "a"]);
  });

  test("the start of the log: an older page without `before`", () => {
    let w = windowOf(page(3, 5), 100);
    expect(w.before).toBe("before-3");
    w = withOlder(w, page(0, 2));
    expect(w.before).toBeUndefined();
    expect(ids(w)).toEqual(["5", "4", "3", "2", "1", "0"]);
  });

  test("over the cap, whole pages go from the old end and `before` continues where it now starts", () => {
    let w = windowOf(page(10, 14), 8);
    w = withNewer(w, page(15, 17), 8);
    expect(w.records).toHaveLength(8);
    w = withNewer(w, page(18, 19), 8);
    expect(ids(w)).toEqual(["19", "18", "17", "16", "15"]);
    expect(w.trimmed).toBe(true);
    expect(w.before).toBe("before-15");
  });

  test("an empty page moves the cursor and adds nothing; `newer` follows the last page", () => {
    const w = withNewer(windowOf(page(1, 2), 10), page(3, 2, { cursor: "c", newer: true }), 10);
    expect(ids(w)).toEqual(["2", "1"]);
    expect(w.cursor).toBe("c");
    expect(w.newer).toBe(true);
  });

  test("an idle poll (nothing new, same cursor) keeps the very same window: nothing re-renders", () => {
    const w = windowOf(page(1, 2), 10);
    expect(withNewer(w, page(3, 2, { cursor: w.cursor! }), 10)).toBe(w);
  });

  test("countNew counts what the window does not hold, once", () => {
    const w = windowOf(page(1, 3), 10);
    expect(countNew(w, [...page(2, 5).records, record(5)])).toBe(2);
  });
});
