import type { IncomingHttpHeaders } from "node:http";
import type { TableDescription } from "@aws-sdk/client-dynamodb";
import { resourceNotFound, validationError } from "./aws-error.ts";
import { CapacityMeter } from "./capacity.ts";
import type { BackendResponse, DynaliteBackend } from "./dynalite-backend.ts";
import { normalizeItem, sameItem, type Item } from "./item-size.ts";
import { KeyLock } from "./key-lock.ts";
import { meteredRead } from "./read-capacity.ts";
import { isScratchTable } from "./scratch-tables.ts";
import { conditionFailed, meterWrites, withWriteCapacity } from "./write-capacity.ts";
import {
  STREAM_VIEW_TYPES,
  type StreamState,
  type StreamStore,
  type StreamViewType,
  type UserIdentity,
} from "./stream-store.ts";
import { keyOf, lockKeyOf, TableCatalog, tableNameOf, type TableShape } from "./table-catalog.ts";
import { TableGate } from "./table-gate.ts";
import { Transactions } from "./transactions.ts";
import { resolveTableArns } from "./table-arns.ts";
import type { TimeToLive } from "./ttl.ts";

type Body = Record<string, unknown>;

interface StreamSpecification {
  StreamEnabled: boolean;
  StreamViewType?: StreamViewType;
}

/**
 * What a captured write answered, and the images of each item it touched when it succeeded (or,
 * when its condition failed, the item as it stayed: a failed condition is billed too).
 */
interface CapturedWrite {
  response: BackendResponse;
  images?: { oldImage?: Item | undefined; newImage?: Item | undefined }[];
}

const INVALID = Symbol("unreadable key");
const OLD_OR_NONE = [undefined, "NONE", "ALL_OLD"] as const;
const ALL_OR_NONE = [undefined, "NONE", "ALL_OLD", "ALL_NEW"] as const;
const isOneOf = (value: unknown, options: readonly unknown[]) => options.includes(value);

/** One item write to capture: which table (the name as the caller gave it), which key, its stream. */
interface Capture {
  table: TableShape;
  tableName: string;
  stream: StreamState | undefined;
  key: Item;
  lockKey: string;
  /** Set on the record when the engine itself made the change (a deletion by TTL). */
  userIdentity?: UserIdentity | undefined;
}

/** Who is calling, when it is the engine itself rather than an HTTP client. */
export interface CallContext {
  userIdentity?: UserIdentity;
}

export interface DynamoDbProxyOptions {
  catalog?: TableCatalog;
  /** Where every call's consumed capacity is counted (engine.capacity). */
  meter?: CapacityMeter;
  /** Tables' time-to-live settings (UpdateTimeToLive, DescribeTimeToLive). */
  ttl: TimeToLive;
  /** The engine's clock (transactions' idempotency window). */
  clock?: () => number;
  /** Where transactions make their intents durable; omit in memory. */
  transactionsDir?: string | undefined;
  /** Crash-test hook of transactions (`LocalEngineOptions.crashAfterWrites`). */
  crashAfterWrites?: number | undefined;
}

/**
 * DynamoDB calls: forwarded to dynalite unchanged, with these additions. Table calls report and
 * manage `StreamSpecification`; item writes are captured. For a write, under the item's lock
 * (the lock transactions take, on every table): learn the old image, forward the write, learn the
 * new image (through ReturnValues where it can), bill it (capacity.ts) and, on a table with an
 * enabled stream, append a record when the item changed. Failed, conditional-failed and no-op
 * writes record nothing; a failed condition is billed all the same. Reads pass their tables'
 * gates, which transactions close while they apply (transactions.ts), and are billed by
 * read-capacity.ts.
 */
export class DynamoDbProxy {
  private readonly locks = new KeyLock();
  private readonly gate = new TableGate();
  private readonly catalog: TableCatalog;
  private readonly meter: CapacityMeter;
  private readonly ttl: TimeToLive;
  readonly transactions: Transactions;

  constructor(
    private readonly backend: DynaliteBackend,
    private readonly streams: StreamStore,
    options: DynamoDbProxyOptions,
  ) {
    this.catalog = options.catalog ?? new TableCatalog(backend);
    this.meter = options.meter ?? new CapacityMeter();
    this.ttl = options.ttl;
    this.transactions = new Transactions({
      backend,
      streams,
      catalog: this.catalog,
      locks: this.locks,
      gate: this.gate,
      meter: this.meter,
      clock: options.clock ?? Date.now,
      intentDir: options.transactionsDir,
      crashAfterWrites: options.crashAfterWrites,
    });
  }

