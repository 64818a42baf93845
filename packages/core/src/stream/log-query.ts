import { createHash } from "node:crypto";
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
 * stream log function writes a batch's entries 16 at a time (log-writer.ts), so one can become
 * visible after newer ones; and the aggregator's outcome can land on an entry before the rest of
 * it (a partial item). So a cursor carries, besides the newest position read, a rewind point:
 * the next window reads again from the REWIND-th newest entry read, skipping the entries it
 * remembers (digests of those REWIND), so one that was still in flight is found, and none twice.
 * An ascending window stops before a recent partial entry; a descending one leaves it out and
 * puts its rewind below it. Positions read again cost a bounded REWIND entries per poll (with
 * REWIND at 1 the engine tests see a tail skip a batch's late entries). A late entry comes in a
 * later page than newer ones did: a client places records by position, not by arrival.
 * Limits: on AWS, where several shards are logged concurrently, a shard whose log function lags
 * behind another's by more than REWIND entries, or an entry whose write Lambda retries seconds
 * later, can still be passed by a tail; paging back with `before` (or a seek) shows it.
 */

/** Entries a request reads at most when it filters in memory (`q`, or a second filter). */
export const READ_BUDGET = 2000;
/**
 * Entries a tail's cursor reads again, skipping those it returned: more than the stream log
 * function has in flight at once (16, log-writer.ts), so an entry still being written when a
 * window was read is found by the next one.
 */
export const REWIND = 32;
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

/** A short, stable digest of a position, for the entries a cursor remembers. */
const digestOf = (position: string) =>
  createHash("sha1").update(position).digest("base64url").slice(0, 8);

/** The most entries a cursor remembers (a late partial can widen its rewind up to this). */
const MAX_REMEMBERED = 4 * REWIND;

const TailToken = z.object({
  v: z.literal(2),
  p: z.string(),
  r: z.string().regex(POSITION_TIME).optional(),
  s: z.array(z.string().max(16)).max(MAX_REMEMBERED).optional(),
});

/** Where a tail stands: after `p`, reading again from `r` all but the `seen` entries. */
interface TailPoint {
  p: string;
  r: string;
  seen: Set<string>;
}

function tailPointOf(token: string): TailPoint {
  const p = positionOfToken(token, "cursor");
  const parsed = TailToken.safeParse(
    JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as unknown,
  );
  if (!parsed.success || (parsed.data.r !== undefined && parsed.data.r > p)) {
    throw new VisibleError("bad_request", "cursor is not one this endpoint returned");
  }
  // A bare position (a `before` token, say): after it, that entry itself excluded.
  const seen = parsed.data.s ?? (parsed.data.r === undefined ? [digestOf(p)] : []);
  return { p, r: parsed.data.r ?? p, seen: new Set(seen) };
}

const encodeTail = (p: string, r: string, seen: readonly string[]) =>
  Buffer.from(JSON.stringify({ v: 2, p, r, s: seen }), "utf8").toString("base64url");

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

  // The window: a range of positions [lo, hi] and a direction.
  let forward = false;
  let lo = horizon;
  let hi = TOP;
  /** `before=`: the entry it names is not in the window. */
  let exclusive: string | undefined;
  let point: TailPoint | undefined;
  if (query.cursor !== undefined) {
    point = tailPointOf(query.cursor);
    forward = true;
    if (point.r > lo) lo = point.r;
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
  /** Entries read and dealt with, in reading order. */
  const processed: string[] = [];
  /** Entries a tail's cursor had already returned, read again (never returned twice). */
  const reread: string[] = [];
  /** The first entry taken from the reader but not dealt with, where reading stopped. */
  let stoppedAt: string | undefined;
  /** Descending: the oldest recent partial entry (its record is on its way). */
  let partialAt: string | undefined;
  let more = false;

  const pull = async (): Promise<Item | undefined> => {
    for (;;) {
      const key = await reader.next();
      if (!key) return undefined;
      const position = key.Position as string;
      if (position === exclusive) continue;
      if (point?.seen.has(digestOf(position))) {
        reread.push(position);
        continue;
      }
      return key;
    }
  };

  reading: for (;;) {
    if (kept.length >= limit || (filter && scanned >= READ_BUDGET)) {
      if (point) {
        // More means a new entry, not one this tail already returned.
        const next = await pull();
        more = next !== undefined;
        if (next) stoppedAt = next.Position as string;
      } else {
        more = (await reader.peek()) !== undefined;
      }
      break;
    }
    // The next run of keys: as many as could still be kept (a BatchGetItem's worth, filtering).
    const want = filter ? Math.min(BATCH_GET_MAX, READ_BUDGET - scanned) : limit - kept.length;
    const keys: Item[] = [];
    while (keys.length < want) {
      const key = await pull();
      if (!key) break;
      keys.push(key);
    }
    if (keys.length === 0) break;
    const items = fromIndex
      ? await fetchItems(keys)
      : new Map(keys.map((item) => [item.Position as string, item]));
    for (let i = 0; i < keys.length; i++) {
      const position = keys[i]!.Position as string;
      const item = items.get(position); // absent: expired since its key was read
      const record = item ? inspectorRecordOf(item) : undefined;
      if (item && !record && recentPartial(item, now)) {
        if (forward) {
          // Stop before it: the tail goes on from here once it is whole (at its polling pace:
          // `newer` stays false, following at once would find nothing new).
          stoppedAt = position;
          break reading;
        }
        partialAt = position;
        continue;
      }
      scanned++;
      processed.push(position);
      if (item && record && (!filter || filter(item))) {
        kept.push(item);
        if (kept.length >= limit && i < keys.length - 1) {
          more = true; // the rest of this run is left for the next window
          stoppedAt = keys[i + 1]!.Position as string;
          break reading;
        }
      }
    }
  }

  const records = kept.map((item) => inspectorRecordOf(item)!);
  if (forward) records.reverse();
  const inOrder = (a: string, b: string) => (forward ? (a < b ? -1 : 1) : a > b ? -1 : 1);
  const beforeStop = (x: string) =>
    stoppedAt === undefined || (forward ? x < stoppedAt : x > stoppedAt);
  /** Everything this window read, in reading order: what its cursor reads again or skips. */
  const read = [...processed, ...reread.filter(beforeStop)].sort(inOrder);

  let cursor: string;
  let before: string | undefined;
  if (forward) {
    const newest = read.at(-1);
    const p = point && (newest === undefined || point.p > newest) ? point.p : (newest ?? lo);
    // The last REWIND entries read are read again by the next window, and skipped but for those
    // that were not there yet: an entry of a batch still being written lands below newer ones.
    const rewind = read.length >= REWIND ? read.slice(-REWIND) : read;
    const r = read.length >= REWIND ? rewind[0]! : (point?.r ?? lo);
    // What the last cursor remembered and this window did not reach (it stopped at `limit`).
    const reached = new Set(read.map(digestOf));
    const carried = [...(point?.seen ?? [])].filter((digest) => !reached.has(digest));
    const seen = [...rewind.map(digestOf), ...carried].slice(0, MAX_REMEMBERED);
    cursor = encodeTail(p, r, seen);
    before = encodeCursor(processed[0] ?? point?.p ?? lo);
  } else {
    const lowest = processed.at(-1);
    if (more && lowest !== undefined) before = encodeCursor(lowest);
    // The newest REWIND entries, read further if the newest window stopped short of them (a
    // tail starts there; a page further back is no tail's start, and need not pay for it).
    const rewind = read.slice(0, REWIND);
    /** Every entry from the horizon up is among the remembered ones. */
    let complete = !more && read.length <= REWIND;
    const extend = more && exclusive === undefined;
    while (extend && rewind.length < REWIND) {
      const key = await pull();
      if (!key) {
        complete = true;
        break;
      }
      const position = key.Position as string;
      if (!fromIndex && !inspectorRecordOf(key) && recentPartial(key, now)) {
        partialAt = position;
        break;
      }
      rewind.push(position);
    }
    const p =
      read[0] ?? exclusive ?? positionTime(Math.floor(now / 1000) - EMPTY_TAIL_LOOKBACK_SECONDS);
    let r = complete ? lo : (rewind.at(-1) ?? p);
    let seen = rewind;
    if (read.length === 0 && exclusive !== undefined) seen = [exclusive];
    if (partialAt !== undefined && partialAt < r) {
      const above = [...read, ...rewind].filter(
        (x, i, all) => x > partialAt! && all.indexOf(x) === i,
      );
      if (above.length <= MAX_REMEMBERED) {
        r = justBelow(partialAt);
        seen = above;
      }
    }
    cursor = encodeTail(p, r < p ? r : p, seen.map(digestOf));
  }
  return {
    records,
    cursor,
    ...(before !== undefined ? { before } : {}),
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
