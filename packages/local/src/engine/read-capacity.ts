import type { ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import {
  addUnits,
  consumedCapacity,
  consumedCapacityMode,
  readUnits,
  type CapacityMeter,
  type Units,
} from "./capacity.ts";
import type { BackendResponse } from "./dynalite-backend.ts";
import { itemSize, type Item } from "./item-size.ts";
import { tableNameOf, type TableCatalog, type TableShape } from "./table-catalog.ts";

type Body = Record<string, unknown>;
export type ReadTarget = "GetItem" | "BatchGetItem" | "Query" | "Scan";

interface DynaliteCapacity {
  CapacityUnits?: number;
  TableName?: string;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
  LocalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

interface ReadOutput {
  Item?: Item;
  Items?: Item[];
  Responses?: Record<string, Item[]>;
  UnprocessedKeys?: Record<string, { Keys?: unknown[] }>;
  ConsumedCapacity?: DynaliteCapacity | DynaliteCapacity[] | ConsumedCapacity | ConsumedCapacity[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Meters a read and answers ReturnConsumedCapacity with AWS's figures. When dynalite returns the
 * whole items read (no projection, no filter, no COUNT, no LSI fetch), their sizes are measured
 * here with the engine's sizing rules. Otherwise the items read are not all in the answer, and
 * the size comes from dynalite's own ConsumedCapacity for the same call (it sums the items it
 * evaluated before filtering, and index entries for an index): no extra call either way.
 */
export async function meteredRead(
  target: ReadTarget,
  body: Body,
  rawBody: string,
  send: (body: string) => Promise<BackendResponse>,
  catalog: TableCatalog,
  meter: CapacityMeter,
): Promise<BackendResponse> {
  const tableNames =
    target === "BatchGetItem"
      ? isObject(body.RequestItems)
        ? Object.keys(body.RequestItems)
        : []
      : typeof body.TableName === "string"
        ? [body.TableName]
        : [];
  const shapes = await Promise.all(tableNames.map((name) => catalog.shape(tableNameOf(name))));
  if (tableNames.length === 0 || shapes.some((s) => !s)) return send(rawBody);

  const mode = consumedCapacityMode(body.ReturnConsumedCapacity);
  const needDynalite = tableNames.some((name) => !returnsWholeItems(target, body, name, shapes));
  const request =
    needDynalite && body.ReturnConsumedCapacity !== "INDEXES"
      ? JSON.stringify({ ...body, ReturnConsumedCapacity: "INDEXES" })
      : rawBody;
  const response = await send(request);
  if (response.statusCode !== 200) return response;

  const output = JSON.parse(response.body) as ReadOutput;
  const consistent = (name: string) =>
    target === "BatchGetItem"
      ? (body.RequestItems as Record<string, Body>)[name]?.ConsistentRead === true
      : body.ConsistentRead === true;
  const fromDynalite = (name: string) =>
    Array.isArray(output.ConsumedCapacity)
      ? output.ConsumedCapacity.find((c) => c.TableName === name)
      : output.ConsumedCapacity;

  const capacities: ConsumedCapacity[] = [];
  tableNames.forEach((name, i) => {
    const shape = shapes[i]!;
    const whole = !needDynalite || returnsWholeItems(target, body, name, shapes);
    const units = whole
      ? unitsOfItems(target, body, output, name, shape, consistent(name))
      : unitsOfDynalite(target, body, fromDynalite(name), shape, consistent(name));
    meter.record(shape.tableName, "read", units);
    if (mode) capacities.push(consumedCapacity(name, units, mode, "read", shape));
  });

  if (!mode && !needDynalite) return response;
  if (mode) output.ConsumedCapacity = target === "BatchGetItem" ? capacities : capacities[0];
  else delete output.ConsumedCapacity;
  return { ...response, body: JSON.stringify(output) };
}

/** Whether dynalite's answer holds every item the read evaluated, whole. */
function returnsWholeItems(
  target: ReadTarget,
  body: Body,
  tableName: string,
  shapes: (TableShape | undefined)[],
): boolean {
  const request =
    target === "BatchGetItem" ? (body.RequestItems as Record<string, unknown>)[tableName] : body;
  if (!isObject(request)) return false;
  if (request.ProjectionExpression !== undefined || request.AttributesToGet !== undefined) {
    return false;
  }
  if (target === "GetItem" || target === "BatchGetItem") return true;
  if (request.FilterExpression !== undefined) return false;
  if (request.QueryFilter !== undefined || request.ScanFilter !== undefined) return false;
  const select = request.Select;
  if (select === "COUNT" || select === "SPECIFIC_ATTRIBUTES") return false;
  if (typeof request.IndexName === "string" && select === "ALL_ATTRIBUTES") {
    // A local index fetches unprojected attributes from the table: dynalite knows that cost.
    const index = shapes[0]?.indexes.find((i) => i.name === request.IndexName);
    return index?.projection.ProjectionType === "ALL";
  }
  return true;
}

function unitsOfItems(
  target: ReadTarget,
  body: Body,
  output: ReadOutput,
  tableName: string,
  shape: TableShape,
  consistent: boolean,
): Units {
  if (target === "GetItem") return readUnits(shape, itemSize(output.Item), { consistent });
  if (target === "BatchGetItem") {
    // Each key is its own GetItem, a missing item included; unprocessed keys were not read.
    const items = output.Responses?.[tableName] ?? [];
    const keys = (body.RequestItems as Record<string, { Keys?: unknown[] }>)[tableName]?.Keys;
    const unprocessed = output.UnprocessedKeys?.[tableName]?.Keys?.length ?? 0;
    const missing = Math.max(0, (keys?.length ?? 0) - items.length - unprocessed);
    let units: Units = { table: 0, indexes: {} };
    for (const item of items)
      units = addUnits(units, readUnits(shape, itemSize(item), { consistent }));
    for (let i = 0; i < missing; i++) units = addUnits(units, readUnits(shape, 0, { consistent }));
    return units;
  }
  // Query and Scan: one read of the page's total size, rounded up once.
  const size = (output.Items ?? []).reduce((sum, item) => sum + itemSize(item), 0);
  const index = typeof body.IndexName === "string" ? body.IndexName : undefined;
  return readUnits(shape, size, { consistent, ...(index ? { index } : {}) });
}

/** Units from dynalite's figures, which follow the same rounding but not the minimum charge. */
function unitsOfDynalite(
  target: ReadTarget,
  body: Body,
  capacity: DynaliteCapacity | undefined,
  shape: TableShape,
  consistent: boolean,
): Units {
  // dynalite's units back to bytes, rounded to the 4 KB it counted.
  const bytes = (units: number) => units * 4096 * (consistent ? 1 : 2);
  const total = capacity?.CapacityUnits ?? 0;
  if (target === "BatchGetItem") return { table: Math.max(total, 0), indexes: {} };
  const index = typeof body.IndexName === "string" ? body.IndexName : undefined;
  if (!index) return readUnits(shape, bytes(total), { consistent });
  const indexUnits =
    capacity?.GlobalSecondaryIndexes?.[index]?.CapacityUnits ??
    capacity?.LocalSecondaryIndexes?.[index]?.CapacityUnits ??
    0;
  const units = readUnits(shape, bytes(indexUnits), { consistent, index });
  // An LSI query that fetches unprojected attributes also reads those items from the table.
  const fetched = capacity?.Table?.CapacityUnits ?? 0;
  return fetched > 0 ? addUnits(units, { table: fetched, indexes: {} }) : units;
}
