import type { ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import { itemSize, sameItem, type Item } from "./item-size.ts";
import type { IndexShape, TableShape } from "./table-catalog.ts";

/**
 * Consumed capacity as DynamoDB bills it, for the table and for each secondary index. dynalite
 * counts neither index writes nor transactions, so the engine computes every figure here.
 * Rules: "Managing settings on DynamoDB provisioned capacity tables" (read/write capacity unit
 * consumption), "Provisioned throughput considerations for global secondary indexes" and
 * "Amazon DynamoDB Transactions: how it works" (capacity management for transactions).
 */

/** Capacity units of one operation: the base table's and each index's, by index name. */
export interface Units {
  table: number;
  indexes: Record<string, number>;
}

export type CapacityKind = "read" | "write";
export type ConsumedCapacityMode = "TOTAL" | "INDEXES";

const WRITE_UNIT_BYTES = 1024;
const READ_UNIT_BYTES = 4 * 1024;

const writeBlocks = (size: number) => Math.max(1, Math.ceil(size / WRITE_UNIT_BYTES));

/**
 * The write units of one item write, from the item before and after it (undefined: absent).
 *
 * Table: the larger of the two sizes, rounded up to 1 KB, at least 1 — a delete of a missing
 * item, a put that changes nothing and a failed conditional write (pass the existing item as both
 * images, or nothing) still cost a unit. A transactional write costs twice: DynamoDB performs two
 * underlying writes of every item, one to prepare and one to commit.
 *
 * Indexes (GSIs and LSIs alike): the item entering the index is one put of its index entry, leaving
 * it one delete, a changed index key a delete plus a put; a change to projected attributes only is
 * one write of the larger entry; no change to what the index holds, or an item the index does not
 * hold (sparse: it lacks an index key attribute), costs the index nothing. Each such write is
 * rounded up to 1 KB of the index entry (table key, index key and projected attributes).
 *
 * Index writes are NOT doubled for transactional writes: the prepare/commit pair is on the items
 * of the transaction; "changes made with transactions are propagated to global secondary indexes
 * (GSIs) ... eventually, after the transaction completes successfully", by the same asynchronous
 * propagation as any other write, which bills the index once.
 */
export function writeUnits(
  table: TableShape,
  oldImage: Item | undefined,
  newImage: Item | undefined,
  options: { transactional?: boolean } = {},
): Units {
  const size = Math.max(itemSize(oldImage), itemSize(newImage));
  const units: Units = {
    table: writeBlocks(size) * (options.transactional ? 2 : 1),
    indexes: {},
  };
  for (const index of table.indexes) {
    const indexUnits = indexWriteUnits(table, index, oldImage, newImage);
    if (indexUnits > 0) units.indexes[index.name] = indexUnits;
  }
  return units;
}

function indexWriteUnits(
  table: TableShape,
  index: IndexShape,
  oldImage: Item | undefined,
  newImage: Item | undefined,
): number {
  const before = indexEntry(table, index, oldImage);
  const after = indexEntry(table, index, newImage);
  if (!before && !after) return 0;
  if (!before) return writeBlocks(itemSize(after));
  if (!after) return writeBlocks(itemSize(before));
  const keyChanged = index.keySchema.some(
    ({ AttributeName: name }) => name && !sameItem({ v: before[name]! }, { v: after[name]! }),
  );
  if (keyChanged) return writeBlocks(itemSize(before)) + writeBlocks(itemSize(after));
  if (sameItem(before, after)) return 0;
  return writeBlocks(Math.max(itemSize(before), itemSize(after)));
}

/**
 * What an index holds of an item: undefined when the item lacks an index key attribute (a sparse
 * index), else the table and index keys plus the projected attributes.
 */
export function indexEntry(
  table: Pick<TableShape, "keySchema">,
  index: IndexShape,
  item: Item | undefined,
): Item | undefined {
  if (!item) return undefined;
  if (index.keySchema.some(({ AttributeName: name }) => !name || item[name] === undefined)) {
    return undefined;
  }
  const type = index.projection.ProjectionType ?? "ALL";
  if (type === "ALL") return item;
  const names = [...table.keySchema, ...index.keySchema].map((k) => k.AttributeName!);
  if (type === "INCLUDE") names.push(...(index.projection.NonKeyAttributes ?? []));
  const entry: Item = {};
  for (const name of names) {
    const value = item[name];
    if (value !== undefined) entry[name] = value;
  }
  return entry;
}

/**
 * The read units of reading `sizeBytes`, rounded up to 4 KB once: per item for GetItem and for
 * each item of BatchGetItem; for a Query or Scan page, the total size of the items read (before
 * any filter or projection: "DynamoDB considers the size of the items that are evaluated").
 * A strongly consistent read costs 1 unit per 4 KB, an eventually consistent one half, a
 * transactional one 2; a read of nothing (a missing item, an empty page) still costs the minimum:
 * 0.5, 1 or 2 units. A read on an index (Query or Scan with IndexName) is charged to that index,
 * by the size of its entries.
 */
export function readUnits(
  table: TableShape,
  sizeBytes: number,
  options: { consistent: boolean; transactional?: boolean; index?: string },
): Units {
  const blocks = Math.max(1, Math.ceil(sizeBytes / READ_UNIT_BYTES));
  const units = options.transactional ? blocks * 2 : options.consistent ? blocks : blocks / 2;
  if (options.index && table.indexes.some((i) => i.name === options.index)) {
    return { table: 0, indexes: { [options.index]: units } };
  }
  return { table: units, indexes: {} };
}

/** The sum of two operations' units (a batch's items on one table, say). */
export function addUnits(a: Units, b: Units): Units {
  const indexes = { ...a.indexes };
  for (const [name, units] of Object.entries(b.indexes))
    indexes[name] = (indexes[name] ?? 0) + units;
  return { table: a.table + b.table, indexes };
}

export const totalOf = (units: Units) =>
  Object.values(units.indexes).reduce((sum, u) => sum + u, units.table);

/** The ReturnConsumedCapacity a request asked for; NONE or absent → undefined (no field). */
export function consumedCapacityMode(value: unknown): ConsumedCapacityMode | undefined {
  return value === "TOTAL" || value === "INDEXES" ? value : undefined;
}

/**
 * AWS's `ConsumedCapacity` for one table. TOTAL: the table name and the operation's total units;
 * INDEXES: also `Table` and, for each index the operation touched, `GlobalSecondaryIndexes` or
 * `LocalSecondaryIndexes`. Pass the table's shape to tell LSIs from GSIs (without it every index
 * is reported as global).
 */
export function consumedCapacity(
  tableName: string,
  units: Units,
  mode: ConsumedCapacityMode,
  kind: CapacityKind,
  table?: Pick<TableShape, "indexes">,
): ConsumedCapacity {
  const field = kind === "read" ? "ReadCapacityUnits" : "WriteCapacityUnits";
  const capacity = (n: number) => ({ CapacityUnits: n, [field]: n });
  const result: ConsumedCapacity = { TableName: tableName, ...capacity(totalOf(units)) };
  if (mode === "INDEXES") {
    result.Table = capacity(units.table);
    for (const [name, n] of Object.entries(units.indexes)) {
      const local = table?.indexes.some((i) => i.name === name && i.kind === "local");
      const key = local ? "LocalSecondaryIndexes" : "GlobalSecondaryIndexes";
      (result[key] ??= {})[name] = capacity(n);
    }
  }
  return result;
}

export type CapacityUsage = Record<
  string,
  {
    /** Every read unit billed for the table, its indexes' included (ConsumedCapacity's total). */
    readUnits: number;
    /** Every write unit billed for the table, its indexes' included. */
    writeUnits: number;
    /** API calls that read this table (a BatchGetItem of 5 items on it counts 1). */
    readRequests: number;
    /** API calls that wrote this table (a BatchWriteItem of 25 items on it counts 1). */
    writeRequests: number;
    /** Each index's share of readUnits / writeUnits. */
    indexes: Record<string, { readUnits: number; writeUnits: number }>;
  }
>;

/**
 * What the engine has billed, per table, since it started or was last reset. Record once per API
 * call and table (sum a batch's items on a table with `addUnits` first): each call counts as one
 * request.
 */
export class CapacityMeter {
  private usage: CapacityUsage = {};

  record(tableName: string, kind: CapacityKind, units: Units): void {
    const entry = (this.usage[tableName] ??= {
      readUnits: 0,
      writeUnits: 0,
      readRequests: 0,
      writeRequests: 0,
      indexes: {},
    });
    const total = totalOf(units);
    if (kind === "read") {
      entry.readUnits += total;
      entry.readRequests++;
    } else {
      entry.writeUnits += total;
      entry.writeRequests++;
    }
    for (const [name, n] of Object.entries(units.indexes)) {
      const index = (entry.indexes[name] ??= { readUnits: 0, writeUnits: 0 });
      if (kind === "read") index.readUnits += n;
      else index.writeUnits += n;
    }
  }

  snapshot(): CapacityUsage {
    return structuredClone(this.usage);
  }

  reset(): void {
    this.usage = {};
  }
}
