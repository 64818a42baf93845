// Pure unit tests of the billing rules; capacity.test.ts checks them through the SDK.
import { describe, expect, it } from "vitest";
import {
  CapacityMeter,
  addUnits,
  consumedCapacity,
  readUnits,
  writeUnits,
  type Units,
} from "./capacity.ts";
import { itemSize, type Item } from "./item-size.ts";
import type { IndexShape, TableShape } from "./table-catalog.ts";

const index = (
  name: string,
  projection: IndexShape["projection"],
  kind: IndexShape["kind"] = "global",
): IndexShape => ({
  name,
  kind,
  keySchema: [
    { AttributeName: "g", KeyType: "HASH" },
    { AttributeName: "s", KeyType: "RANGE" },
  ],
  projection,
});

const table = (...indexes: IndexShape[]): TableShape => ({
  tableName: "T",
  tableArn: "arn:aws:dynamodb:us-east-1:000000000000:table/T",
  keySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
  indexes,
});

/** An item of exactly `size` bytes (names plus values), with extra attributes. */
function sized(size: number, extra: Item = {}): Item {
  const base: Item = { pk: { S: "k" }, ...extra, pad: { S: "" } };
  const pad = size - itemSize(base);
  if (pad < 0) throw new Error(`cannot make an item of ${size} bytes`);
  return { ...base, pad: { S: "x".repeat(pad) } };
}

const ALL = index("all", { ProjectionType: "ALL" });
const KEYS = index("keys", { ProjectionType: "KEYS_ONLY" });
const INCLUDE = index("incl", { ProjectionType: "INCLUDE", NonKeyAttributes: ["p"] });

describe("writeUnits: the table", () => {
  it.each([
    [10, 1],
    [1024, 1],
    [1025, 2],
    [2048, 2],
    [2049, 3],
  ])("an item of %i bytes costs %i", (size, units) => {
    expect(writeUnits(table(), undefined, sized(size)).table).toBe(units);
  });

  it("takes the larger of the old and new images", () => {
    expect(writeUnits(table(), sized(3000), sized(100)).table).toBe(3);
    expect(writeUnits(table(), sized(100), sized(3000)).table).toBe(3);
  });

  it("costs 1 for a delete of a missing item or a failed condition on a new one", () => {
    expect(writeUnits(table(), undefined, undefined)).toEqual({ table: 1, indexes: {} });
  });

  it("doubles a transactional write on the table, not on its indexes", () => {
    const item = sized(1500, { g: { S: "a" }, s: { N: "1" } });
    expect(writeUnits(table(ALL), undefined, item, { transactional: true })).toEqual({
      table: 4,
      indexes: { all: 2 },
    });
  });
});

describe("writeUnits: indexes", () => {
  const t = table(ALL, KEYS, INCLUDE);
  const keys = { g: { S: "a" }, s: { N: "1" } };

  it("an item entering every index: one put of each entry, by the entry's size", () => {
    const item = sized(2500, { ...keys, p: { S: "p" }, q: { S: "q" } });
    expect(writeUnits(t, undefined, item)).toEqual({
      table: 3,
      indexes: { all: 3, keys: 1, incl: 1 },
    });
  });

  it("an item leaving them: one delete each", () => {
    const item = sized(100, { ...keys, p: { S: "p" } });
    expect(writeUnits(t, item, undefined).indexes).toEqual({ all: 1, keys: 1, incl: 1 });
  });

  it("losing an index key attribute is a delete from that index", () => {
    const before = sized(100, { ...keys, p: { S: "p" } });
    const after: Item = { ...before };
    delete after.s;
    expect(writeUnits(t, before, after).indexes).toEqual({ all: 1, keys: 1, incl: 1 });
  });

  it("a changed index key: a delete plus a put", () => {
    const before = sized(100, { ...keys, p: { S: "p" } });
    const after = { ...before, s: { N: "2" } };
    expect(writeUnits(t, before, after).indexes).toEqual({ all: 2, keys: 2, incl: 2 });
  });

  it("a projected attribute changed: one write where it is projected, none elsewhere", () => {
    const before = sized(100, { ...keys, p: { S: "p" } });
    expect(writeUnits(t, before, { ...before, p: { S: "P" } }).indexes).toEqual({
      all: 1,
      incl: 1,
    });
    expect(writeUnits(t, before, { ...before, q: { S: "new" } }).indexes).toEqual({ all: 1 });
  });

  it("nothing the indexes hold changed: 0", () => {
    const before = sized(100, { ...keys, p: { S: "p" } });
    expect(writeUnits(t, before, { ...before }).indexes).toEqual({});
  });

  it("sparse: an item without the index key costs the index nothing", () => {
    expect(writeUnits(t, undefined, sized(100, { g: { S: "a" } })).indexes).toEqual({});
    expect(writeUnits(t, sized(100), sized(200)).indexes).toEqual({});
  });

  it("an index entry over 1 KB costs more than one unit", () => {
    const item = sized(1500, { ...keys, p: { S: "p".repeat(1100) } });
    expect(writeUnits(t, undefined, item).indexes).toEqual({ all: 2, keys: 1, incl: 2 });
  });
});

