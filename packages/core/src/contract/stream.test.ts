import { describe, expect, test } from "vitest";
import { toRawItem } from "../stream/reader.ts";
import { InspectorRecord, RawAttributeValue, RawItem } from "./stream.ts";

describe("RawAttributeValue", () => {
  test("what the stream decoder writes is what the schema reads, nested and binary included", () => {
    const raw = toRawItem({
      S: { S: "text" },
      N: { N: "999" },
      B: { B: new Uint8Array([1, 2, 3]) },
      BOOL: { BOOL: false },
      NULL: { NULL: true },
      SS: { SS: ["a", "b"] },
      NS: { NS: ["1", "2"] },
      BS: { BS: [new Uint8Array([255])] },
      L: { L: [{ N: "1" }, { M: { deep: { L: [{ S: "x" }] } } }] },
      M: { M: { inner: { BOOL: true } } },
    });
    expect(RawItem.parse(raw)).toEqual(raw);
    expect(raw.B).toEqual({ B: "AQID" });
  });

  // prettier-ignore
  test.each([
    { name: "two tags", value: { S: "a", N: "1" } },
    { name: "a number as N", value: { N: 1 } },
    { name: "NULL false", value: { NULL: false } },
    { name: "an unknown tag", value: { X: "a" } },
    { name: "a bad value deep in a list", value: { L: [{ M: { a: { S: 1 } } }] } },
  ])("refuses $name", ({ value }) => {
    expect(RawAttributeValue.safeParse(value).success).toBe(false);
  });
});

test("InspectorRecord: images are optional, the event name is one of three", () => {
  const record = {
    logId: "bG9n",
    eventID: "e1",
    eventName: "REMOVE",
    sequenceNumber: "100",
    shardId: "shardId-1",
    approximateCreationDateTime: "2026-01-01T00:00:00.000Z",
    recordId: "r1",
    keys: { RecordID: { S: "r1" } },
    oldImage: { RecordID: { S: "r1" }, Score: { N: "5" } },
    sizeBytes: 40,
    streamViewType: "NEW_AND_OLD_IMAGES",
    loggedAt: "2026-01-01T00:00:01.000Z",
  };
  expect(InspectorRecord.parse(record)).toEqual(record);
  expect(InspectorRecord.safeParse({ ...record, eventName: "UPSERT" }).success).toBe(false);
});
