import { BatchGetCommand, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { VisibleError } from "../contract/error.ts";
import { clampLimit, listLimits } from "../contract/limits.ts";
import { StreamEventName, type InspectorRecord, type StreamPage } from "../contract/stream.ts";
import { documentClient } from "../infra/clients.ts";
import { tableName } from "../infra/resource.ts";
import {
  bucketsOfDay,
  dayOf,
  decodeCursor,
  encodeCursor,
  inspectorRecordOf,
  LOG_RETENTION_SECONDS,
  logKeyOfId,
  playerKeyOf,
  positionTime,
} from "./log.ts";

/*
 * The read side of the stream log (GET /api/stream): windows of the StreamLog table, newest
 * first, never the Streams API.
 *
 * Cost does not grow with the log: a window reads the LOG_SHARDS buckets of one day (or one
 * index partition) from its edge, in parallel, and merges them by Position; it moves to the next
 * day only while short, and never past the retention horizon. What is read is what is returned,
 * plus at most about one page per bucket and one entry to know whether there is more.
 *
 * Filters are indexes: `recordId` → ByRecord, `player` → ByPlayer + ByOldPlayer (a rename is
 * found under both names), `type` → ByType (per type and bucket). With several, the most
 * selective is read and the rest applied in memory; the indexes are KEYS_ONLY, so the entries a
 * window takes are fetched with BatchGetItem. Whenever something is filtered in memory (`q`, or
 * a second filter) a request reads at most READ_BUDGET entries: when that runs out before
 * `limit` matches, the window answers what it found, and `before`/`cursor` continue from where
 * reading stopped (`scanned` says how much was read).
 *
 * A tail (`cursor=`) must never skip an entry. Entries can appear out of Position order: the
 * aggregator's outcome can land on an entry before the stream log function wrote the rest (a
 * partial item), and the entries of one log batch become visible one by one. So an entry is
 * *settled* once it is whole and was logged SETTLE_MS ago (or is a partial older than
 * PARTIAL_MAX_AGE_MS, whose writer gave up): an ascending window stops before the first entry
 * that is not, and a descending one leaves such entries out and puts its `cursor` below the
 * oldest of them. The log function stamps a batch's entries with one `LoggedAt` and writes them
 * 16 at a time (log-writer.ts), a batch of 100 in tens of ms; with SETTLE_MS at 0 the stack test
 * (log-query.stack.test.ts) sees a tail skip entries. Limits: on AWS, where several shards are
 * logged concurrently, a shard whose log function lags behind another's, or an entry whose write
 * Lambda retries seconds later, can still be passed by a tail; paging back with `before` (or a
 * seek) shows it.
 */

/** Entries a request reads at most when it filters in memory (`q`, or a second filter). */
export const READ_BUDGET = 2000;
/** How long after it was logged an entry counts as visible with all of its batch. */
export const SETTLE_MS = 100;
/** A partial entry (the aggregator's outcome without the record) older than this is passed. */
export const PARTIAL_MAX_AGE_MS = 60_000;
/** An empty log's tail starts this far back: entries still on their way are not passed. */
const EMPTY_TAIL_LOOKBACK_SECONDS = 300;
/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_MAX = 100;
const MAX_Q_LENGTH = 200;
const MAX_PLAYER_LENGTH = 32;
const MAX_RECORD_ID_LENGTH = 128;
/** Above every Position (they start with a year). */
const TOP = "~";

export interface LogQuery {
  limit: number;
  /** Newer than this token's position (a tail). */
  cursor?: string | undefined;
  /** Older than this token's position (page back). */
  before?: string | undefined;
  /** From this time on (ISO-8601 or relative, `-15m`): a seek. */
  at?: string | undefined;
  types?: readonly StreamEventName[] | undefined;
  player?: string | undefined;
  recordId?: string | undefined;
  q?: string | undefined;
}

export interface LogReadOptions {
  /** Milliseconds since the epoch (tests pass a controlled clock). */
  now?: number;
}

// --- parameters --------------------------------------------------------------------------------

const blank = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

/**
 * GET /api/stream's query parameters (strings) → a LogQuery. Unknown types, over-long text, a bad
 * `at`, two positions at once: 400 `invalid_input`; a cursor it never gave out: `bad_request`.
 */
export const StreamQueryParams = z
  .object({
    cursor: z.preprocess(blank, z.string().max(2048).optional()),
    before: z.preprocess(blank, z.string().max(2048).optional()),
    at: z.preprocess(blank, z.string().max(64).optional()),
    type: z.preprocess(
      (value) =>
        typeof value === "string" && value.trim() !== ""
          ? value.split(",").map((t) => t.trim().toUpperCase())
          : undefined,
      z.array(StreamEventName, { error: "type must be INSERT, MODIFY and/or REMOVE" }).optional(),
    ),
    player: z.preprocess(
      (value) => (typeof value === "string" ? value.normalize("NFC").trim() : value),
      z
        .string()
        .max(MAX_PLAYER_LENGTH, { error: `player is at most ${MAX_PLAYER_LENGTH} characters` })
        .optional()
        .transform((value) => (value === "" ? undefined : value)),
    ),
    recordId: z.preprocess(
      blank,
      z
        .string()
        .max(MAX_RECORD_ID_LENGTH, {
          error: `recordId is at most ${MAX_RECORD_ID_LENGTH} characters`,
        })
        .optional(),
    ),
    q: z.preprocess(
      blank,
      z
        .string()
        .max(MAX_Q_LENGTH, { error: `q is at most ${MAX_Q_LENGTH} characters` })
        .optional(),
    ),
    limit: z.preprocess(
      (value) => (value === "" ? undefined : value),
      z.coerce
        .number({ error: `limit must be an integer between 1 and ${listLimits.stream.max}` })
        .int({ error: `limit must be an integer between 1 and ${listLimits.stream.max}` })
        .min(1, { error: `limit must be an integer between 1 and ${listLimits.stream.max}` })
        .max(listLimits.stream.max, {
          error: `limit must be an integer between 1 and ${listLimits.stream.max}`,
        })
        .default(listLimits.stream.default),
    ),
  })
  .refine(
    (query) => [query.cursor, query.before, query.at].filter((v) => v !== undefined).length <= 1,
    { error: "at most one of cursor, before and at", path: ["cursor"] },
  )
  .transform(({ type, ...rest }): LogQuery => ({
    ...rest,
    ...(type ? { types: [...new Set(type)] } : {}),
  }));

const RELATIVE = /^-(\d{1,6})(s|m|h|d)$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * `at=` as epoch milliseconds: an ISO-8601 time with a zone (`2026-12-02T03:15:00Z`) or a time
 * back from now (`-30s`, `-15m`, `-2h`, `-1d`). Future times are allowed (they find nothing).
 */
export function parseAt(text: string, now = Date.now()): number {
  const relative = RELATIVE.exec(text);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
  const ms = ISO.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0 || ms > 253_402_300_799_000) {
    throw new VisibleError(
      "invalid_input",
      "at must be an ISO-8601 time with a zone (2026-01-31T12:00:00Z) or relative (-30s, -15m, -2h, -1d)",
    );
  }
  return ms;
}

