import type { KeySchemaElement, Projection, TableDescription } from "@aws-sdk/client-dynamodb";
import type { DynaliteBackend } from "./dynalite-backend.ts";
import type { Item } from "./item-size.ts";

/** What the engine's layers need to know of a table: its keys and its indexes' projections. */
export interface TableShape {
  tableName: string;
  tableArn: string;
  keySchema: KeySchemaElement[];
  indexes: IndexShape[];
}

export interface IndexShape {
  name: string;
  kind: "global" | "local";
  keySchema: KeySchemaElement[];
  projection: Projection;
}

/** `arn:aws:dynamodb:<region>:<account>:table/<name>`: AWS accepts one wherever it takes a name. */
const TABLE_ARN = /^arn:aws[a-z-]*:dynamodb:[^:]*:[^:]*:table\/([A-Za-z0-9_.-]{3,255})$/;

/** The table name in a `TableName` parameter that may be a table ARN. */
export function tableNameOf(nameOrArn: string): string {
  return TABLE_ARN.exec(nameOrArn)?.[1] ?? nameOrArn;
}

/**
 * Table descriptions, read from dynalite once and kept until the table changes. Every layer that
 * needs a table's keys or indexes (locks, transactions, consumed capacity, TTL) asks here, so a
 * write costs no extra DescribeTable. The proxy calls `invalidate` after CreateTable, UpdateTable
 * and DeleteTable.
 */
export class TableCatalog {
  private readonly shapes = new Map<string, Promise<TableShape | undefined>>();

  constructor(private readonly backend: DynaliteBackend) {}

  shape(tableName: string): Promise<TableShape | undefined> {
    let shape = this.shapes.get(tableName);
    if (!shape) {
      shape = this.describe(tableName);
      this.shapes.set(tableName, shape);
      // An unknown table may be created later: do not remember its absence.
      void shape.then((s) => s === undefined && this.shapes.delete(tableName));
    }
    return shape;
  }

  invalidate(tableName: string): void {
    this.shapes.delete(tableName);
  }

  private async describe(tableName: string): Promise<TableShape | undefined> {
    const result = await this.backend.call<{ Table?: TableDescription }>("DescribeTable", {
      TableName: tableName,
    });
    if (!result.ok || !result.data.Table) return undefined;
    return toTableShape(result.data.Table);
  }
}

export function toTableShape(table: TableDescription): TableShape {
  return {
    tableName: table.TableName!,
    tableArn: table.TableArn!,
    keySchema: table.KeySchema ?? [],
    indexes: [
      ...(table.GlobalSecondaryIndexes ?? []).map((index) => ({
        name: index.IndexName!,
        kind: "global" as const,
        keySchema: index.KeySchema ?? [],
        projection: index.Projection ?? { ProjectionType: "ALL" },
      })),
      ...(table.LocalSecondaryIndexes ?? []).map((index) => ({
        name: index.IndexName!,
        kind: "local" as const,
        keySchema: index.KeySchema ?? [],
        projection: index.Projection ?? { ProjectionType: "ALL" },
      })),
    ],
  };
}

/** The primary key of an item (or of a `Key` parameter), by the table's key schema. */
export function keyOf(table: Pick<TableShape, "keySchema">, item: Item): Item {
  const key: Item = {};
  for (const { AttributeName } of table.keySchema) {
    const value = AttributeName ? item[AttributeName] : undefined;
    if (AttributeName && value) key[AttributeName] = value;
  }
  return key;
}

/** The lock name of one item: the same for every layer that serialises writes to it. */
export const lockKeyOf = (tableName: string, key: Item) =>
  `${tableName}\u0000${JSON.stringify(
    Object.fromEntries(Object.entries(key).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  )}`;
