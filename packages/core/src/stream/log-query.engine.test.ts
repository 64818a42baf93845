import { BatchWriteCommand, DeleteCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { startTestEngine } from "@streamboard/local/testing";
import type { DynamoDBRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { VisibleError } from "../contract/error.ts";
import { StreamPage, type StreamEventName } from "../contract/stream.ts";
import { documentClient } from "../infra/clients.ts";
import { tableName } from "../infra/resource.ts";
import { streamRecord } from "../testing/testing.ts";
import { encodeCursor, LOG_SHARDS, logIdOf, logItemOf, logKeyOf, type LogItem } from "./log.ts";
import {
  parseAt,
  READ_BUDGET,
  readLog,
  readLogRecord,
  REWIND,
  StreamQueryParams,
  type LogQuery,
} from "./log-query.ts";

// Integration: entries written as the stream log function writes them (`logItemOf`), read back
// through the real engine's table and indexes, with a controlled clock.

let engine: Awaited<ReturnType<typeof startTestEngine>>;
beforeAll(async () => {
  // The entries' times are the tests' own (in the past): no TTL sweep may delete them meanwhile.
  engine = await startTestEngine({ ttlSweepIntervalMs: 0 });
});
afterAll(() => engine.close());

const H = 3_600_000;
/**
 * Each test lives in its own stretch of time, a week apart from the others, so that no window of
 * one (at most 48 h back, up to its `now`) sees another's entries. Names are unique per test too.
 */
let week = 0;
function clock() {
  const now = Date.parse("2026-03-01T12:00:00.000Z") + ++week * 7 * 24 * H;
  return { now, tag: `w${week}` };
}

let seq = 1_000_000;
interface Entry {
  /** Epoch ms of the record (the stream keeps whole seconds). */
  time: number;
  eventName?: StreamEventName;
  player?: string;
  /** A MODIFY that renamed the record from this name. */
  oldPlayer?: string;
  recordId?: string;
  score?: number;
  nick?: string;
  /** When the log function wrote it; default: a second after the record. */
  loggedAt?: number;
  /** Its sequence number; default: the next. */
  seq?: number;
}

function recordOf(entry: Entry): DynamoDBRecord {
  const eventName = entry.eventName ?? "INSERT";
  const sequence = entry.seq ?? ++seq;
  const recordId = entry.recordId ?? `rec-${sequence}`;
  const image = (player: string) => ({
    RecordID: recordId,
    PlayerName: player,
    Score: entry.score ?? 1,
    ...(entry.nick ? { NickName: entry.nick } : {}),
    CreatedAt: new Date(entry.time).toISOString(),
    UpdatedAt: new Date(entry.time).toISOString(),
  });
  const player = entry.player ?? "someone";
  return streamRecord({
    eventName,
    sequenceNumber: String(sequence),
    approximateTime: Math.floor(entry.time / 1000),
    ...(eventName !== "REMOVE" ? { newImage: image(player) } : {}),
    ...(eventName !== "INSERT" ? { oldImage: image(entry.oldPlayer ?? player) } : {}),
  });
}

async function writeEntries(entries: Entry[]): Promise<LogItem[]> {
  const items = entries.map((e) => logItemOf(recordOf(e), e.loggedAt ?? e.time + 1000)!);
  for (let i = 0; i < items.length; i += 25) {
    await documentClient().send(
      new BatchWriteCommand({
        RequestItems: {
          [tableName("StreamLog")]: items
            .slice(i, i + 25)
            .map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
  }
  return items;
}

const positionsOf = (page: StreamPage) =>
  page.records.map((r) => Buffer.from(r.logId, "base64url").toString("utf8"));
const newestFirst = (items: LogItem[]) =>
  items
    .map((i) => i.Position)
    .sort()
    .reverse();

/** Pages back with `before` until it is absent; every page checked against the schema. */
async function pageBack(query: Omit<LogQuery, "limit">, limit: number, now: number) {
  const seen: string[] = [];
  let page = StreamPage.parse(await readLog({ ...query, limit }, { now }));
  seen.push(...positionsOf(page));
  for (let guard = 0; page.before && guard < 10_000; guard++) {
    page = StreamPage.parse(await readLog({ ...query, before: page.before, limit }, { now }));
    expect(page.records.length).toBeLessThanOrEqual(limit);
    seen.push(...positionsOf(page));
  }
  return seen;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VisibleError);
  return (error as VisibleError).code;
}

describe("readLog against the engine", () => {
  test("the newest records first; paging back finds every retained one once, across days and shards", async () => {
    const { now, tag } = clock();
    // 300 records over the last 40 hours (three UTC days), several per second at times.
    const entries: Entry[] = Array.from({ length: 300 }, (_, i) => ({
      time: now - 40 * H + Math.floor(i / 3) * ((40 * H) / 100),
      player: `${tag}-p${i % 7}`,
    }));
    const items = await writeEntries(entries);
    expect(new Set(items.map((i) => i.Bucket.slice(0, 10))).size).toBe(3);
    expect(new Set(items.map((i) => i.Bucket)).size).toBe(3 * LOG_SHARDS);
    // Past the retention horizon (48 h): kept by the table until TTL, never shown.
    await writeEntries([{ time: now - 49 * H }, { time: now - 60 * H }]);

    const newest = await readLog({ limit: 10 }, { now });
    expect(positionsOf(newest)).toEqual(newestFirst(items).slice(0, 10));
    expect(newest.newer).toBe(false);
    expect(newest.scanned).toBe(10);
    expect(newest.before).toBeDefined();

    // (limit 1 is paged through in the filters test, over fewer entries.)
    for (const limit of [7, 50, 500]) {
      expect(await pageBack({}, limit, now)).toEqual(newestFirst(items));
    }
  }, 90_000);

  test("cost follows the limit, not the log's length", async () => {
    const { now } = clock();
    const unitsOf = async () => {
      engine.capacity.reset();
      engine.requests.reset();
      const page = await readLog({ limit: 100 }, { now });
      expect(page.records).toHaveLength(100);
      // The log's table only: one Query per bucket of the day, never the Streams API.
      expect(engine.requests.snapshot()).toEqual({ Query: LOG_SHARDS });
      return engine.capacity.snapshot()[tableName("StreamLog")]!;
    };
    const spread = (n: number, offset: number) =>
      Array.from({ length: n }, (_, i) => ({ time: now - offset - i * 1000 }));
    await writeEntries(spread(300, 0));
    const small = await unitsOf();
    await writeEntries(spread(3000, 300_000));
    const large = await unitsOf();
    // Both read the same newest 100 (the later 3,000 are older): the same queries, the same units.
    expect(large.readRequests).toBe(small.readRequests);
    expect(large.readUnits).toBeLessThanOrEqual(small.readUnits * 1.2);
    expect(small.readRequests).toBeLessThanOrEqual(LOG_SHARDS * 2);
  });

  test("a tail that follows cursor never skips one, a whole second at a time or partial entries", async () => {
    const { now: start, tag } = clock();
    let now = start;
    const first = await readLog({ limit: 5 }, { now });
    expect(first.records).toEqual([]);
    let cursor = first.cursor;
    const written: LogItem[] = [];
    const seen: string[] = [];
    const poll = async (limit = 3) => {
      for (let guard = 0; ; guard++) {
        if (guard > 100) throw new Error("the tail never settles");
        const page = await readLog({ cursor, limit }, { now });
        expect(page.records.length).toBeLessThanOrEqual(limit);
        seen.push(...positionsOf(page).reverse());
        cursor = page.cursor;
        if (!page.newer) return page;
      }
    };
    for (let round = 0; round < 6; round++) {
      // A batch of 20 records of one second whose entries land out of order, as the log
      // function's concurrent writes do: the odd ones while the tail reads, then the even ones.
      const base = (seq += 100);
      const batch = Array.from({ length: 20 }, (_, i) => ({
        time: now - 2000,
        player: tag,
        seq: base + i,
      }));
      written.push(...(await writeEntries(batch.filter((_, i) => i % 2 === 1))));
      await poll();
      written.push(...(await writeEntries(batch.filter((_, i) => i % 2 === 0))));
      await poll();
      now += 1000;
    }
    // Each once: the late ones after the others, none skipped, none twice.
    expect(seen).toHaveLength(written.length);
    expect([...seen].sort()).toEqual(written.map((i) => i.Position).sort());

    // The aggregator's outcome landed before the entry itself: the tail waits at it.
    const late = recordOf({ time: now - 1000, player: tag });
    const lateKey = logKeyOf(late, now);
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName("StreamLog"),
        Key: lateKey,
        UpdateExpression: "SET Aggregator = :a",
        ExpressionAttributeValues: {
          ":a": JSON.stringify({
            outcome: "applied",
            at: new Date(now).toISOString(),
            changes: [],
          }),
        },
      }),
    );
    const after = await writeEntries([{ time: now, player: tag, loggedAt: now - 1000 }]);
    const waiting = await poll();
    expect(waiting.records).toEqual([]);
    expect(waiting.newer).toBe(false);
    // The stream log function writes the rest: the tail shows it, then what followed it.
    const whole = {
      ...logItemOf(late, now - 500)!,
      Aggregator: JSON.stringify({
        outcome: "applied",
        at: new Date(now).toISOString(),
        changes: [],
      }),
    };
    await documentClient().send(new PutCommand({ TableName: tableName("StreamLog"), Item: whole }));
    const caught = await poll(10);
    expect(positionsOf(caught)).toEqual([after[0]!.Position, whole.Position]);
    expect(caught.records[1]!.aggregator?.outcome).toBe("applied");

    // A partial entry whose record never came is passed once it is a minute old.
    const lost = logKeyOf(recordOf({ time: now, player: tag }), now);
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName("StreamLog"),
        Key: lost,
        UpdateExpression: "SET Aggregator = :a",
        ExpressionAttributeValues: {
          ":a": JSON.stringify({
            outcome: "applied",
            at: new Date(now).toISOString(),
            changes: [],
          }),
        },
      }),
    );
    const next = await writeEntries([{ time: now + 1000, player: tag, loggedAt: now }]);
    now += 1000;
    expect((await poll()).records).toEqual([]);
    now += 61_000;
    expect(positionsOf(await poll())).toEqual([next[0]!.Position]);
  });

  test("the newest window's cursor picks up an entry that lands just below its newest", async () => {
    const { now, tag } = clock();
    const base = (seq += 100);
    const at = (i: number) => ({ time: now - 3000, player: tag, seq: base + i });
    await writeEntries([0, 1, 2, 3, 4, 6, 7, 8, 9].map(at));
    for (const limit of [1, 5, 50]) {
      const page = await readLog({ limit, player: tag }, { now });
      expect(page.records).toHaveLength(Math.min(limit, 9));
      const late = await writeEntries([{ ...at(5), seq: base + 5 }]);
      const tail = await readLog({ cursor: page.cursor, limit: 10, player: tag }, { now });
      expect(positionsOf(tail)).toEqual([late[0]!.Position]);
      // And nothing more on the next poll.
      expect((await readLog({ cursor: tail.cursor, limit: 10 }, { now })).records).toEqual([]);
      await documentClient().send(
        new DeleteCommand({
          TableName: tableName("StreamLog"),
          Key: { Bucket: late[0]!.Bucket, Position: late[0]!.Position },
        }),
      );
    }
    // A cursor stays small: it remembers at most REWIND entries of a busy tail.
    const busy = await writeEntries(Array.from({ length: 100 }, (_, i) => at(1000 + i)));
    const page = await readLog({ limit: 100, player: tag }, { now });
    expect(page.records[0]!.logId).toBe(logIdOf(busy.at(-1)!));
    expect(page.cursor.length).toBeLessThan(REWIND * 16 + 400);
    // A window holding more than REWIND entries, and all there is: its tail repeats none.
    const all = await readLog({ limit: 500, player: tag }, { now });
    expect(all.records.length).toBeGreaterThan(REWIND);
    expect(all.before).toBeUndefined();
    const again = await readLog({ cursor: all.cursor, limit: 500, player: tag }, { now });
    expect(again.records).toEqual([]);
  });

  test("at= lands on the first record of that time; relative times; the future finds nothing", async () => {
    const { now } = clock();
    // A record every 10 s over the last two hours.
    const items = await writeEntries(
      Array.from({ length: 720 }, (_, i) => ({ time: now - 2 * H + i * 10_000 + 400 })),
    );
    const minute = new Date(now - 37 * 60_000).toISOString().slice(0, 16); // YYYY-MM-DDTHH:MM
    const page = await readLog({ at: `${minute}Z`, limit: 6 }, { now });
    expect(page.records).toHaveLength(6);
    const times = page.records.map((r) => r.approximateCreationDateTime);
    expect(times.at(-1)).toBe(`${minute}:00.000Z`);
    expect(times[0]).toBe(`${minute}:50.000Z`);
    expect(page.newer).toBe(true);
    // From there: newer with cursor, older with before, no gap at the seam.
    const newer = await readLog({ cursor: page.cursor, limit: 1 }, { now });
    const all = newestFirst(items);
    const index = all.indexOf(positionsOf(page).at(-1)!);
    const older = await readLog({ before: page.before!, limit: 2 }, { now });
    expect(positionsOf(older)).toEqual(all.slice(index + 1, index + 3));
    expect(positionsOf(newer)).toEqual([all[index - 6]!]);

    // A time within a second: that second's record is in (the stream keeps whole seconds).
    const exact = await readLog({ at: `${minute}:20.700Z`, limit: 1 }, { now });
    expect(exact.records[0]!.approximateCreationDateTime).toBe(`${minute}:20.000Z`);
    const relative = await readLog({ at: "-15m", limit: 1 }, { now });
    expect(Date.parse(relative.records[0]!.approximateCreationDateTime)).toBe(
      Math.ceil((now - 15 * 60_000 - 400) / 10_000) * 10_000,
    );
    const future = await readLog({ at: new Date(now + H).toISOString(), limit: 5 }, { now });
    expect(future.records).toEqual([]);
    expect(future.newer).toBe(false);
    // Before the horizon: from the oldest retained.
    expect(positionsOf(await readLog({ at: "-3d", limit: 1 }, { now }))).toEqual([all.at(-1)!]);
  });

  test("filters: type, player (renames under both names, any case), recordId, and combinations", async () => {
    const { now, tag } = clock();
    const ann = `${tag}-Ann`;
    const bob = `${tag}-Bob`;
    const t = (i: number) => now - H + i * 1000;
    const items = await writeEntries([
      { time: t(0), player: ann, recordId: `${tag}-r1` },
      { time: t(1), player: bob, recordId: `${tag}-r2` },
      { time: t(2), eventName: "MODIFY", player: ann, recordId: `${tag}-r1`, score: 5 },
      { time: t(3), eventName: "MODIFY", player: bob, oldPlayer: ann, recordId: `${tag}-r1` },
      { time: t(4), eventName: "REMOVE", player: bob, recordId: `${tag}-r2` },
      { time: t(5), player: `${tag}-Cy`, recordId: `${tag}-r3`, nick: "Zebra" },
    ]);
    const pos = (...indexes: number[]) => indexes.map((i) => items[i]!.Position).reverse();
    const read = async (query: Omit<LogQuery, "limit">) =>
      positionsOf(await readLog({ ...query, limit: 50 }, { now }));

    expect(
      await read({ types: ["MODIFY"], player: undefined, recordId: undefined, q: tag }),
    ).toEqual(pos(2, 3));
    expect(await read({ types: ["MODIFY", "REMOVE"], q: tag })).toEqual(pos(2, 3, 4));
    expect(await read({ player: ann.toUpperCase() })).toEqual(pos(0, 2, 3));
    expect(await read({ player: bob })).toEqual(pos(1, 3, 4));
    expect(await read({ recordId: `${tag}-r1` })).toEqual(pos(0, 2, 3));
    expect(await read({ recordId: `${tag}-r1`, types: ["INSERT"] })).toEqual(pos(0));
    expect(await read({ recordId: `${tag}-r1`, player: bob })).toEqual(pos(3));
    expect(await read({ player: bob, types: ["REMOVE", "MODIFY"] })).toEqual(pos(3, 4));
    expect(await read({ player: ann, q: "modify" })).toEqual(pos(2, 3));
    expect(await read({ q: "zEBRA" })).toEqual(pos(5));
    expect(await read({ types: ["REMOVE"], q: `${tag}-r2` })).toEqual(pos(4));
    expect(await read({ player: `${tag}-nobody` })).toEqual([]);

    // Filtered windows page back too, without gaps.
    expect(await pageBack({ player: ann }, 1, now)).toEqual(pos(0, 2, 3));
    expect(await pageBack({ types: ["INSERT"], q: tag }, 1, now)).toEqual(pos(0, 1, 5));
  });

  test("q reads a bounded number of entries and continues from where it stopped reading", async () => {
    const { now, tag } = clock();
    const t = (i: number) => now - 3 * H + i * 2000;
    const entries: Entry[] = Array.from({ length: 2600 }, (_, i) => ({
      time: t(i),
      player: `${tag}-filler`,
    }));
    entries[2590] = { time: t(2590), player: `${tag}-needle` }; // within the newest 2,000
    entries[100] = { time: t(100), player: `${tag}-Needle` }; // beyond them
    const items = await writeEntries(entries);
    const first = await readLog({ q: "NEEDLE", limit: 10 }, { now });
    expect(positionsOf(first)).toEqual([items[2590]!.Position]);
    expect(first.scanned).toBe(READ_BUDGET);
    expect(first.before).toBeDefined();
    const second = await readLog({ q: "needle", before: first.before!, limit: 10 }, { now });
    expect(positionsOf(second)).toEqual([items[100]!.Position]);
    expect(second.scanned).toBe(2600 - READ_BUDGET);
    expect(second.before).toBeUndefined();
    // Forward (a seek) stops the same way, its cursor where reading stopped.
    const seek = await readLog(
      { q: "needle", at: new Date(t(0)).toISOString(), limit: 10 },
      { now },
    );
    expect(positionsOf(seek)).toEqual([items[100]!.Position]);
    expect(seek.scanned).toBe(READ_BUDGET);
    expect(seek.newer).toBe(true);
    const rest = await readLog({ q: "needle", cursor: seek.cursor, limit: 10 }, { now });
    expect(positionsOf(rest)).toEqual([items[2590]!.Position]);
    expect(rest.scanned).toBe(2600 - READ_BUDGET);
  });

  test("limit is clamped in core; bad positions and times are 400s", async () => {
    const { now } = clock();
    await writeEntries(Array.from({ length: 3 }, (_, i) => ({ time: now - i * 1000 })));
    expect((await readLog({ limit: 0 }, { now })).records).toHaveLength(1);
    expect((await readLog({ limit: 10_000 }, { now })).records.length).toBeLessThanOrEqual(500);
    expect(await codeOf(readLog({ limit: 5, cursor: "bogus" }, { now }))).toBe("bad_request");
    expect(
      await codeOf(readLog({ limit: 5, before: encodeCursor("not a position") }, { now })),
    ).toBe("bad_request");
    expect(await codeOf(readLog({ limit: 5, at: "yesterday" }, { now }))).toBe("invalid_input");
    const page = await readLog({ limit: 1 }, { now });
    expect(await codeOf(readLog({ limit: 5, cursor: page.cursor, at: "-1m" }, { now }))).toBe(
      "invalid_input",
    );
  });

  test("readLogRecord: one entry by its id, 404 when absent, 400 for an id never given out", async () => {
    const { now, tag } = clock();
    const [item] = await writeEntries([{ time: now - 1000, player: tag }]);
    const record = await readLogRecord(logIdOf(item!));
    expect(record).toMatchObject({ eventName: "INSERT", recordId: item!.RecordID });
    expect(record.newImage?.PlayerName).toEqual({ S: tag });
    const missing = logIdOf({ ...item!, Position: item!.Position.replace(/#[^#]+$/, "#nope") });
    expect(await codeOf(readLogRecord(missing))).toBe("not_found");
    expect(await codeOf(readLogRecord("bogus"))).toBe("bad_request");
  });
});

describe("StreamQueryParams (GET /api/stream's parameters)", () => {
  test("parses the parameters", () => {
    expect(
      StreamQueryParams.parse({
        type: "insert,MODIFY,insert",
        player: "  Ann ",
        limit: "20",
        q: "x",
      }),
    ).toEqual({ types: ["INSERT", "MODIFY"], player: "Ann", limit: 20, q: "x" });
    expect(StreamQueryParams.parse({})).toEqual({ limit: 50 });
    expect(StreamQueryParams.parse({ cursor: "", q: " " })).toEqual({ limit: 50 });
  });

  // prettier-ignore
  test.each([
    { name: "an unknown type", params: { type: "INSERT,UPSERT" } },
    { name: "two positions", params: { cursor: "a", before: "b" } },
    { name: "cursor and at", params: { cursor: "a", at: "-1m" } },
    { name: "limit 0", params: { limit: "0" } },
    { name: "limit 501", params: { limit: "501" } },
    { name: "limit abc", params: { limit: "abc" } },
    { name: "a 201-character q", params: { q: "x".repeat(201) } },
    { name: "a 33-character player", params: { player: "x".repeat(33) } },
  ])("refuses $name", ({ params }) => {
    expect(StreamQueryParams.safeParse(params).success).toBe(false);
  });

  test("at: ISO-8601 with a zone, or relative; nothing else", () => {
    const now = Date.parse("2026-03-01T12:00:00Z");
    expect(parseAt("-30s", now)).toBe(now - 30_000);
    expect(parseAt("-15m", now)).toBe(now - 900_000);
    expect(parseAt("-2h", now)).toBe(now - 7_200_000);
    expect(parseAt("-1d", now)).toBe(now - 86_400_000);
    expect(parseAt("2026-03-01T11:00:00Z", now)).toBe(now - 3_600_000);
    expect(parseAt("2026-03-01T13:00+01:00", now)).toBe(now);
    expect(parseAt("2027-01-01T00:00:00.000Z", now)).toBeGreaterThan(now);
    for (const bad of [
      "15m",
      "-15x",
      "+15m",
      "2026-03-01",
      "2026-03-01T11:00:00",
      "now",
      "-1.5h",
    ]) {
      expect(() => parseAt(bad, now), bad).toThrow(VisibleError);
    }
  });
});
