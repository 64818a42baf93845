import type { ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import {
  addUnits,
  consumedCapacity,
  consumedCapacityMode,
  writeUnits,
  type CapacityMeter,
  type Units,
} from "./capacity.ts";
import type { BackendResponse } from "./dynalite-backend.ts";
import type { Item } from "./item-size.ts";
import type { TableShape } from "./table-catalog.ts";

/** One table's share of a write call: the name as the caller gave it, and the units. */
export interface TableWrite {
  tableName: string;
  table: TableShape;
  units: Units;
}

/** True for the error DynamoDB bills like a write: a condition that evaluated to false. */
export function conditionFailed(response: BackendResponse): boolean {
  return response.statusCode === 400 && response.body.includes("ConditionalCheckFailedException");
}

/**
 * Bills each item write of one call by its images, sums the items per table (one request per
 * table and call) and records them on the meter.
 */
export function meterWrites(
  meter: CapacityMeter,
  writes: readonly { table: TableShape; tableName: string }[],
  images: readonly { oldImage?: Item | undefined; newImage?: Item | undefined }[],
): TableWrite[] {
  const byTable = new Map<string, TableWrite>();
  writes.forEach((w, i) => {
    const image = images[i];
    if (!image) return;
    const units = writeUnits(w.table, image.oldImage, image.newImage);
    const entry = byTable.get(w.table.tableName);
    if (entry) entry.units = addUnits(entry.units, units);
    else byTable.set(w.table.tableName, { tableName: w.tableName, table: w.table, units });
  });
  for (const entry of byTable.values()) meter.record(entry.table.tableName, "write", entry.units);
  return [...byTable.values()];
}

/**
 * The response with `ConsumedCapacity` as AWS reports it when the request asked for it (one
 * object for an item write, a list per table for BatchWriteItem), and without dynalite's figure.
 */
export function withWriteCapacity(
  response: BackendResponse,
  writes: readonly TableWrite[],
  requested: unknown,
  batch = false,
): BackendResponse {
  const mode = consumedCapacityMode(requested);
  if (!mode || response.statusCode !== 200) return response;
  const output = JSON.parse(response.body) as { ConsumedCapacity?: unknown };
  const capacities: ConsumedCapacity[] = writes.map((w) =>
    consumedCapacity(w.tableName, w.units, mode, "write", w.table),
  );
  output.ConsumedCapacity = batch ? capacities : capacities[0];
  return { ...response, body: JSON.stringify(output) };
}
