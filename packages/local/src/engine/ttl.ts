import fs from "node:fs";
import type { TableDescription } from "@aws-sdk/client-dynamodb";
import { writeFileAtomically } from "../atomic-file.ts";
import { resourceNotFound, serializationError, validationError } from "./aws-error.ts";
import type { BackendResponse, DynaliteBackend } from "./dynalite-backend.ts";
import type { Item } from "./item-size.ts";
import type { UserIdentity } from "./stream-store.ts";
import { keyOf, toTableShape } from "./table-catalog.ts";

type Body = Record<string, unknown>;
/** A table description as dynalite puts it on the wire: times are epoch seconds. */
type WireTable = Omit<TableDescription, "CreationDateTime"> & { CreationDateTime?: number };

/** The identity AWS puts on the stream record of an item deleted by TTL. */
export const TTL_IDENTITY: UserIdentity = {
  PrincipalId: "dynamodb.amazonaws.com",
  Type: "Service",
};

interface TtlSetting {
  attributeName: string;
  /** DescribeTable's CreationDateTime: a table deleted and created again starts without TTL. */
  tableCreatedAt: number;
}

interface TtlFile {
  version: 1;
  tables: Record<string, TtlSetting>;
}

const TABLE_NAME = /^[A-Za-z0-9_.-]+$/;
const json = (data: unknown): BackendResponse => ({
  statusCode: 200,
  headers: { "content-type": "application/x-amz-json-1.0" },
  body: JSON.stringify(data),
});

/**
 * UpdateTimeToLive and DescribeTimeToLive, answered by the engine (dynalite has no TTL, and its
 * own DescribeTimeToLive knows nothing of these settings). The settings live in a JSON file in
 * the data dir, or in memory.
 */
export class TimeToLive {
  private readonly settings = new Map<string, TtlSetting>();

  constructor(
    private readonly backend: DynaliteBackend,
    private readonly file?: string | undefined,
  ) {
    if (file && fs.existsSync(file)) {
      const saved = JSON.parse(fs.readFileSync(file, "utf8")) as TtlFile;
      for (const [name, setting] of Object.entries(saved.tables)) this.settings.set(name, setting);
    }
  }

  /** The TTL attribute of a table, when TTL is enabled on this incarnation of it. */
  attributeOf(table: WireTable): string | undefined {
    const setting = table.TableName ? this.settings.get(table.TableName) : undefined;
    return setting && setting.tableCreatedAt === table.CreationDateTime
      ? setting.attributeName
      : undefined;
  }

  tableNames(): string[] {
    return [...this.settings.keys()];
  }

  async update(body: Body): Promise<BackendResponse> {
    const errors = tableNameErrors(body.TableName);
    const spec = body.TimeToLiveSpecification;
    let enabled: unknown;
    let attributeName: unknown;
    if (spec === undefined || spec === null) {
      errors.push(notNull("timeToLiveSpecification"));
    } else if (typeof spec !== "object" || Array.isArray(spec)) {
      throw serializationError("TimeToLiveSpecification must be a structure");
    } else {
      ({ Enabled: enabled, AttributeName: attributeName } = spec as Body);
      if (enabled === undefined || enabled === null)
        errors.push(notNull("timeToLiveSpecification.enabled"));
      else if (typeof enabled !== "boolean")
        throw serializationError("TimeToLiveSpecification.Enabled must be a boolean");
      if (attributeName === undefined || attributeName === null)
        errors.push(notNull("timeToLiveSpecification.attributeName"));
      else if (typeof attributeName !== "string")
        throw serializationError("TimeToLiveSpecification.AttributeName must be a string");
      else if (attributeName.length < 1 || attributeName.length > 255)
        errors.push(
          `Value '${attributeName}' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length less than or equal to 255 and greater than or equal to 1`,
        );
    }
    throwIfAny(errors);
    const name = body.TableName as string;
    const attribute = attributeName as string;
    const table = await this.table(name);
    const current = this.attributeOf(table);

    if (current !== undefined && current !== attribute) {
      throw validationError(
        `TimeToLive is active on a different AttributeName: current AttributeName is ${current}`,
      );
    }
    if (enabled === true) {
      if (current !== undefined) throw validationError("TimeToLive is already enabled");
      this.settings.set(name, {
        attributeName: attribute,
        tableCreatedAt: table.CreationDateTime!,
      });
    } else {
      if (current === undefined) throw validationError("TimeToLive is already disabled");
      this.settings.delete(name);
    }
    this.save();
    return json({ TimeToLiveSpecification: { Enabled: enabled, AttributeName: attribute } });
  }

  async describe(body: Body): Promise<BackendResponse> {
    throwIfAny(tableNameErrors(body.TableName));
    const attribute = this.attributeOf(await this.table(body.TableName as string));
    return json({
      TimeToLiveDescription:
        attribute === undefined
          ? { TimeToLiveStatus: "DISABLED" }
          : { TimeToLiveStatus: "ENABLED", AttributeName: attribute },
    });
  }

  private async table(name: string): Promise<WireTable> {
    const result = await this.backend.call<{ Table?: WireTable }>("DescribeTable", {
      TableName: name,
    });
    if (!result.ok || !result.data.Table) {
      throw resourceNotFound(`Requested resource not found: Table: ${name} not found`);
    }
    return result.data.Table;
  }

