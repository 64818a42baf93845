import type { IncomingHttpHeaders } from "node:http";
import type { TableDescription } from "@aws-sdk/client-dynamodb";
import { validationError } from "./aws-error.ts";
import type { BackendResponse, DynaliteBackend } from "./dynalite-backend.ts";
import { normalizeItem, sameItem, type Item } from "./item-size.ts";
import { KeyLock } from "./key-lock.ts";
import {
  STREAM_VIEW_TYPES,
  type StreamState,
  type StreamStore,
  type StreamViewType,
  type UserIdentity,
} from "./stream-store.ts";
import { resolveTableArns } from "./table-arns.ts";
import type { TimeToLive } from "./ttl.ts";

type Body = Record<string, unknown>;

interface StreamSpecification {
  StreamEnabled: boolean;
  StreamViewType?: StreamViewType;
}

/** What a captured write answered, and the images of each item it touched when it succeeded. */
interface CapturedWrite {
  response: BackendResponse;
  images?: { oldImage?: Item | undefined; newImage?: Item | undefined }[];
}

const INVALID = Symbol("unreadable key");
const OLD_OR_NONE = [undefined, "NONE", "ALL_OLD"] as const;
const ALL_OR_NONE = [undefined, "NONE", "ALL_OLD", "ALL_NEW"] as const;
const isOneOf = (value: unknown, options: readonly unknown[]) => options.includes(value);

/** One item write to capture: which table, which key, and its stream. */
interface Capture {
  stream: StreamState;
  key: Item;
  lockKey: string;
  /** Set on the record when the engine itself made the change (a deletion by TTL). */
  userIdentity?: UserIdentity | undefined;
}

/** Who is calling, when it is the engine itself rather than an HTTP client. */
export interface CallContext {
  userIdentity?: UserIdentity;
}

/**
 * DynamoDB calls: forwarded to dynalite unchanged, with two additions. Table calls report and
 * manage `StreamSpecification`; writes to a table with an enabled stream are captured. For a
 * write, under the item's lock: read the old image, forward the write, read the new image, and
 * append a record when the item changed. Failed, conditional-failed and no-op writes record nothing.
 */
export class DynamoDbProxy {
  private readonly locks = new KeyLock();

  constructor(
    private readonly backend: DynaliteBackend,
    private readonly streams: StreamStore,
    private readonly ttl: TimeToLive,
  ) {}

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
    return tableArns.restore(await this.route(target, body, request, headers, context));
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
        return this.withStreamDescription(target, body, rawBody, headers);
      case "PutItem":
      case "UpdateItem":
      case "DeleteItem":
        return this.writeItem(target, body, rawBody, headers, context.userIdentity);
      case "BatchWriteItem":
        return this.batchWriteItem(body, rawBody, headers);
      case "UpdateTimeToLive":
        return this.ttl.update(body);
      case "DescribeTimeToLive":
        return this.ttl.describe(body);
      default:
        return this.backend.dispatch(target, rawBody, headers);
    }
  }

  // --- tables ------------------------------------------------------------------------------

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
    const stream =
      typeof body.TableName === "string" ? this.streams.enabledFor(body.TableName) : undefined;
    const source = target === "PutItem" ? body.Item : body.Key;
    if (!stream || !isItem(source)) return this.backend.dispatch(target, rawBody, headers);
    const capture = { ...this.capture(stream, source), userIdentity };
    const returnValues = body.ReturnValues;
    // Fast paths: let dynalite hand back the image we lack through ReturnValues, and answer the
    // caller with what it asked for. Other ReturnValues take the general path (read, write, read).
    if (target !== "UpdateItem" && isOneOf(returnValues, OLD_OR_NONE)) {
      return this.captured([capture], async () => {
        const response = await this.backend.dispatch(
          target,
          JSON.stringify({ ...body, ReturnValues: "ALL_OLD" }),
          headers,
        );
        if (response.statusCode !== 200) return { response };
        const output = JSON.parse(response.body) as { Attributes?: Item };
        const oldImage = output.Attributes;
        if (returnValues !== "ALL_OLD") delete output.Attributes;
        const newImage = target === "PutItem" ? normalizeItem(source) : undefined;
        return {
          response: { ...response, body: JSON.stringify(output) },
          images: [{ oldImage, newImage }],
        };
      });
    }
    if (target === "UpdateItem" && isOneOf(returnValues, ALL_OR_NONE)) {
      return this.captured(
        [capture],
        async (before) => {
          const request = JSON.stringify({ ...body, ReturnValues: "ALL_NEW" });
          const response = await this.backend.dispatch(target, request, headers);
          if (response.statusCode !== 200) return { response };
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
        { readBefore: true },
      );
    }
    const write = () => this.backend.dispatch(target, rawBody, headers);
    return this.captured([capture], this.readAround([capture], write), { readBefore: true });
  }

  private async batchWriteItem(body: Body, rawBody: string, headers: IncomingHttpHeaders) {
    const captures: Capture[] = [];
    const requestItems = isObject(body.RequestItems) ? body.RequestItems : {};
    for (const [tableName, requests] of Object.entries(requestItems)) {
      const stream = this.streams.enabledFor(tableName);
      if (!stream || !Array.isArray(requests)) continue;
      for (const request of requests as unknown[]) {
        if (!isObject(request)) continue;
        const source = isObject(request.PutRequest)
          ? request.PutRequest.Item
          : isObject(request.DeleteRequest)
            ? request.DeleteRequest.Key
            : undefined;
        if (isItem(source)) captures.push(this.capture(stream, source));
      }
    }
    const write = () => this.backend.dispatch("BatchWriteItem", rawBody, headers);
    if (captures.length === 0) return write();
    return this.captured(captures, this.readAround(captures, write), { readBefore: true });
  }

  private capture(stream: StreamState, source: Item): Capture {
    const key: Item = {};
    for (const { AttributeName } of stream.keySchema) {
      const value = AttributeName ? source[AttributeName] : undefined;
      if (AttributeName && value) key[AttributeName] = value;
    }
    return { stream, key, lockKey: `${stream.tableName}\u0000${JSON.stringify(key)}` };
  }

  /**
   * Runs a write under the locks of every item it touches and appends one record per item that
   * changed. `write` reports the images it learned; with `readBefore`, it gets the old images.
   */
  private async captured(
    captures: Capture[],
    write: (before: (Item | undefined)[]) => Promise<CapturedWrite>,
    options: { readBefore?: boolean } = {},
  ): Promise<BackendResponse> {
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
      if (response.statusCode !== 200 || !images) return response;
      captures.forEach((c, i) => {
        const { oldImage, newImage } = images[i]!;
        if (sameItem(oldImage, newImage)) return;
        this.streams.append(c.stream, {
          keys: c.key,
          oldImage,
          newImage,
          userIdentity: c.userIdentity,
        });
      });
      return response;
    } finally {
      release();
    }
  }

  /** The general path: the caller's request as it is, with the new images read back after it. */
  private readAround(captures: Capture[], write: () => Promise<BackendResponse>) {
    return async (before: (Item | undefined)[]): Promise<CapturedWrite> => {
      const response = await write();
      if (response.statusCode !== 200 || before.length === 0) return { response };
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
      TableName: c.stream.tableName,
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
