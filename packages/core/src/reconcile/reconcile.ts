import { randomUUID } from "node:crypto";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import type { _Record as StreamRecord } from "@aws-sdk/client-dynamodb-streams";
import { paginateScan } from "@aws-sdk/lib-dynamodb";
import { decodeScoreItem, unmarshallImage } from "../aggregator/aggregate.ts";
import {
  aggregateOfSummary,
  AggregateItem,
  fromAggregateItem,
  isOnBoard,
  INITIAL_GENERATION,
  markerItem,
  markTarget,
  putAggregate,
  putMarkers,
  readAggregateItem,
  scanAggregates,
  storedSummaryFields,
  SUMMARY_FIELDS,
  summaryFields,
  summaryOf,
  type AggregateKey,
  type SummaryField,
  type SummaryFields,
} from "../aggregator/store.ts";
import { documentClient, dynamo } from "../infra/clients.ts";
import { forEachConcurrently } from "../infra/concurrency.ts";
import { readStreamHistory } from "../stream/history.ts";
import { countsTowards, periodsOf } from "../period/period.ts";
import { tableName } from "../infra/resource.ts";
import type { ScoreItem } from "../contract/score.ts";
import { playerItems } from "../score/score.ts";
import { serverEnv } from "../env/server.ts";

/*
 * Reconcile: every aggregate against the records it summarises.
 *
 * The check recomputes each (player, period) from a Scan of GameScoreRecords and compares
 * TotalScore, GamesPlayed, BestScore and LastScore with GameScoresByUser. Records the aggregator
 * cannot decode are listed and left out, as the aggregator leaves them out (an image that does
 * not decode counts as nothing: `decodeStreamRecord` in aggregate.ts). A fix marks a record whose
 * latest state is undecodable at that change, so the change that completes it later arrives
 * once, as the aggregator would have counted it. A live runner may
 * simply not have applied the newest records yet, so a difference only counts as drift if it is
 * still there after `rechecks` re-reads `settleMs` apart.
 *
 * The fix, and why it keeps the markers honest (see aggregate.ts for the markers):
 * After a fix, a change already reflected in the written totals must be skipped if it is
 * delivered (again), and a change not reflected must be applied exactly once, on top. Both hold
 * when, for every record R, the totals count R in the state left by some change c_R of R and
 * the mark of R is c_R's sequence number: a delivery of c_R or anything before it is at or below
 * the mark (skipped), and the next change of R is above it and carries as its old image exactly
 * the state that was counted, so `new - old` lands right.
 *
 * So a fix reads, in this order:
 *   1. the aggregate (its `Version` is the condition of the write),
 *   2. the player's records from the table,
 *   3. the whole stream (every shard of the table's latest stream, from TRIM_HORIZON),
 * and counts each record in the state of its latest change on the stream, marked with that
 * change's sequence number; a record with no change on the stream is counted as the table shows
 * it, unmarked. That is sound:
 *   - A record in the stream: its latest change read is c_R, counted and marked — the rule above.
 *   - A record not in the stream had no change in the 24 hours the stream keeps, up to the moment
 *     its shard was read; if it changed after (2) read it, that change was not read either (the
 *     stream is read after the table, and a record is on the stream once its write has returned),
 *     so what was counted is its state before that change, and it stays unmarked: the change is
 *     applied on top when delivered. On AWS stream records appear a moment after the write; the
 *     fix pauses `streamVisibilityMs` between (2) and (3) so that (3) sees what (2) saw.
 *   - Records that left the player (deleted, renamed away) are on the stream with that change if
 *     it is less than 24 hours old: not counted, marked, so a REMOVE still to be delivered is
 *     skipped. Older ones can never be delivered again.
 *   - The marks are written as a fresh generation of markers, which no aggregate names yet, so
 *     the runner ignores them; then the aggregate, naming that generation, with a write
 *     conditional on the `Version` read in (1). That one write switches totals and marks at once.
 *     If the runner wrote the aggregate since, it applied changes the stream read in (3) may not
 *     include: the write fails, the unused markers expire, and the round starts over. If the
 *     runner writes after us, its own conditional write fails, it re-reads our item, and the new
 *     generation's marks skip what the fix counted.
 * Hence `--fix` is safe while the runner is live: no need to stop it or drain the stream.
 * Records trimmed from the stream before they were ever applied are no obstacle (the table has
 * them). Not covered: a table recreated while a runner still reads its old stream (marks belong
 * to one stream, see aggregate.ts); and a fix cannot make the runner apply a change it will
 * later give up on — that is new drift, for the next reconcile.
 *
 * The fix also moves aggregates written before markers had their own table (marks in `Applied`
 * on the item) to a generation: they are listed as `legacy` and rewritten, drift or not.
 *
 * The same fix bootstraps aggregates for records written before the table had a stream, or
 * before the runner ever ran: no aggregate yet, the totals come from the table, and whatever of
 * it is on the stream is marked, so the runner skips it when it gets there.
 */