  async handle(
    target: string,
    rawBody: string,
    headers: IncomingHttpHeaders,
    context: CallContext = {},
  ): Promise<BackendResponse> {
    let body: Body | undefined;
    try {
      const parsed: unknown = rawBody ? JSON.parse(rawBody) : undefined;
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) body = parsed as Body;
    } catch {
      body = undefined; // dynalite answers malformed JSON with its SerializationException
    }
    if (!body) return this.backend.dispatch(target, rawBody, headers);
    // Table ARNs become names before anything else reads the body.
    const tableArns = resolveTableArns(body);
    const request = tableArns.changed ? JSON.stringify(body) : rawBody;
    return tableArns.restore(await this.tableChanges(target, body, request, headers, context));
  }

  /** A table created, changed or deleted: its shape and scratch copy are forgotten after. */
  private async tableChanges(
    target: string,
    body: Body,
    rawBody: string,
    headers: IncomingHttpHeaders,
    context: CallContext,
  ): Promise<BackendResponse> {
    if (target !== "CreateTable" && target !== "UpdateTable" && target !== "DeleteTable") {
      return this.route(target, body, rawBody, headers, context);
    }
    const tableName = typeof body.TableName === "string" ? body.TableName : "";
    if (target === "DeleteTable" && !isScratchTable(tableName)) {
      await this.transactions.tableDeleting(tableName);
    }
    const response = await this.route(target, body, rawBody, headers, context);
    this.catalog.invalidate(tableName);
    this.transactions.tableChanged(tableName);
    return response;
  }

  private route(
    target: string,
    body: Body,
    rawBody: string,
    headers: IncomingHttpHeaders,
    context: CallContext,
  ): Promise<BackendResponse> {
    switch (target) {
      case "CreateTable":
        return this.createTable(body, rawBody, headers);
      case "UpdateTable":
        return this.updateTable(body, headers);
      case "DescribeTable":
      case "DeleteTable":
        if (typeof body.TableName === "string" && isScratchTable(body.TableName)) {
          throw resourceNotFound(
            `Requested resource not found: Table: ${body.TableName} not found`,
          );
        }
        return this.withStreamDescription(target, body, rawBody, headers);
      case "ListTables":
        return this.listTables(rawBody, headers);
      case "PutItem":
      case "UpdateItem":
      case "DeleteItem":
        return this.writeItem(target, body, rawBody, headers, context.userIdentity);
      case "BatchWriteItem":
        return this.batchWriteItem(body, rawBody, headers);
      case "TransactWriteItems":
        return this.transactions.transactWrite(body);
      case "TransactGetItems":
        return this.transactions.transactGet(body);
      case "GetItem":
      case "Query":
      case "Scan":
      case "BatchGetItem": {
        const tables =
          target === "BatchGetItem"
            ? Object.keys(isObject(body.RequestItems) ? body.RequestItems : {}).map(tableNameOf)
            : [tableOf(body)];
        return this.gate.reading(tables, () =>
          meteredRead(
            target,
            body,
            rawBody,
            (request) => this.backend.dispatch(target, request, headers),
            this.catalog,
            this.meter,
          ),
        );
      }
      case "UpdateTimeToLive":
        return this.ttl.update(body);
      case "DescribeTimeToLive":
        return this.ttl.describe(body);
      default:
        return this.backend.dispatch(target, rawBody, headers);
    }
  }

  // --- tables ------------------------------------------------------------------------------

  /** Transactions' scratch tables are the engine's own: no caller lists them. */
  private async listTables(rawBody: string, headers: IncomingHttpHeaders) {
    const response = await this.backend.dispatch("ListTables", rawBody, headers);
    if (response.statusCode !== 200) return response;
    const output = JSON.parse(response.body) as { TableNames?: string[] };
    output.TableNames = output.TableNames?.filter((name) => !isScratchTable(name));
    return json(output);
  }

  private async createTable(body: Body, rawBody: string, headers: IncomingHttpHeaders) {
    const spec = parseStreamSpecification(body.StreamSpecification, "create");
    const response = await this.backend.dispatch("CreateTable", rawBody, headers);
    return this.mapTableResponse(response, "TableDescription", (table) => {
      if (spec?.StreamEnabled) this.createStream(table, spec.StreamViewType!);
    });
  }

  private async updateTable(body: Body, headers: IncomingHttpHeaders) {
    const spec = parseStreamSpecification(body.StreamSpecification, "update");
    const tableName = typeof body.TableName === "string" ? body.TableName : undefined;
    const rest = { ...body };
    delete rest.StreamSpecification;
    const otherChanges = [
      "ProvisionedThroughput",
      "BillingMode",
      "GlobalSecondaryIndexUpdates",
      "SSESpecification",
    ].some((k) => rest[k] !== undefined);
    if (!spec || !tableName) {
      // Any other change (indexes, billing) still reports the table's stream.
      const response = await this.backend.dispatch("UpdateTable", JSON.stringify(rest), headers);
      return this.mapTableResponse(response, "TableDescription", () => {});
    }

    const current = this.streams.enabledFor(tableName);
    if (spec.StreamEnabled && current) {
      throw validationError(`Table already has an enabled stream: TableName: ${tableName}`);
    }
    if (!spec.StreamEnabled && !current) {
      throw validationError(`Table has no stream to disable: TableName: ${tableName}`);
    }
    // dynalite knows nothing of streams: a streams-only update is answered from DescribeTable.
    const response = otherChanges
      ? await this.backend.dispatch("UpdateTable", JSON.stringify(rest), headers)
      : await this.backend.dispatch(
          "DescribeTable",
          JSON.stringify({ TableName: tableName }),
          headers,
        );
    const key = otherChanges ? "TableDescription" : "Table";
    const mapped = this.mapTableResponse(response, key, (table) => {
      if (spec.StreamEnabled) this.createStream(table, spec.StreamViewType!);
      else if (current) this.streams.disable(current);
    });
    if (!otherChanges && mapped.statusCode === 200) {
      const { Table } = JSON.parse(mapped.body) as { Table: TableDescription };
      return json({ TableDescription: Table });
    }
    return mapped;
  }

  private async withStreamDescription(
    target: "DescribeTable" | "DeleteTable",
    body: Body,
    rawBody: string,
    headers: IncomingHttpHeaders,
  ) {
    const tableName = typeof body.TableName === "string" ? body.TableName : "";
    const latest = this.streams.latestFor(tableName);
    const response = await this.backend.dispatch(target, rawBody, headers);
    return this.mapTableResponse(
      response,
      target === "DescribeTable" ? "Table" : "TableDescription",
      () => {
        if (target === "DeleteTable" && latest)
          this.streams.disable(latest, { tableDeleted: true });
      },
      latest,
    );
  }

  /** Runs `onSuccess` on a successful table response, then adds the stream fields AWS reports. */
  private mapTableResponse(
    response: BackendResponse,
    key: "Table" | "TableDescription",
    onSuccess: (table: TableDescription) => void,
    reportStream?: StreamState,
  ): BackendResponse {
    if (response.statusCode !== 200) return response;
    const parsed = JSON.parse(response.body) as Record<string, TableDescription | undefined>;
    const table = parsed[key];
    if (!table?.TableName) return response;
    onSuccess(table);
    const stream = reportStream ?? this.streams.latestFor(table.TableName);
    if (stream) {
      if (stream.status === "ENABLED") {
        table.StreamSpecification = { StreamEnabled: true, StreamViewType: stream.viewType };
      }
      table.LatestStreamArn = stream.arn;
      table.LatestStreamLabel = stream.label;
    }
    return json(parsed);
  }

  private createStream(table: TableDescription, viewType: StreamViewType): void {
    this.streams.create({
      tableName: table.TableName!,
      tableArn: table.TableArn!,
      keySchema: table.KeySchema ?? [],
      viewType,
    });
  }

  // --- item writes -------------------------------------------------------------------------

  private async writeItem(
    target: "PutItem" | "UpdateItem" | "DeleteItem",
    body: Body,
    rawBody: string,
    headers: IncomingHttpHeaders,
    userIdentity?: UserIdentity,
  ): Promise<BackendResponse> {
    const tableName = typeof body.TableName === "string" ? body.TableName : undefined;
    const table = tableName ? await this.catalog.shape(tableNameOf(tableName)) : undefined;
    const source = target === "PutItem" ? body.Item : body.Key;
    if (!tableName || !table || !isItem(source)) {
      return this.backend.dispatch(target, rawBody, headers);
    }
    const capture = { ...this.capture(table, tableName, source), userIdentity };
    const returnValues = body.ReturnValues;
    const mode = body.ReturnConsumedCapacity;
    // Fast paths: let dynalite hand back the image we lack through ReturnValues, and answer the
    // caller with what it asked for. Other ReturnValues take the general path (read, write, read).
    if (target !== "UpdateItem" && isOneOf(returnValues, OLD_OR_NONE)) {
      return this.captured(
        [capture],
        async () => {
          const response = await this.backend.dispatch(
            target,
            JSON.stringify({ ...body, ReturnValues: "ALL_OLD" }),
            headers,
          );
          if (response.statusCode !== 200) return this.failed(response, [capture]);
          const output = (response.body === "{}" ? {} : JSON.parse(response.body)) as {
            Attributes?: Item;
          };
          const oldImage = output.Attributes;
          const strip = oldImage !== undefined && returnValues !== "ALL_OLD";
          if (strip) delete output.Attributes;
          // Sizes do not need canonical numbers; stream images and index keys compared do.
          const exact = capture.stream !== undefined || table.indexes.length > 0;
          const newImage =
            target === "PutItem" ? (exact ? normalizeItem(source) : source) : undefined;
          return {
            response: strip ? { ...response, body: JSON.stringify(output) } : response,
            images: [{ oldImage, newImage }],
          };
        },
        { mode },
      );
    }
    if (target === "UpdateItem" && isOneOf(returnValues, ALL_OR_NONE)) {
      return this.captured(
        [capture],
        async (before) => {
          const request = JSON.stringify({ ...body, ReturnValues: "ALL_NEW" });
          const response = await this.backend.dispatch(target, request, headers);
          if (response.statusCode !== 200) return this.failed(response, [capture], before);
          const output = JSON.parse(response.body) as { Attributes?: Item };
          const newImage = output.Attributes;
          const oldImage = before[0];
          if (returnValues === "ALL_OLD" && oldImage) output.Attributes = oldImage;
          else if (returnValues !== "ALL_NEW") delete output.Attributes;
          return {
            response: { ...response, body: JSON.stringify(output) },
            images: [{ oldImage, newImage }],
          };
        },
        { readBefore: true, mode },
      );
    }
    const write = () => this.backend.dispatch(target, rawBody, headers);
    return this.captured([capture], this.readAround([capture], write), { readBefore: true, mode });
  }

  private async batchWriteItem(body: Body, rawBody: string, headers: IncomingHttpHeaders) {
    const captures: Capture[] = [];
    const newImages: (Item | undefined)[] = [];
    const requestItems = isObject(body.RequestItems) ? body.RequestItems : {};
    const write = () => this.backend.dispatch("BatchWriteItem", rawBody, headers);
    for (const [tableName, requests] of Object.entries(requestItems)) {
      const table = await this.catalog.shape(tableNameOf(tableName));
      // Unknown table or malformed request: dynalite says why, and nothing is written.
      if (!table || !Array.isArray(requests)) return write();
      for (const request of requests as unknown[]) {
        if (!isObject(request)) return write();
        const put = isObject(request.PutRequest) ? request.PutRequest.Item : undefined;
        const source =
          put ?? (isObject(request.DeleteRequest) ? request.DeleteRequest.Key : undefined);
        if (!isItem(source)) return write();
        captures.push(this.capture(table, tableName, source));
        newImages.push(isItem(put) ? put : undefined);
      }
    }
    if (captures.length === 0) return write();
    // dynalite applies every request of a batch or none (it never leaves UnprocessedItems), so
    // the new images are the requests' items: no read after the write.
    return this.captured(
      captures,
      async (before) => {
        const response = await write();
        if (response.statusCode !== 200 || before.length === 0) return { response };
        const images = captures.map((_, i) => {
          const put = newImages[i];
          return { oldImage: before[i], newImage: put && normalizeItem(put) };
        });
        return { response, images };
      },
      { readBefore: true, mode: body.ReturnConsumedCapacity, batch: true },
    );
  }

  private capture(table: TableShape, tableName: string, source: Item): Capture {
    const key = keyOf(table, source);
    return {
      table,
      tableName,
      stream: this.streams.enabledFor(table.tableName),
      key,
      lockKey: lockKeyOf(table.tableName, key),
    };
  }

  /** A write dynalite refused: billed when its condition failed, on the item as it stayed. */
  private async failed(
    response: BackendResponse,
    captures: Capture[],
    before?: (Item | undefined)[],
  ): Promise<CapturedWrite> {
    if (!conditionFailed(response) || before?.length === 0) return { response };
    const items = before ?? (await Promise.all(captures.map((c) => this.readItem(c))));
    if (items.some((item) => item === INVALID)) return { response };
    const images = (items as (Item | undefined)[]).map((item) => ({
      oldImage: item,
      newImage: item,
    }));
    return { response, images };
  }

  /**
   * Runs a write under the locks of every item it touches and appends one record per item that
   * changed. `write` reports the images it learned; with `readBefore`, it gets the old images.
   */
  private async captured(
    captures: Capture[],
    write: (before: (Item | undefined)[]) => Promise<CapturedWrite>,
    options: { readBefore?: boolean; mode?: unknown; batch?: boolean } = {},
  ): Promise<BackendResponse> {
    // One acquisition of all the locks, in their sorted order: taking them in two steps could
    // deadlock against a transaction holding the second while waiting for the first.
    const release = await this.locks.acquire(captures.map((c) => c.lockKey));
    try {
      let before: (Item | undefined)[] = [];
      if (options.readBefore) {
        const read = await Promise.all(captures.map((c) => this.readItem(c)));
        // A key dynalite cannot read is a write it will reject: let it say why, record nothing.
        if (read.some((r) => r === INVALID)) return (await write([])).response;
        before = read as (Item | undefined)[];
      }
      const { response, images } = await write(before);
      if (!images) return response;
      const units = meterWrites(this.meter, captures, images);
      if (response.statusCode !== 200) return response;
      captures.forEach((c, i) => {
        const { oldImage, newImage } = images[i]!;
        if (!c.stream || sameItem(oldImage, newImage)) return;
        this.streams.append(c.stream, {
          keys: c.key,
          oldImage,
          newImage,
          userIdentity: c.userIdentity,
        });
      });
      return withWriteCapacity(response, units, options.mode, options.batch);
    } finally {
      release();
    }
  }

  /** The general path: the caller's request as it is, with the new images read back after it. */
  private readAround(captures: Capture[], write: () => Promise<BackendResponse>) {
    return async (before: (Item | undefined)[]): Promise<CapturedWrite> => {
      const response = await write();
      if (response.statusCode !== 200) return this.failed(response, captures, before);
      if (before.length === 0) return { response };
      const after = await Promise.all(captures.map((c) => this.readItem(c)));
      const images = captures.map((_, i) => {
        const newImage = after[i];
        return { oldImage: before[i], newImage: newImage === INVALID ? undefined : newImage };
      });
      return { response, images };
    };
  }

  private async readItem(c: Capture): Promise<Item | undefined | typeof INVALID> {
    const result = await this.backend.call<{ Item?: Item }>("GetItem", {
      TableName: c.table.tableName,
      Key: c.key,
      ConsistentRead: true,
    });
    return result.ok ? result.data.Item : INVALID;
  }
}

