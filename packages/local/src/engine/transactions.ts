/**
 * TransactWriteItems and TransactGetItems, which dynalite lacks.
 *
 * Design. A transaction takes the per-item locks (`lockKeyOf`) of all its items, the same locks
 * every single-item write in the proxy takes, so writes and transactions serialise per item.
 * Under those locks each operation is evaluated by dynalite itself on a hidden scratch table
 * (same keys and attribute definitions, see scratch-tables.ts): the item's current image is put
 * there, then the caller's Put/Update/Delete (or, for a ConditionCheck, a conditional DeleteItem)
 * runs there with its condition. dynalite's answer says pass/fail and, via ReturnValues, gives
 * the new image, with dynalite's own validation and expression semantics: no second expression
 * evaluator to drift from the first. Every item is evaluated, so every failing condition is
 * reported. If all pass, the final images and the stream records they owe are written to an
 * intent log (transaction-log.ts, fsynced), then applied to the real tables with plain
 * PutItem/DeleteItem while the tables' gates (table-gate.ts) are held exclusively, so no reader
 * sees half of it; records are appended, the intent cleared, the locks released.
 *
 * The fast path. A transaction of Puts, Updates and Deletes only (no ConditionCheck, which has no
 * write to try) skips the scratch copies: with the tables' gates held exclusively from the first
 * read to the last write, each operation runs on its real item with its own condition, and if
 * any fails, what ran is put back before a reader is let in. Two dynalite calls an item instead
 * of four or five; the aggregator's transactions (a Put per aggregate and marker) take it. Its
 * intent is written in two steps: the old images first ("trying": a crash undoes the trial),
 * then, in one rename once every write passed, the decided intent (a crash finishes it).
 *
 * Capacity: `transactWrite` and `transactGet` build one `ItemOutcome` per item (table shape, old
 * and new image) and bill them in one place (`bill`): 2 units per KB written, per 4 KB read.
 */