const MAX_FIX_ROUNDS = 20;
const CONCURRENCY = 8;

/** What is compared: what an aggregate derives from its records (the store's summary). */
export const COMPARED_FIELDS = SUMMARY_FIELDS;
export type ComparedField = SummaryField;

export interface FieldDrift {
  field: ComparedField;
  /** What GameScoresByUser holds (undefined: absent). */
  aggregate: number | undefined;
  /** What the records add up to (undefined: the player has no games, so no such field). */
  records: number | undefined;
}

export interface AggregateDrift {
  playerName: string;
  period: string;
  fields: FieldDrift[];
}

export interface UndecodableRecord {
  recordId: string;
  playerName?: string;
  problem: string;
}

export interface ReconcileProgress {
  phase: "count" | "records" | "aggregates" | "recheck" | "fix";
  done: number;
  total?: number;
}

export interface ReconcileOptions {
  /** Repair the drift found (conditional writes; safe while the runner is live). */
  fix?: boolean;
  /** Wait between re-reads of a difference before calling it drift. Default 1000 ms. */
  settleMs?: number;
  /** Re-reads a difference must survive. Default 2; 0 reports what the first read finds. */
  rechecks?: number;
  /** Pause between reading the table and the stream in a fix. Default: 0 locally, 1 s on AWS. */
  streamVisibilityMs?: number;
  onProgress?: (progress: ReconcileProgress) => void;
}

export interface ReconcileReport {
  /** Items scanned in GameScoreRecords, undecodable ones included. */
  records: number;
  undecodable: UndecodableRecord[];
  /** Items scanned in GameScoresByUser. */
  aggregates: number;
  /** (player, period) pairs compared. */
  compared: number;
  /** Drift found (before any fix). */
  drift: AggregateDrift[];
  /** Aggregates that still carry their marks (`Applied`), from before AggregatorMarks. */
  legacy: AggregateKey[];
  /** With `fix`: the drifts repaired and found right afterwards. */
  fixed: AggregateDrift[];
  /** With `fix`: drift still there after the repair (e.g. the runner kept winning the race). */
  unfixed: AggregateDrift[];
  durationMs: number;
}

// --- what records add up to: the store's summary (aggregator/store.ts) ------------------------

function compare(expected: SummaryFields, stored: SummaryFields): FieldDrift[] {
  return COMPARED_FIELDS.filter((field) => expected[field] !== stored[field]).map((field) => ({
    field,
    aggregate: stored[field],
    records: expected[field],
  }));
}

const keyOf = (playerName: string, period: string) => `${playerName}\u0000${period}`;

// --- reads ------------------------------------------------------------------------------------

/** GameScoreRecords, consistently scanned page by page. */
async function scanRecords(onPage: (items: Record<string, unknown>[]) => void): Promise<void> {
  const pages = paginateScan(
    { client: documentClient() },
    { TableName: tableName("GameScoreRecords"), ConsistentRead: true },
  );
  for await (const page of pages) onPage(page.Items ?? []);
}

/** For a progress bar: the table's item count (AWS updates it every ~6 h; the local engine never). */
async function estimateCount(
  table: string,
  onProgress: ReconcileOptions["onProgress"],
): Promise<number | undefined> {
  if (!onProgress) return undefined;
  const { Table } = await dynamo().send(new DescribeTableCommand({ TableName: table }));
  if (Table?.ItemCount) return Table.ItemCount;
  let count = 0;
  const pages = paginateScan({ client: documentClient() }, { TableName: table, Select: "COUNT" });
  for await (const page of pages) {
    count += page.Count ?? 0;
    onProgress({ phase: "count", done: count });
  }
  return count;
}