function parseStreamSpecification(
  value: unknown,
  call: "create" | "update",
): StreamSpecification | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value) || typeof value.StreamEnabled !== "boolean") {
    throw validationError(
      "1 validation error detected: Value null at 'streamSpecification.streamEnabled' failed to satisfy constraint: Member must not be null",
    );
  }
  const viewType = value.StreamViewType;
  if (viewType !== undefined && !STREAM_VIEW_TYPES.includes(viewType as StreamViewType)) {
    throw validationError(
      `1 validation error detected: Value '${JSON.stringify(viewType)}' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [${STREAM_VIEW_TYPES.join(", ")}]`,
    );
  }
  if (value.StreamEnabled && viewType === undefined) {
    throw validationError(
      call === "create"
        ? "One or more parameter values were invalid: Table is being created with a stream enabled, UpdateViewType is required"
        : "One or more parameter values were invalid: If stream is being enabled then UpdateViewType is required",
    );
  }
  if (!value.StreamEnabled && viewType !== undefined) {
    throw validationError(
      call === "create"
        ? "One or more parameter values were invalid: Table is being created with a stream disabled, UpdateViewType should not be specified"
        : "One or more parameter values were invalid: If stream is being disabled, then UpdateViewType must not be specified",
    );
  }
  return {
    StreamEnabled: value.StreamEnabled,
    StreamViewType: viewType as StreamViewType | undefined,
  };
}

const tableOf = (body: Body) =>
  typeof body.TableName === "string" ? tableNameOf(body.TableName) : "";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isItem(value: unknown): value is Item {
  return isObject(value);
}

function json(data: unknown): BackendResponse {
  return {
    statusCode: 200,
    headers: { "content-type": "application/x-amz-json-1.0" },
    body: JSON.stringify(data),
  };
}