const POSITION_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/;

function positionOfToken(token: string, name: "cursor" | "before"): string {
  const position = decodeCursor(token, name);
  if (!POSITION_TIME.test(position)) {
    throw new VisibleError("bad_request", `${name} is not one this endpoint returned`);
  }
  return position;
}

// --- reading one sorted partition, and several merged ---------------------------------------

type Item = Record<string, unknown>;

interface PartitionSpec {
  index?: string;
  hashName: string;
  hashValue: string;
}

/** One key's partition of the table or an index, read page by page within [lo, hi]. */
class PartitionReader {
  private buffer: Item[] = [];
  private startKey: Item | undefined;
  private done = false;

  constructor(
    private readonly spec: PartitionSpec,
    private readonly range: { lo: string; hi: string; forward: boolean },
    private readonly pageSize: () => number,
    private readonly counter: { queries: number },
  ) {}

  head(): Item | undefined {
    return this.buffer[0];
  }

  take(): Item | undefined {
    return this.buffer.shift();
  }

  /** Reads the next page when nothing is buffered and more may follow. */
  async fill(): Promise<void> {
    if (this.buffer.length > 0 || this.done) return;
    this.counter.queries++;
    const page = await documentClient().send(
      new QueryCommand({
        TableName: tableName("StreamLog"),
        ...(this.spec.index ? { IndexName: this.spec.index } : {}),
        KeyConditionExpression: "#h = :h AND #p BETWEEN :lo AND :hi",
        ExpressionAttributeNames: { "#h": this.spec.hashName, "#p": "Position" },
        ExpressionAttributeValues: {
          ":h": this.spec.hashValue,
          ":lo": this.range.lo,
          ":hi": this.range.hi,
        },
        ScanIndexForward: this.range.forward,
        Limit: Math.max(1, this.pageSize()),
        ...(this.startKey ? { ExclusiveStartKey: this.startKey } : {}),
      }),
    );
    this.buffer = page.Items ?? [];
    this.startKey = page.LastEvaluatedKey;
    if (!this.startKey) this.done = true;
  }
}