describe("readUnits", () => {
  const t = table(ALL);
  it.each([
    [0, true, 1],
    [0, false, 0.5],
    [4096, true, 1],
    [4097, true, 2],
    [4097, false, 1],
    [8193, false, 1.5],
  ])("%i bytes, consistent %s: %d", (size, consistent, units) => {
    expect(readUnits(t, size, { consistent })).toEqual({ table: units, indexes: {} });
  });

  it("transactional reads cost 2 per 4 KB, at least 2", () => {
    expect(readUnits(t, 0, { consistent: false, transactional: true }).table).toBe(2);
    expect(readUnits(t, 5000, { consistent: true, transactional: true }).table).toBe(4);
  });

  it("charges a read on an index to that index", () => {
    expect(readUnits(t, 9000, { consistent: false, index: "all" })).toEqual({
      table: 0,
      indexes: { all: 1.5 },
    });
  });
});

describe("consumedCapacity", () => {
  const units: Units = { table: 2, indexes: { g: 1, l: 3 } };
  const shape = {
    indexes: [
      index("g", { ProjectionType: "ALL" }),
      index("l", { ProjectionType: "ALL" }, "local"),
    ],
  };

  it("TOTAL: the table name and the total", () => {
    expect(consumedCapacity("T", units, "TOTAL", "write", shape)).toEqual({
      TableName: "T",
      CapacityUnits: 6,
      WriteCapacityUnits: 6,
    });
  });

  it("INDEXES: the table and each index, global and local apart", () => {
    expect(consumedCapacity("T", units, "INDEXES", "read", shape)).toEqual({
      TableName: "T",
      CapacityUnits: 6,
      ReadCapacityUnits: 6,
      Table: { CapacityUnits: 2, ReadCapacityUnits: 2 },
      GlobalSecondaryIndexes: { g: { CapacityUnits: 1, ReadCapacityUnits: 1 } },
      LocalSecondaryIndexes: { l: { CapacityUnits: 3, ReadCapacityUnits: 3 } },
    });
  });
});

describe("CapacityMeter", () => {
  it("sums units and counts requests per table, and resets", () => {
    const meter = new CapacityMeter();
    meter.record(
      "A",
      "write",
      addUnits({ table: 1, indexes: { i: 1 } }, { table: 2, indexes: {} }),
    );
    meter.record("A", "read", { table: 0.5, indexes: {} });
    meter.record("A", "read", { table: 0, indexes: { i: 1.5 } });
    meter.record("B", "write", { table: 1, indexes: {} });
    expect(meter.snapshot()).toEqual({
      A: {
        readUnits: 2,
        writeUnits: 4,
        readRequests: 2,
        writeRequests: 1,
        indexes: { i: { readUnits: 1.5, writeUnits: 1 } },
      },
      B: { readUnits: 0, writeUnits: 1, readRequests: 0, writeRequests: 1, indexes: {} },
    });
    const snapshot = meter.snapshot();
    meter.reset();
    expect(meter.snapshot()).toEqual({});
    expect(snapshot.A?.writeUnits).toBe(4);
  });
});