/** A player's records now, from ByPlayer: RecordID → the item, or undefined if undecodable. */
async function readPlayerRecords(playerName: string): Promise<Map<string, ScoreItem | undefined>> {
  const records = new Map<string, ScoreItem | undefined>();
  for await (const plain of playerItems(playerName)) {
    const decoded = decodeScoreItem(plain);
    if (typeof decoded !== "string") records.set(decoded.RecordID, decoded);
    else if (typeof plain.RecordID === "string") records.set(plain.RecordID, undefined);
  }
  return records;
}

function stateOf(records: Map<string, ScoreItem | undefined>, key: AggregateKey) {
  const state = new Map<string, ScoreItem>();
  for (const [recordId, item] of records) {
    if (item && item.PlayerName === key.playerName && countsTowards(item.CreatedAt, key.period)) {
      state.set(recordId, item);
    }
  }
  return state;
}

/** One record's latest change on the stream. */
interface LatestChange {
  sequenceNumber: string;
  /** The record's state after the change: undefined once removed, "undecodable" if it cannot be applied. */
  image: ScoreItem | "undecodable" | undefined;
  /** Every aggregate any of the record's changes on the stream concerned. */
  touches: Set<string>;
}

/** Folds one stream record into the latest change of its record. */
function foldChange(latest: Map<string, LatestChange>, record: StreamRecord): void {
  const stream = record.dynamodb;
  const sequenceNumber = stream?.SequenceNumber;
  const recordId = stream?.Keys?.RecordID?.S;
  if (!sequenceNumber || !recordId) return;
  let change = latest.get(recordId);
  if (!change) {
    change = { sequenceNumber, image: undefined, touches: new Set() };
    latest.set(recordId, change);
  }
  // An image the aggregator cannot unmarshall (a malformed number) touches nothing it could
  // name, and as the latest state it is undecodable, as the aggregator finds it.
  const images = [stream.OldImage, stream.NewImage].map((image) => image && unmarshallImage(image));
  for (const image of images) {
    if (!image || typeof image === "string" || typeof image.PlayerName !== "string") continue;
    const createdAt = typeof image.CreatedAt === "string" ? image.CreatedAt : "";
    for (const period of periodsOf(createdAt)) change.touches.add(keyOf(image.PlayerName, period));
  }
  if (BigInt(sequenceNumber) >= BigInt(change.sequenceNumber)) {
    const newImage = images[1];
    const decoded =
      newImage && (typeof newImage === "string" ? newImage : decodeScoreItem(newImage));
    change.sequenceNumber = sequenceNumber;
    change.image =
      record.eventName === "REMOVE" || decoded === undefined
        ? undefined
        : typeof decoded === "string"
          ? "undecodable"
          : decoded;
  }
}

/**
 * Every record's latest change on the stream, kept current: the first `catchUp` reads the whole
 * stream, later ones only what was written since. So a fix round that lost a race to the runner
 * re-reads a few records, not 24 hours of them, and its read-to-write window stays short enough
 * to win against a busy runner.
 */
class StreamTail {
  readonly latest = new Map<string, LatestChange>();
  private readonly positions = new Map<string, string>();

  async catchUp(): Promise<void> {
    const history = await readStreamHistory(this.positions);
    for (const shard of history?.shards ?? []) {
      for (const record of shard.records) foldChange(this.latest, record);
      const last = shard.records.at(-1)?.dynamodb?.SequenceNumber;
      if (last) this.positions.set(shard.shardId, last);
    }
  }
}

// --- the check --------------------------------------------------------------------------------

async function recheck(key: AggregateKey): Promise<FieldDrift[]> {
  const [stored, records] = await Promise.all([
    readAggregateItem(key),
    readPlayerRecords(key.playerName),
  ]);
  return compare(
    summaryFields(summaryOf(stateOf(records, key).values())),
    storedSummaryFields(stored),
  );
}

/** Drops the differences that a later read no longer shows (the runner caught up). */
async function confirm(
  candidates: AggregateDrift[],
  rechecks: number,
  settleMs: number,
  onProgress: ReconcileOptions["onProgress"],
): Promise<AggregateDrift[]> {
  let drift = candidates;
  for (let round = 0; round < rechecks && drift.length > 0; round++) {
    await sleep(settleMs);
    let done = 0;
    const next: AggregateDrift[] = [];
    await forEachConcurrently(drift, CONCURRENCY, async (candidate) => {
      const fields = await recheck(candidate);
      if (fields.length > 0) next.push({ ...candidate, fields });
      onProgress?.({ phase: "recheck", done: ++done, total: drift.length });
    });
    drift = next;
  }
  return drift.sort(byKey);
}