/**
 * Groups of partitions in reading order (a day's buckets, newest day first when descending),
 * each group's partitions merged by Position; the next group opens only once one is used up.
 */
class MergedReader {
  private group = -1;
  private readers: PartitionReader[] = [];

  constructor(
    private readonly groups: PartitionSpec[][],
    private readonly range: { lo: string; hi: string; forward: boolean },
    private readonly need: () => number,
    readonly counter: { queries: number } = { queries: 0 },
  ) {}

  private pick(): PartitionReader | undefined {
    let best: PartitionReader | undefined;
    let bestPosition = "";
    for (const reader of this.readers) {
      const position = reader.head()?.Position as string | undefined;
      if (position === undefined) continue;
      if (!best || (this.range.forward ? position < bestPosition : position > bestPosition)) {
        best = reader;
        bestPosition = position;
      }
    }
    return best;
  }

  /** The next entry's keys in reading order, without taking it. */
  async peek(): Promise<Item | undefined> {
    for (;;) {
      if (this.readers.length === 0) {
        if (++this.group >= this.groups.length) return undefined;
        const partitions = this.groups[this.group]!;
        // Each partition holds about 1/n of what is needed; a little more spares a second page.
        const share = () =>
          partitions.length === 1
            ? this.need()
            : Math.ceil((this.need() * 1.5) / partitions.length) + 2;
        this.readers = partitions.map(
          (spec) => new PartitionReader(spec, this.range, share, this.counter),
        );
      }
      await Promise.all(this.readers.map((reader) => reader.fill()));
      const best = this.pick();
      if (best) return best.head();
      this.readers = [];
    }
  }

  async next(): Promise<Item | undefined> {
    const item = await this.peek();
    if (item) this.pick()!.take();
    return item;
  }
}

// --- windows ---------------------------------------------------------------------------------

/** The UTC days from `from` to `to` (YYYY-MM-DD), in that direction. */
function daysBetween(from: string, to: string): string[] {
  const step = from <= to ? 1 : -1;
  const days: string[] = [];
  for (
    let t = Date.parse(`${from}T00:00:00Z`);
    step > 0 ? t <= Date.parse(`${to}T00:00:00Z`) : t >= Date.parse(`${to}T00:00:00Z`);
    t += step * 86_400_000
  ) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/** The partitions to read for a query: the most selective filter's index. */
function partitionsOf(
  query: LogQuery,
  days: string[],
): { groups: PartitionSpec[][]; indexed: "record" | "player" | "type" | "time" } {
  if (query.recordId !== undefined) {
    return {
      groups: [[{ index: "ByRecord", hashName: "RecordID", hashValue: query.recordId }]],
      indexed: "record",
    };
  }
  if (query.player !== undefined) {
    const key = playerKeyOf(query.player);
    return {
      groups: [
        [
          { index: "ByPlayer", hashName: "PlayerKey", hashValue: key },
          { index: "ByOldPlayer", hashName: "OldPlayerKey", hashValue: key },
        ],
      ],
      indexed: "player",
    };
  }
  if (query.types?.length) {
    const types = query.types;
    return {
      groups: days.map((day) =>
        types.flatMap((type) =>
          bucketsOfDay(day).map((bucket) => ({
            index: "ByType",
            hashName: "TypeBucket",
            hashValue: `${type}#${bucket}`,
          })),
        ),
      ),
      indexed: "type",
    };
  }
  return {
    groups: days.map((day) =>
      bucketsOfDay(day).map((bucket) => ({ hashName: "Bucket", hashValue: bucket })),
    ),
    indexed: "time",
  };
}

const fold = (text: string) => text.normalize("NFC").toLowerCase();

/** What the in-memory part of a query keeps (undefined: nothing is filtered in memory). */
function memoryFilterOf(
  query: LogQuery,
  indexed: "record" | "player" | "type" | "time",
): ((item: Item) => boolean) | undefined {
  const tests: ((item: Item) => boolean)[] = [];
  if (query.player !== undefined && indexed === "record") {
    const key = playerKeyOf(query.player);
    tests.push((item) => item.PlayerKey === key || item.OldPlayerKey === key);
  }
  if (query.types?.length && indexed !== "type") {
    const types = new Set<string>(query.types);
    tests.push((item) => types.has(item.EventName as string));
  }
  if (query.q !== undefined) {
    const needle = fold(query.q);
    tests.push((item) =>
      [item.EventID, item.EventName, item.Keys, item.NewImage, item.OldImage].some(
        (field) => typeof field === "string" && fold(field).includes(needle),
      ),
    );
  }
  return tests.length ? (item) => tests.every((t) => t(item)) : undefined;
}

/** Whole entries of these keys (one BatchGetItem per 100, unprocessed keys retried). */
async function fetchItems(keys: Item[]): Promise<Map<string, Item>> {
  const found = new Map<string, Item>();
  const table = tableName("StreamLog");
  for (let i = 0; i < keys.length; i += BATCH_GET_MAX) {
    let pending: Item[] = keys
      .slice(i, i + BATCH_GET_MAX)
      .map((k) => ({ Bucket: k.Bucket, Position: k.Position }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
      if (attempt > 8) throw new VisibleError("unavailable", "The stream log is not answering.");
      const answer = await documentClient().send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: pending } } }),
      );
      for (const item of answer.Responses?.[table] ?? []) found.set(item.Position as string, item);
      pending = (answer.UnprocessedKeys?.[table]?.Keys ?? []) as Item[];
    }
  }
  return found;
}