  private save(): void {
    if (!this.file) return;
    const data: TtlFile = { version: 1, tables: Object.fromEntries(this.settings) };
    writeFileAtomically(this.file, JSON.stringify(data, null, 2));
  }
}

const notNull = (member: string) =>
  `Value null at '${member}' failed to satisfy constraint: Member must not be null`;

function tableNameErrors(value: unknown): string[] {
  if (value === undefined || value === null) return [notNull("tableName")];
  if (typeof value !== "string") throw serializationError("TableName must be a string");
  const errors: string[] = [];
  if (value.length < 3 || value.length > 255)
    errors.push(
      `Value '${value}' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255 and greater than or equal to 3`,
    );
  if (!TABLE_NAME.test(value))
    errors.push(
      `Value '${value}' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`,
    );
  return errors;
}

function throwIfAny(errors: string[]): void {
  if (errors.length === 0) return;
  const count = `${errors.length} validation error${errors.length > 1 ? "s" : ""} detected`;
  throw validationError(`${count}: ${errors.join("; ")}`);
}

// --- the sweeper --------------------------------------------------------------------------------

/** AWS leaves alone items whose TTL lies more than five years in the past. */
const MAX_PAST_YEARS = 5;
const PAGE_SIZE = 100;

export interface TtlSweeperOptions {
  backend: DynaliteBackend;
  ttl: TimeToLive;
  /** Deletes one item through the engine's write path, its record marked as deleted by TTL. */
  deleteItem: (request: Body) => Promise<BackendResponse>;
  clock: () => number;
  /** Milliseconds between background sweeps; 0: none (sweep() still works). */
  intervalMs: number;
}

/**
 * Deletes expired items in the background, as AWS does within days: here every `intervalMs`.
 * Each deletion is a conditional DeleteItem through the proxy (under the item's lock, so its
 * REMOVE record is captured), valid only while the item is still expired: an item rewritten
 * with a later expiry in the meantime stays.
 */
export class TtlSweeper {
  private running: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: TtlSweeperOptions) {}

  start(): void {
    if (this.options.intervalMs <= 0 || this.stopped) return;
    this.timer = setTimeout(() => {
      this.sweep()
        .catch((error: unknown) => console.error("[engine] TTL sweep failed", error))
        .finally(() => this.start());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Sweeps every table with TTL now (after a sweep in flight); resolves with the items deleted. */
  sweep(): Promise<number> {
    const run = this.running.then(() => (this.stopped ? 0 : this.sweepAll()));
    this.running = run.catch(() => undefined);
    return run;
  }

  /** No further sweeps; resolves once the one in flight has stopped (between two items). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private async sweepAll(): Promise<number> {
    let deleted = 0;
    for (const tableName of this.options.ttl.tableNames()) {
      if (this.stopped) break;
      deleted += await this.sweepTable(tableName);
    }
    return deleted;
  }

  private async sweepTable(tableName: string): Promise<number> {
    const { backend, ttl, clock } = this.options;
    const described = await backend.call<{ Table?: WireTable }>("DescribeTable", {
      TableName: tableName,
    });
    const table = described.ok ? described.data.Table : undefined;
    const attribute = table && ttl.attributeOf(table);
    if (!table || attribute === undefined || table.TableStatus !== "ACTIVE") return 0;

    const shape = toTableShape(table as TableDescription);
    const now = new Date(clock());
    const floor = new Date(now);
    floor.setUTCFullYear(floor.getUTCFullYear() - MAX_PAST_YEARS);
    // BETWEEN holds only for a Number: strings, sets and other types never expire, as on AWS.
    const expired = {
      ConditionExpression: "#ttl BETWEEN :floor AND :now",
      ExpressionAttributeNames: { "#ttl": attribute },
      ExpressionAttributeValues: {
        ":floor": { N: String(Math.floor(floor.getTime() / 1000)) },
        ":now": { N: String(Math.floor(now.getTime() / 1000)) },
      },
    };
    const keyNames = shape.keySchema.map((k) => k.AttributeName!);
    const projection = Object.fromEntries(keyNames.map((name, i) => [`#k${i}`, name]));

    let deleted = 0;
    let start: Item | undefined;
    do {
      const page = await backend.call<{ Items?: Item[]; LastEvaluatedKey?: Item }>("Scan", {
        TableName: tableName,
        Limit: PAGE_SIZE,
        FilterExpression: expired.ConditionExpression,
        ProjectionExpression: Object.keys(projection).join(", "),
        ExpressionAttributeNames: { ...expired.ExpressionAttributeNames, ...projection },
        ExpressionAttributeValues: expired.ExpressionAttributeValues,
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      if (!page.ok) break; // e.g. the table was deleted meanwhile
      for (const item of page.data.Items ?? []) {
        if (this.stopped) return deleted;
        const response = await this.options.deleteItem({
          TableName: tableName,
          Key: keyOf(shape, item),
          ...expired,
        });
        if (response.statusCode === 200) deleted++;
      }
      start = page.data.LastEvaluatedKey;
    } while (start && !this.stopped);
    return deleted;
  }
}