const byKey = (a: AggregateKey, b: AggregateKey) =>
  a.playerName < b.playerName
    ? -1
    : a.playerName > b.playerName
      ? 1
      : a.period < b.period
        ? -1
        : a.period > b.period
          ? 1
          : 0;

// --- the fix ----------------------------------------------------------------------------------

type FixResult = "written" | "lost_race" | "malformed";

async function fixOne(
  key: AggregateKey,
  stored: Record<string, unknown> | undefined,
  records: Map<string, ScoreItem | undefined>,
  latest: Map<string, LatestChange>,
): Promise<FixResult> {
  const current = stored === undefined ? undefined : AggregateItem.safeParse(stored);
  if (current && !current.success) return "malformed";
  const state = stateOf(records, key);
  const marks: Record<string, string> = {};
  const self = keyOf(key.playerName, key.period);
  for (const [recordId, change] of latest) {
    if (!change.touches.has(self) && !state.has(recordId)) continue;
    const image = change.image;
    if (
      image &&
      image !== "undecodable" &&
      image.PlayerName === key.playerName &&
      countsTowards(image.CreatedAt, key.period)
    ) {
      state.set(recordId, image);
    } else {
      state.delete(recordId);
    }
    marks[recordId] = change.sequenceNumber;
  }
  const version = current?.data.Version;
  const before = current?.data ? fromAggregateItem(current.data) : undefined;
  // A fresh generation of markers: written first, switched to with the aggregate (see the top).
  const generation = randomUUID();
  const now = new Date().toISOString();
  const summary = summaryOf(state.values());
  const aggregate = {
    ...aggregateOfSummary(key, summary, {
      updatedAt: now,
      version: version ?? 0,
      markGeneration: generation,
    }),
    // The tie-break stays where it was unless the fix moves the total.
    reachedAt:
      before && before.totalScore === summary.totalScore
        ? (before.reachedAt ?? before.updatedAt ?? now)
        : now,
  };
  const target = markTarget(key.period, generation, key.playerName);
  const nowSeconds = Math.floor(Date.now() / 1000);
  await putMarkers(
    Object.entries(marks).map(([recordId, seq]) => markerItem(recordId, target, seq, nowSeconds)),
  );
  const expected = current?.data && {
    version: current.data.Version,
    markGeneration: current.data.MarkGeneration ?? INITIAL_GENERATION,
  };
  return (await putAggregate(aggregate, expected, before)) ? "written" : "lost_race";
}

async function fixAll(
  drift: AggregateDrift[],
  streamVisibilityMs: number,
  onProgress: ReconcileOptions["onProgress"],
): Promise<{ written: AggregateDrift[]; failed: AggregateDrift[] }> {
  const written: AggregateDrift[] = [];
  const failed: AggregateDrift[] = [];
  let pending = drift;
  const tail = new StreamTail();
  for (let round = 1; round <= MAX_FIX_ROUNDS && pending.length > 0; round++) {
    // (1) the aggregates, then (2) the players' records, then (3) the stream: see the top.
    const stored = new Map<AggregateDrift, Record<string, unknown> | undefined>();
    await forEachConcurrently(
      pending,
      CONCURRENCY,
      async (d) => void stored.set(d, await readAggregateItem(d)),
    );
    const records = new Map<string, Map<string, ScoreItem | undefined>>();
    const players = [...new Set(pending.map((d) => d.playerName))];
    await forEachConcurrently(
      players,
      CONCURRENCY,
      async (p) => void records.set(p, await readPlayerRecords(p)),
    );
    await sleep(streamVisibilityMs);
    await tail.catchUp();
    const latest = tail.latest;

    const lost: AggregateDrift[] = [];
    await forEachConcurrently(pending, CONCURRENCY, async (d) => {
      const result = await fixOne(d, stored.get(d), records.get(d.playerName)!, latest);
      if (result === "written") written.push(d);
      else if (result === "lost_race") lost.push(d);
      else failed.push(d);
      onProgress?.({ phase: "fix", done: written.length + failed.length, total: drift.length });
    });
    pending = lost;
    if (pending.length > 0) await sleep(Math.random() * 50 * round);
  }
  return { written, failed: [...failed, ...pending] };
}

// --- the whole run ----------------------------------------------------------------------------