/** A string just below `position`: `Position > it` includes `position` itself. */
const justBelow = (position: string) => position.slice(0, -1);

/** Whether the outcome on a partial entry is recent (its record is on its way). */
function recentPartial(item: Item, now: number): boolean {
  try {
    const at = Date.parse((JSON.parse(String(item.Aggregator)) as { at?: string }).at ?? "");
    return Number.isFinite(at) && at > now - PARTIAL_MAX_AGE_MS;
  } catch {
    return false;
  }
}

/**
 * A window of the stream log (see the top of this file and `StreamPage`), newest first.
 * `limit` is clamped to [1, 500]; bad positions and times are 400s.
 */
export async function readLog(query: LogQuery, options: LogReadOptions = {}): Promise<StreamPage> {
  const now = options.now ?? Date.now();
  const limit = clampLimit(query.limit, "stream");
  if ([query.cursor, query.before, query.at].filter((v) => v !== undefined).length > 1) {
    throw new VisibleError("invalid_input", "at most one of cursor, before and at");
  }
  const horizon = positionTime(Math.floor(now / 1000) - LOG_RETENTION_SECONDS);
  const today = dayOf(new Date(now).toISOString());

  // The window: a range of positions [lo, hi], a direction, and the bound it excludes.
  let forward = false;
  let lo = horizon;
  let hi = TOP;
  let exclusive: string | undefined;
  if (query.cursor !== undefined) {
    exclusive = positionOfToken(query.cursor, "cursor");
    forward = true;
    if (exclusive > lo) lo = exclusive;
  } else if (query.at !== undefined) {
    // The stream keeps whole seconds: the records of the second `at` falls in are from it on.
    const at = positionTime(Math.floor(parseAt(query.at, now) / 1000));
    forward = true;
    if (at > lo) lo = at;
  } else if (query.before !== undefined) {
    exclusive = positionOfToken(query.before, "before");
    hi = exclusive;
  }

  const upToDay = hi === TOP || dayOf(hi) > today ? today : dayOf(hi);
  const empty = lo > hi || dayOf(lo) > upToDay;
  const days = empty
    ? []
    : forward
      ? daysBetween(dayOf(lo), upToDay)
      : daysBetween(upToDay, dayOf(lo));
  const { groups, indexed } = partitionsOf(query, days);
  const filter = memoryFilterOf(query, indexed);
  const fromIndex = indexed !== "time";

  let scanned = 0;
  const kept: Item[] = [];
  const reader = new MergedReader(empty ? [] : groups, { lo, hi, forward }, () =>
    filter ? Math.min(250, READ_BUDGET - scanned + 1) : limit + 1 - kept.length,
  );
  /** The first and the last entry read, whatever the filters kept. */
  let firstRead: string | undefined;
  let lastRead: string | undefined;
  /** Descending: the oldest entry left out as not settled yet. */
  let unsettledAt: string | undefined;
  let more = false;

  reading: for (;;) {
    if (kept.length >= limit || (filter && scanned >= READ_BUDGET)) {
      more = (await reader.peek()) !== undefined;
      break;
    }
    // The next run of keys: as many as could still be kept (a BatchGetItem's worth, filtering).
    const want = filter ? Math.min(BATCH_GET_MAX, READ_BUDGET - scanned) : limit - kept.length;
    const keys: Item[] = [];
    while (keys.length < want) {
      const key = await reader.next();
      if (!key) break;
      if (key.Position !== exclusive) keys.push(key);
    }
    if (keys.length === 0) break;
    const items = fromIndex
      ? await fetchItems(keys)
      : new Map(keys.map((item) => [item.Position as string, item]));
    for (let i = 0; i < keys.length; i++) {
      const position = keys[i]!.Position as string;
      const item = items.get(position); // absent: expired since its key was read
      const record = item ? inspectorRecordOf(item) : undefined;
      const settled = item
        ? record
          ? Date.parse(record.loggedAt) <= now - SETTLE_MS
          : !recentPartial(item, now)
        : true;
      if (!settled) {
        if (forward) {
          // Stop before it: the tail goes on from here once it is whole (at its polling pace:
          // `newer` stays false, following at once would find nothing new).
          break reading;
        }
        unsettledAt = position;
      }
      scanned++;
      firstRead ??= position;
      lastRead = position;
      if (settled && item && record && (!filter || filter(item))) {
        kept.push(item);
        if (kept.length >= limit && i < keys.length - 1) {
          more = true; // the rest of this run is left for the next window
          break reading;
        }
      }
    }
  }

  const records = kept.map((item) => inspectorRecordOf(item)!);
  if (forward) records.reverse();
  let cursor: string;
  let before: string | undefined;
  if (forward) {
    // Newer: from the last entry read (a search goes on where it stopped reading).
    cursor = lastRead ?? exclusive ?? lo;
    before = firstRead ?? exclusive ?? lo;
  } else {
    cursor =
      firstRead ?? exclusive ?? positionTime(Math.floor(now / 1000) - EMPTY_TAIL_LOOKBACK_SECONDS);
    if (unsettledAt !== undefined && justBelow(unsettledAt) < cursor) {
      cursor = justBelow(unsettledAt);
    }
    if (more) before = lastRead;
  }
  return {
    records,
    cursor: encodeCursor(cursor),
    ...(before !== undefined ? { before: encodeCursor(before) } : {}),
    newer: forward ? more : query.before !== undefined,
    scanned,
  };
}