import { createHash } from "node:crypto";
import type { ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import {
  addUnits,
  consumedCapacity,
  consumedCapacityMode,
  readUnits,
  writeUnits,
  type CapacityMeter,
  type Units,
} from "./capacity.ts";
import { AwsError, resourceNotFound, validationError } from "./aws-error.ts";
import type { BackendResponse, DynaliteBackend } from "./dynalite-backend.ts";
import { itemSize, normalizeItem, sameItem, type Item } from "./item-size.ts";
import type { KeyLock } from "./key-lock.ts";
import { ScratchTables } from "./scratch-tables.ts";
import { newEventId, type StreamState, type StreamStore } from "./stream-store.ts";
import {
  keyOf,
  lockKeyOf,
  tableNameOf,
  type TableCatalog,
  type TableShape,
} from "./table-catalog.ts";
import type { TableGate } from "./table-gate.ts";
import {
  IntentLog,
  redoIntents,
  writeImage,
  type IntendedWrite,
  type SpentToken,
} from "./transaction-log.ts";

type Body = Record<string, unknown>;
type WriteKind = "Put" | "Update" | "Delete" | "ConditionCheck";

const DYNAMODB = "com.amazonaws.dynamodb.v20120810#";
const MAX_ITEMS = 100;
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const IDEMPOTENCY_WINDOW_MS = 10 * 60 * 1000;
const CONDITIONAL_FAILED = `${DYNAMODB}ConditionalCheckFailedException`;
/**
 * dynalite's errors that depend on the item an update meets, not on the request: AWS reports
 * them as a `ValidationError` reason of a cancelled transaction, not as a ValidationException.
 */
const ITEM_DEPENDENT_ERROR =
  /^(Item size to update has exceeded|Type mismatch for attribute to update|The document path provided in the update expression is invalid|An operand in the update expression has an incorrect data type|The update expression attempted to update the secondary index key)/;

/** What one item of a transaction came to: the seam for consumed capacity and stream records. */
export interface ItemOutcome {
  table: TableShape;
  kind: WriteKind | "Get";
  key: Item;
  oldImage?: Item | undefined;
  /** For a write: the image after it (undefined: deleted). For a Get: the item read. */
  newImage?: Item | undefined;
}

export interface CancellationReason {
  Code: "None" | "ConditionalCheckFailed" | "ValidationError";
  Message?: string;
  Item?: Item;
}

export class TransactionCanceledError extends AwsError {
  constructor(readonly reasons: CancellationReason[]) {
    super(
      `${DYNAMODB}TransactionCanceledException`,
      `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons
        .map((r) => r.Code)
        .join(", ")}]`,
    );
  }

  override toBody() {
    return { ...super.toBody(), CancellationReasons: this.reasons };
  }
}

const idempotentMismatch = () =>
  new AwsError(
    `${DYNAMODB}IdempotentParameterMismatchException`,
    "The request uses the same client token as a previous, but non-identical request.",
  );
const inProgress = () =>
  new AwsError(
    `${DYNAMODB}TransactionInProgressException`,
    "The transaction with the given request token is already in progress.",
  );

/** One parsed write operation of a TransactWriteItems request. */
interface WriteOperation {
  index: number;
  kind: WriteKind;
  table: TableShape;
  stream: StreamState | undefined;
  /** The caller's parameters (TableName, Key/Item, expressions). */
  params: Body;
  key: Item;
  lockKey: string;
  returnOldOnFailure: boolean;
}

interface Evaluated {
  operation: WriteOperation;
  oldImage: Item | undefined;
  newImage: Item | undefined;
  /** Set when the operation cannot take effect: why, for CancellationReasons. */
  failure?: CancellationReason;
}

interface TokenEntry {
  hash: string;
  expiresAt: number;
  /** Set while the first request with this token runs. */
  running: boolean;
  response?: BackendResponse;
}

export interface TransactionsOptions {
  backend: DynaliteBackend;
  streams: StreamStore;
  catalog: TableCatalog;
  locks: KeyLock;
  gate: TableGate;
  /** Where transactions are billed (capacity.ts): 2 units per KB written, per 4 KB read. */
  meter: CapacityMeter;
  clock: () => number;
  /** Where intents are made durable; undefined keeps the engine in memory. */
  intentDir: string | undefined;
  /** Crash-test hook: kill the process after this many item writes of one apply phase. */
  crashAfterWrites?: number | undefined;
}

export class Transactions {
  private readonly scratch: ScratchTables;
  private readonly log: IntentLog;
  private readonly tokens = new Map<string, TokenEntry>();
  private prunedAt = 0;
  /** Test hook: kill the process after this many item writes of one transaction's apply phase. */
  private readonly crashAfterWrites: number;

  constructor(private readonly options: TransactionsOptions) {
    // 0: never (a write count is at least 1).
    this.crashAfterWrites = options.crashAfterWrites ?? 0;
    this.scratch = new ScratchTables(options.backend);
    this.log = new IntentLog(options.intentDir, options.clock);
  }

  /** Finishes what a crash left half done; call before serving. Returns how many were redone. */
  async recover(): Promise<number> {
    const redone = await redoIntents(this.log, this.options.backend, this.options.streams);
    for (const { token, hash, expiresAt } of this.log.spentTokens(this.options.clock())) {
      this.tokens.set(token, { hash, expiresAt, running: false, response: json({}) });
    }
    return redone;
  }

  tableChanged(tableName: string): void {
    this.scratch.tableChanged(tableName);
  }

  /** The table is about to be deleted: so is its scratch table. */
  tableDeleting(tableName: string): Promise<void> {
    return this.scratch.drop(tableName);
  }

  // --- TransactWriteItems ------------------------------------------------------------------

  async transactWrite(body: Body): Promise<BackendResponse> {
    const token = parseToken(body.ClientRequestToken);
    if (token === undefined) return this.runWrite(body, undefined);

    const now = this.options.clock();
    if (now - this.prunedAt >= 1000) {
      this.prunedAt = now;
      for (const [t, entry] of this.tokens) if (entry.expiresAt <= now) this.tokens.delete(t);
    }
    const hash = requestHash(body);
    const found = this.tokens.get(token);
    const known = found && found.expiresAt > now ? found : undefined;
    if (known) {
      if (known.hash !== hash) throw idempotentMismatch();
      if (known.running) throw inProgress();
      if (known.response) return known.response;
    }
    const entry: TokenEntry = { hash, expiresAt: now + IDEMPOTENCY_WINDOW_MS, running: true };
    this.tokens.set(token, entry);
    try {
      const response = await this.runWrite(body, { token, hash, expiresAt: entry.expiresAt });
      entry.running = false;
      entry.response = response;
      return response;
    } catch (error) {
      // Only a transaction that took effect is remembered; a cancelled one may be retried.
      this.tokens.delete(token);
      throw error;
    }
  }

  private async runWrite(body: Body, token: SpentToken | undefined): Promise<BackendResponse> {
    const operations = await this.parseWrites(body);
    const release = await this.options.locks.acquire(operations.map((o) => o.lockKey));
    try {
      const evaluated =
        (operations.every((o) => o.kind !== "ConditionCheck") &&
          (await this.tryInPlace(operations, token))) ||
        (await this.evaluateAll(operations));
      if (evaluated.items.some((e) => e.failure)) {
        // A cancelled transaction is billed too, as failed conditional writes are: each item as
        // it stayed.
        this.bill(
          evaluated.items.map(({ operation, oldImage }) => ({
            table: operation.table,
            kind: operation.kind,
            key: operation.key,
            oldImage,
            newImage: oldImage,
          })),
        );
        throw new TransactionCanceledError(
          evaluated.items.map((e) => e.failure ?? { Code: "None" }),
        );
      }
      if (!evaluated.applied) await this.apply(evaluated.items, token);
      return this.respondWrite(
        body,
        evaluated.items.map(({ operation, oldImage, newImage }) => ({
          table: operation.table,
          kind: operation.kind,
          key: operation.key,
          oldImage,
          newImage,
        })),
      );
    } finally {
      release();
    }
  }

  /** The general path: every operation tried out on its scratch copy (see the top). */
  private async evaluateAll(
    operations: WriteOperation[],
  ): Promise<{ items: Evaluated[]; applied: false }> {
    // Distinct items, each with its own scratch copy: they can be tried out side by side. All
    // settle before the locks go, or a straggler could clean up a copy the next one staged.
    const settled = await Promise.allSettled(operations.map((o) => this.evaluate(o)));
    const items = settled.map((result) => {
      if (result.status === "rejected") throw result.reason;
      return result.value;
    });
    return { items, applied: false };
  }

  /**
   * The fast path for Puts, Updates and Deletes (no ConditionCheck): each runs on the real item,
   * with its own condition, while the tables' gates keep every reader out, and what ran is
   * undone if any fails. Two dynalite calls an item (read, write) where the scratch path takes
   * four or five. Crash atomicity: the old images are made durable first (an intent "trying"),
   * and the intent becomes the decided one (final images, records) in one rename once every
   * write passed, so a crash before that undoes the trial and one after it finishes the
   * transaction (transaction-log.ts). Undefined when an item cannot even be read (a bad key):
   * the scratch path then says what is wrong, in dynalite's words.
   */
  private async tryInPlace(
    operations: WriteOperation[],
    token: SpentToken | undefined,
  ): Promise<{ items: Evaluated[]; applied: boolean } | undefined> {
    const { backend, gate, streams } = this.options;
    return gate.writing(
      [...new Set(operations.map((o) => o.table.tableName))],
      async (): Promise<{ items: Evaluated[]; applied: boolean } | undefined> => {
        const read = await Promise.all(
          operations.map((o) =>
            backend.call<{ Item?: Item }>("GetItem", {
              TableName: o.table.tableName,
              Key: o.key,
              ConsistentRead: true,
            }),
          ),
        );
        if (read.some((r) => !r.ok)) return undefined;
        const oldImages = read.map((r) => (r.ok ? r.data.Item : undefined));
        const trial = this.log.recordTrial(
          operations.map((o, i) => ({
            tableName: o.table.tableName,
            key: o.key,
            oldImage: oldImages[i],
          })),
        );
        let written = 0;
        const tried = await Promise.all(
          operations.map(async (operation, i) => {
            const result = await this.writeInPlace(operation);
            if (result.ok && ++written === this.crashAfterWrites) {
              process.kill(process.pid, "SIGKILL");
            }
            return { operation, oldImage: oldImages[i], result };
          }),
        );
        const items: Evaluated[] = [];
        let thrown: AwsError | undefined;
        for (const { operation, oldImage, result } of tried) {
          if (result.ok) {
            items.push({ operation, oldImage, newImage: result.newImage });
            continue;
          }
          const error = fromBackendError(result.error);
          const failure = cancellationReasonOf(error, operation, oldImage);
          if (!failure) thrown ??= error;
          items.push({ operation, oldImage, newImage: oldImage, failure });
        }
        if (thrown !== undefined || items.some((e) => e.failure)) {
          // Undone: every item as it was, before any reader is let in again.
          await Promise.all(
            tried
              .filter(({ result }) => result.ok)
              .map(({ operation, oldImage }) =>
                writeImage(backend, operation.table.tableName, operation.key, oldImage),
              ),
          );
          this.log.clear(trial);
          if (thrown !== undefined) throw thrown;
          return { items, applied: true };
        }
        const changed = items.filter((e) => !sameItem(e.oldImage, e.newImage));
        const writes = intendedWrites(changed);
        // Decided: from here on a crash finishes the transaction instead of undoing it.
        const intent = this.log.decide(trial, writes, token);
        appendRecords(streams, changed, writes);
        this.log.clear(intent);
        return { items, applied: true };
      },
    );
  }

  /** One operation on its real item, with the caller's condition: what it left, or why not. */
  private async writeInPlace(
    operation: WriteOperation,
  ): Promise<{ ok: true; newImage: Item | undefined } | { ok: false; error: unknown }> {
    const { backend } = this.options;
    const { table, kind, params } = operation;
    const expressions = pick(params, [
      "ConditionExpression",
      "ExpressionAttributeNames",
      "ExpressionAttributeValues",
    ]);
    if (kind === "Put") {
      const result = await backend.call("PutItem", {
        TableName: table.tableName,
        Item: params.Item,
        ...expressions,
      });
      return result.ok ? { ok: true, newImage: normalizeItem(params.Item as Item) } : result;
    }
    if (kind === "Update") {
      const result = await backend.call<{ Attributes?: Item }>("UpdateItem", {
        TableName: table.tableName,
        Key: params.Key,
        UpdateExpression: params.UpdateExpression,
        ...expressions,
        ReturnValues: "ALL_NEW",
      });
      return result.ok ? { ok: true, newImage: result.data.Attributes } : result;
    }
    const result = await backend.call("DeleteItem", {
      TableName: table.tableName,
      Key: params.Key,
      ...expressions,
    });
    return result.ok ? { ok: true, newImage: undefined } : result;
  }

  /**
   * Bills a transaction's items, as AWS does: a Put, Update or Delete at 2 units per KB of the
   * larger image (its index updates are standard writes: they propagate after the commit), a
   * ConditionCheck at 2 read units per 4 KB of the item checked. One request per table.
   */
  private bill(
    outcomes: readonly ItemOutcome[],
  ): { table: TableShape; kind: "read" | "write"; units: Units }[] {
    const byTable = new Map<string, { table: TableShape; kind: "read" | "write"; units: Units }>();
    for (const o of outcomes) {
      const kind = o.kind === "ConditionCheck" || o.kind === "Get" ? "read" : "write";
      const units =
        kind === "write"
          ? writeUnits(o.table, o.oldImage, o.newImage, { transactional: true })
          : readUnits(o.table, itemSize(o.kind === "Get" ? o.newImage : o.oldImage), {
              consistent: true,
              transactional: true,
            });
      const id = `${kind}\u0000${o.table.tableName}`;
      const entry = byTable.get(id);
      if (entry) entry.units = addUnits(entry.units, units);
      else byTable.set(id, { table: o.table, kind, units });
    }
    for (const e of byTable.values()) this.options.meter.record(e.table.tableName, e.kind, e.units);
    return [...byTable.values()];
  }

  /** The answer of a transaction, with `ConsumedCapacity` (a list, per table) when asked. */
  private respondWith(
    output: Record<string, unknown>,
    body: Body,
    billed: ReturnType<Transactions["bill"]>,
  ): BackendResponse {
    const mode = consumedCapacityMode(body.ReturnConsumedCapacity);
    if (mode) {
      const perTable = new Map<string, ConsumedCapacity>();
      for (const b of billed) {
        const capacity = consumedCapacity(b.table.tableName, b.units, mode, b.kind, b.table);
        const known = perTable.get(b.table.tableName);
        perTable.set(b.table.tableName, known ? mergeCapacity(known, capacity) : capacity);
      }
      output.ConsumedCapacity = [...perTable.values()];
    }
    return json(output);
  }

  private respondWrite(body: Body, outcomes: ItemOutcome[]): BackendResponse {
    return this.respondWith({}, body, this.bill(outcomes));
  }

  private async parseWrites(body: Body): Promise<WriteOperation[]> {
    const items = parseItemList(body.TransactItems);
    if (requestSize(items) > MAX_REQUEST_BYTES) {
      throw validationError("Transaction request size exceeds the limit of 4 MB");
    }
    const operations: WriteOperation[] = [];
    const seen = new Set<string>();
    for (const [index, entry] of items.entries()) {
      const kinds = (["ConditionCheck", "Put", "Delete", "Update"] as const).filter(
        (k) => entry[k] !== undefined && entry[k] !== null,
      );
      if (kinds.length !== 1) {
        throw validationError("TransactItems can only contain one of Check, Put, Update or Delete");
      }
      const kind = kinds[0]!;
      const params = entry[kind];
      const at = `transactItems.${index + 1}.member.${kind[0]!.toLowerCase()}${kind.slice(1)}`;
      if (!isObject(params)) throw validationError(`Invalid ${kind} in TransactItems`);
      const required =
        kind === "Put"
          ? ["TableName", "Item"]
          : kind === "Update"
            ? ["TableName", "Key", "UpdateExpression"]
            : kind === "ConditionCheck"
              ? ["TableName", "Key", "ConditionExpression"]
              : ["TableName", "Key"];
      for (const field of required) {
        if (params[field] === undefined || params[field] === null) {
          throw validationError(
            `1 validation error detected: Value null at '${at}.${field[0]!.toLowerCase()}${field.slice(1)}' failed to satisfy constraint: Member must not be null`,
          );
        }
      }
      const failure = params.ReturnValuesOnConditionCheckFailure;
      if (failure !== undefined && failure !== "NONE" && failure !== "ALL_OLD") {
        throw validationError(
          `1 validation error detected: Value '${JSON.stringify(failure)}' at '${at}.returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]`,
        );
      }
      const source = kind === "Put" ? params.Item : params.Key;
      if (typeof params.TableName !== "string" || !isObject(source)) {
        throw validationError(`Invalid ${kind} in TransactItems`);
      }
      const tableName = tableNameOf(params.TableName);
      const table = await this.options.catalog.shape(tableName);
      if (!table) throw resourceNotFound("Requested resource not found");
      const key = keyOf(table, source as Item);
      const lockKey = lockKeyOf(tableName, key);
      if (seen.has(lockKey)) {
        throw validationError("Transaction request cannot include multiple operations on one item");
      }
      seen.add(lockKey);
      operations.push({
        index,
        kind,
        table,
        stream: this.options.streams.enabledFor(tableName),
        params: { ...params, TableName: tableName },
        key,
        lockKey,
        returnOldOnFailure: failure === "ALL_OLD",
      });
    }
    return operations;
  }

  /** Tries one operation on the scratch copy of its item: did it pass, and what would it leave. */
  private async evaluate(operation: WriteOperation): Promise<Evaluated> {
    const { backend } = this.options;
    const { table, key, kind, params } = operation;
    const current = await backend.call<{ Item?: Item }>("GetItem", {
      TableName: table.tableName,
      Key: kind === "Put" ? key : params.Key,
      ConsistentRead: true,
    });
    const scratch = await this.scratch.forTable(table.tableName);
    if (!scratch) throw resourceNotFound("Requested resource not found");
    if (!current.ok) {
      // A Put's item without its key: dynalite's PutItem says what is wrong with it.
      if (kind === "Put") {
        const tried = await backend.call("PutItem", { TableName: scratch, Item: params.Item });
        if (!tried.ok) throw fromBackendError(tried.error);
      }
      throw fromBackendError(current.error);
    }
    const oldImage = current.data.Item;
    // No item: its scratch copy is absent already, since every evaluation removes its copy
    // before the item's lock goes (and scratch tables start empty, scratch-tables.ts).
    if (oldImage) {
      const staged = await backend.call("PutItem", { TableName: scratch, Item: oldImage });
      if (!staged.ok) throw fromBackendError(staged.error);
    }

    const expressions = pick(params, [
      "ConditionExpression",
      "ExpressionAttributeNames",
      "ExpressionAttributeValues",
    ]);
    let target: string;
    let request: Body;
    if (kind === "Put") {
      target = "PutItem";
      request = { TableName: scratch, Item: params.Item, ...expressions };
    } else if (kind === "Update") {
      target = "UpdateItem";
      request = {
        TableName: scratch,
        Key: params.Key,
        UpdateExpression: params.UpdateExpression,
        ...expressions,
        ReturnValues: "ALL_NEW",
      };
    } else {
      // A ConditionCheck is a conditional delete of the scratch copy: its condition decides.
      target = "DeleteItem";
      request = { TableName: scratch, Key: params.Key, ...expressions };
    }
    const result = await backend.call<{ Attributes?: Item }>(target, request);
    // Awaited: a later transaction on this item stages its copy under the same lock.
    await backend.call("DeleteItem", { TableName: scratch, Key: key });
    if (!result.ok) {
      const error = fromBackendError(result.error);
      const failure = cancellationReasonOf(error, operation, oldImage);
      if (!failure) throw error;
      return { operation, oldImage, newImage: oldImage, failure };
    }
    const newImage =
      kind === "Put"
        ? normalizeItem(params.Item as Item)
        : kind === "Update"
          ? result.data.Attributes
          : kind === "Delete"
            ? undefined
            : oldImage;
    return { operation, oldImage, newImage };
  }

  /** Makes the decided transaction durable, then visible all at once, then streamed. */
  private async apply(evaluated: Evaluated[], token: SpentToken | undefined): Promise<void> {
    const { backend, streams, gate } = this.options;
    const changed = evaluated.filter((e) => !sameItem(e.oldImage, e.newImage));
    if (changed.length === 0) {
      if (token) this.log.rememberToken(token);
      return;
    }
    const writes = intendedWrites(changed);
    const intent = this.log.record(writes, token);
    await gate.writing(
      writes.map((w) => w.tableName),
      async () => {
        // Distinct items, all decided and durable in the intent: written side by side. Readers
        // wait at the gate until every one is in.
        let written = 0;
        await Promise.all(
          writes.map(async (write) => {
            const result = write.newImage
              ? await backend.call("PutItem", { TableName: write.tableName, Item: write.newImage })
              : await backend.call("DeleteItem", { TableName: write.tableName, Key: write.key });
            // The intent stays: the next start finishes the transaction.
            if (!result.ok) throw fromBackendError(result.error);
            if (++written === this.crashAfterWrites) process.kill(process.pid, "SIGKILL");
          }),
        );
      },
    );
    appendRecords(streams, changed, writes);
    this.log.clear(intent);
  }

  // --- TransactGetItems --------------------------------------------------------------------

  async transactGet(body: Body): Promise<BackendResponse> {
    const items = parseItemList(body.TransactItems);
    const gets: { table: TableShape; params: Body; key: Item }[] = [];
    const seen = new Set<string>();
    for (const entry of items) {
      const params = entry.Get;
      if (Object.keys(entry).length !== 1 || !isObject(params)) {
        throw validationError("TransactItems can only contain Get");
      }
      if (typeof params.TableName !== "string" || !isObject(params.Key)) {
        throw validationError(
          `1 validation error detected: Value null at 'transactItems.${gets.length + 1}.member.get.${typeof params.TableName === "string" ? "key" : "tableName"}' failed to satisfy constraint: Member must not be null`,
        );
      }
      const tableName = tableNameOf(params.TableName);
      const table = await this.options.catalog.shape(tableName);
      if (!table) throw resourceNotFound("Requested resource not found");
      const key = params.Key as Item;
      const lockKey = lockKeyOf(tableName, keyOf(table, key));
      if (seen.has(lockKey)) {
        throw validationError("Transaction request cannot include multiple operations on one item");
      }
      seen.add(lockKey);
      gets.push({ table, key, params: { ...params, TableName: tableName } });
    }
    const outcomes = await this.options.gate.reading(
      gets.map((g) => g.table.tableName),
      () =>
        Promise.all(
          gets.map(async ({ table, key, params }): Promise<ItemOutcome> => {
            const result = await this.options.backend.call<{ Item?: Item }>("GetItem", {
              ...pick(params, [
                "TableName",
                "Key",
                "ProjectionExpression",
                "ExpressionAttributeNames",
              ]),
              ConsistentRead: true,
            });
            if (!result.ok) throw fromBackendError(result.error);
            return { table, kind: "Get", key, newImage: result.data.Item };
          }),
        ),
    );
    return this.respondGet(body, outcomes);
  }

  private respondGet(body: Body, outcomes: ItemOutcome[]): BackendResponse {
    return this.respondWith(
      { Responses: outcomes.map((o) => (o.newImage ? { Item: o.newImage } : {})) },
      body,
      this.bill(outcomes),
    );
  }
}

/** Why one operation cannot take effect, as a reason of a cancellation; undefined: not a reason. */
function cancellationReasonOf(
  error: AwsError,
  operation: WriteOperation,
  oldImage: Item | undefined,
): CancellationReason | undefined {
  if (error.type === CONDITIONAL_FAILED) {
    return {
      Code: "ConditionalCheckFailed",
      Message: "The conditional request failed",
      ...(operation.returnOldOnFailure && oldImage ? { Item: oldImage } : {}),
    };
  }
  return ITEM_DEPENDENT_ERROR.test(error.message)
    ? { Code: "ValidationError", Message: error.message }
    : undefined;
}

/** The decided writes of the changed items, each with the stream record it owes (if any). */
function intendedWrites(changed: Evaluated[]): IntendedWrite[] {
  return changed.map(({ operation, oldImage, newImage }) => ({
    tableName: operation.table.tableName,
    key: operation.key,
    oldImage,
    newImage,
    record: operation.stream && { streamArn: operation.stream.arn, eventID: newEventId() },
  }));
}

function appendRecords(streams: StreamStore, changed: Evaluated[], writes: IntendedWrite[]) {
  changed.forEach(({ operation }, i) => {
    const write = writes[i]!;
    if (!operation.stream || !write.record) return;
    streams.append(operation.stream, {
      keys: write.key,
      oldImage: write.oldImage,
      newImage: write.newImage,
      eventID: write.record.eventID,
    });
  });
}

function parseItemList(value: unknown): Body[] {
  if (value === undefined || value === null) {
    throw validationError(
      "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null",
    );
  }
  if (!Array.isArray(value)) throw validationError("TransactItems must be a list");
  if (value.length < 1 || value.length > MAX_ITEMS) {
    throw validationError(
      `1 validation error detected: Value '${value.length === 0 ? "[]" : `[${value.length} items]`}' at 'transactItems' failed to satisfy constraint: Member must have length ${
        value.length === 0 ? "greater than or equal to 1" : `less than or equal to ${MAX_ITEMS}`
      }`,
    );
  }
  return value.map((entry) => {
    if (!isObject(entry)) throw validationError("TransactItems must hold objects");
    return entry;
  });
}

function parseToken(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.length < 1 || value.length > 36) {
    throw validationError(
      `1 validation error detected: Value '${JSON.stringify(value)}' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36`,
    );
  }
  return value;
}