/** Compares every aggregate with its records; with `fix`, repairs the drift. */
export async function reconcile(options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const started = performance.now();
  const { onProgress } = options;
  const settleMs = options.settleMs ?? 1000;
  const rechecks = options.rechecks ?? 2;
  const streamVisibilityMs =
    options.streamVisibilityMs ?? (serverEnv().DYNAMODB_ENDPOINT ? 0 : 1000);

  // The records, by what they add up to.
  const recordsTable = tableName("GameScoreRecords");
  const total = await estimateCount(recordsTable, onProgress);
  const expected = new Map<string, AggregateKey & { items: ScoreItem[] }>();
  const undecodable: UndecodableRecord[] = [];
  let records = 0;
  await scanRecords((items) => {
    for (const plain of items) {
      const decoded = decodeScoreItem(plain);
      if (typeof decoded === "string") {
        undecodable.push({
          recordId: typeof plain.RecordID === "string" ? plain.RecordID : JSON.stringify(plain),
          ...(typeof plain.PlayerName === "string" ? { playerName: plain.PlayerName } : {}),
          problem: decoded,
        });
        continue;
      }
      for (const period of periodsOf(decoded.CreatedAt)) {
        const key = keyOf(decoded.PlayerName, period);
        let entry = expected.get(key);
        if (!entry)
          expected.set(key, (entry = { playerName: decoded.PlayerName, period, items: [] }));
        entry.items.push(decoded);
      }
    }
    records += items.length;
    onProgress?.({ phase: "records", done: records, ...(total ? { total } : {}) });
  });

  // The aggregates as stored, malformed ones too: compared field by field as they are stored,
  // and left alone by a fix.
  const stored = new Map<string, AggregateKey & { item: Record<string, unknown> }>();
  await scanAggregates((page) => {
    for (const { playerName, period, item } of page) {
      stored.set(keyOf(playerName, period), { playerName, period, item });
    }
    onProgress?.({ phase: "aggregates", done: stored.size });
  });

  const candidates: AggregateDrift[] = [];
  for (const key of new Set([...expected.keys(), ...stored.keys()])) {
    const want = expected.get(key);
    const have = stored.get(key);
    const fields = compare(
      summaryFields(want && summaryOf(want.items)),
      storedSummaryFields(have?.item),
    );
    const { playerName, period } = (want ?? have)!;
    if (fields.length > 0) candidates.push({ playerName, period, fields });
  }
  const drift = await confirm(candidates, rechecks, settleMs, onProgress);
  // Aggregates still in the format from before AggregatorMarks: rewritten by a fix, drift or not.
  const driftKeys = new Set(drift.map((d) => keyOf(d.playerName, d.period)));
  // And aggregates not on the board as it is now sharded (written before the ByRank index and
  // its counts, or under another BOARD_SHARDS): rewritten, their counts moved with them.
  const legacy = [...stored.values()]
    .filter((s) => s.item.Applied !== undefined || !isOnBoard(s.item))
    .map(({ playerName, period }) => ({ playerName, period, fields: [] }))
    .sort(byKey);

  let fixed: AggregateDrift[] = [];
  let unfixed: AggregateDrift[] = [];
  const toFix = [...drift, ...legacy.filter((l) => !driftKeys.has(keyOf(l.playerName, l.period)))];
  if (options.fix && toFix.length > 0) {
    const { written, failed } = await fixAll(toFix, streamVisibilityMs, onProgress);
    // A write is not proof: look again, allowing a live runner its lag.
    const left = await confirm(
      written.map((d) => ({ ...d, fields: [] })),
      Math.max(1, rechecks),
      rechecks > 0 ? settleMs : 0,
      onProgress,
    );
    const leftKeys = new Set(left.map((d) => keyOf(d.playerName, d.period)));
    fixed = written.filter((d) => !leftKeys.has(keyOf(d.playerName, d.period))).sort(byKey);
    unfixed = [...left, ...failed].sort(byKey);
  }

  return {
    records,
    undecodable,
    aggregates: stored.size,
    compared: new Set([...expected.keys(), ...stored.keys()]).size,
    drift,
    legacy: legacy.map(({ playerName, period }) => ({ playerName, period })),
    fixed,
    unfixed,
    durationMs: Math.round(performance.now() - started),
  };
}

// --- helpers ----------------------------------------------------------------------------------

const sleep = (ms: number) =>
  ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