/** One entry of the log by its id (deep links), or 404. */
export async function readLogRecord(logId: string): Promise<InspectorRecord> {
  const key = logKeyOfId(logId);
  const { Item } = await documentClient().send(
    new GetCommand({ TableName: tableName("StreamLog"), Key: key }),
  );
  const record = Item ? inspectorRecordOf(Item) : undefined;
  if (!record) throw new VisibleError("not_found", "No such record in the stream log.");
  return record;
}

/** How often a live tail reads the log's head (GET /api/stream/live, the bench). */
export const TAIL_INTERVAL_MS = 200;

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });

/**
 * Follows the log's head: without a cursor the newest window first (records or not: it carries
 * the cursor), then every window after the cursor that has records, reading the log table every
 * `intervalMs` (at once again while `newer` says more is there), until `signal` aborts. A cursor
 * this API never gave out throws here, before anything is read (a 400).
 */
export function tailLog(
  query: Omit<LogQuery, "before" | "at">,
  options: { signal: AbortSignal; intervalMs?: number },
): AsyncGenerator<StreamPage, void, undefined> {
  if (query.cursor !== undefined) positionOfToken(query.cursor, "cursor");
  const intervalMs = options.intervalMs ?? TAIL_INTERVAL_MS;
  return (async function* () {
    let cursor = query.cursor;
    if (cursor === undefined) {
      const newest = await readLog(query);
      yield newest;
      cursor = newest.cursor;
    }
    while (!options.signal.aborted) {
      const page = await readLog({ ...query, cursor });
      cursor = page.cursor;
      if (page.records.length > 0) yield page;
      if (!page.newer) await pause(intervalMs, options.signal);
    }
  })();
}