/** What a token is bound to: the operations, not how the caller asked to be answered. */
function requestHash(body: Body): string {
  return createHash("sha256").update(canonical(body.TransactItems)).digest("hex");
}

/** AWS's 4 MB counts the items written and the keys and expressions sent. */
function requestSize(items: Body[]): number {
  let size = 0;
  for (const entry of items) {
    for (const params of Object.values(entry)) {
      if (!isObject(params)) continue;
      size += itemSize((params.Item ?? params.Key) as Item | undefined);
      for (const field of ["UpdateExpression", "ConditionExpression"]) {
        const value = params[field];
        if (typeof value === "string") size += Buffer.byteLength(value);
      }
      if (isObject(params.ExpressionAttributeValues)) {
        size += itemSize(params.ExpressionAttributeValues as Item);
      }
    }
  }
  return size;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function pick(source: Body, fields: readonly string[]): Body {
  const out: Body = {};
  for (const field of fields) if (source[field] !== undefined) out[field] = source[field];
  return out;
}

function errorType(error: unknown): string {
  return isObject(error) && typeof error.__type === "string" ? error.__type : "";
}

/** A dynalite error from a scratch or internal call, answered to the caller as dynalite put it. */
function fromBackendError(error: unknown): AwsError {
  const message =
    isObject(error) && typeof (error.message ?? error.Message) === "string"
      ? String(error.message ?? error.Message)
      : "";
  const type = errorType(error) || "com.amazon.coral.validate#ValidationException";
  return new AwsError(type, message.replace(/__streamboard_tx_[0-9a-f]+/g, "table"));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function json(data: unknown): BackendResponse {
  return {
    statusCode: 200,
    headers: { "content-type": "application/x-amz-json-1.0" },
    body: JSON.stringify(data),
  };
}

/** Two tables' shares of one call, both reads and writes of one table, as one ConsumedCapacity. */
function mergeCapacity(a: ConsumedCapacity, b: ConsumedCapacity): ConsumedCapacity {
  const sum = (x?: number, y?: number) =>
    x === undefined && y === undefined ? undefined : (x ?? 0) + (y ?? 0);
  return {
    ...a,
    CapacityUnits: sum(a.CapacityUnits, b.CapacityUnits),
    ReadCapacityUnits: sum(a.ReadCapacityUnits, b.ReadCapacityUnits),
    WriteCapacityUnits: sum(a.WriteCapacityUnits, b.WriteCapacityUnits),
    ...(a.Table || b.Table
      ? {
          Table: {
            CapacityUnits: sum(a.Table?.CapacityUnits, b.Table?.CapacityUnits),
            ReadCapacityUnits: sum(a.Table?.ReadCapacityUnits, b.Table?.ReadCapacityUnits),
            WriteCapacityUnits: sum(a.Table?.WriteCapacityUnits, b.Table?.WriteCapacityUnits),
          },
        }
      : {}),
  };
}
