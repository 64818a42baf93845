import type { AttributeValue, CancellationReason } from "@aws-sdk/client-dynamodb";
import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { randomUUID } from "node:crypto";
import type { DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";
import { documentClient } from "../infra/clients.ts";
import { forEachConcurrently } from "../infra/concurrency.ts";
import { isAwsError, isTransientError } from "../infra/aws-errors.ts";
import { countsTowards, periodsOf } from "../period/period.ts";
import { quarantineRecords } from "./quarantine.ts";
import { rankEffects, writeOutcomes, type OutcomeWrite, type RecordEffect } from "./outcomes.ts";
import { ScoreItem } from "../contract/score.ts";
import { playerItems } from "../score/score.ts";
import { serverEnv } from "../env/server.ts";
import { countItems, countUpdates, mergeDeltas, type CountDeltas } from "../board/counts.ts";
import {
  addToSummary,
  aggregatePut,
  countsMove,
  storedAs,
  INITIAL_GENERATION,
  isLater,
  markerPut,
  markTarget,
  padSequence,
  readAggregate,
  readMark,
  type Aggregate,
  type LastGame,
  type Marker,
  type Summary,
  type TransactItem,
} from "./store.ts";

/*
 * The aggregator: GameScoreRecords stream records → one GameScoresByUser item per (player, period).
 *
 * Exactly once under at-least-once delivery rests on per-change markers in a table of their own
 * (AggregatorMarks), written in the same TransactWriteItems as the aggregate:
 *
 *   mark(RecordID, aggregate) = the sequence number of the last change of that record applied
 *   to that aggregate.
 *
 * Each (player, period) of a batch is written once: its aggregate, conditional on the `Version`
 * (and marker generation) it was computed from, and one marker per record whose changes it
 * applies, each conditional on its old mark being below the first of those changes, all in one
 * transaction (with other aggregates' writes: see below). So the totals and the marks can never
 * disagree: both land or neither does. A cancelled transaction says which condition failed: the
 * aggregate's (another writer got there first: read it again and recompute), or a marker's (that
 * record's change is in already: its reason carries the marker, whose sequence number tells which
 * of the record's changes to drop). Either way the next attempt only applies what is not in.
 *
 * Why per record and not per shard: Lambda's records carry no shard id, a player's records are
 * spread over every shard (RecordID is the partition key), and shards are processed concurrently,
 * so one watermark per stream or per player would skip a sibling shard's late records. What
 * DynamoDB Streams does guarantee is per item: the changes of one item appear once, in order, with
 * increasing sequence numbers, also across a shard's split (a child continues its parent's
 * numbers and Lambda finishes a parent before its children) and under ParallelizationFactor (it
 * keeps one item's records in one ordered lane). A per-record mark relies on exactly that. Each
 * delivery case, then:
 *   - a duplicated batch or one retried after a partial success: its changes are at or below
 *     their marks; the markers' conditions cancel the transaction, and the retry applies none;
 *   - a bisected batch: each half is a batch like any other; what the first half applied is
 *     marked when the second half (or the whole, again) comes;
 *   - ParallelizationFactor up to 10, or a sibling shard: concurrent batches touching the same
 *     aggregate race on its `Version`; the loser re-reads and applies only its own changes (its
 *     records are not the winner's, since one record's changes share one lane);
 *   - `npm run replay -- --from trim-horizon`: every change replayed is at or below its mark;
 *   - a record re-applied after the failure destination took it: if it was never applied it has
 *     no mark and counts once; a second re-apply finds the mark.
 * The markers expire (TTL) 25 hours after they were written: by then the stream (24 h) can no
 * longer deliver the change they guard. So the aggregate item stays ~200 bytes, whatever the
 * player's activity, and the board index projects only what a board row shows.
 *
 * The aggregates a process wrote last are kept in memory (a Lambda container serves many
 * batches), so a busy player's next batch needs no read: the write is conditional on the version
 * and generation it was computed from, so a stale copy costs one cancelled transaction and a
 * read, never a wrong total. Anything else that writes an aggregate must bump its Version: the
 * aggregate store (store.ts) is the one writer of the item, and its conditional Put always does.
 *
 * Markers belong to a generation (`MarkGeneration` on the aggregate, part of the marker's key).
 * `reconcile --fix` rewrites an aggregate from the records with a fresh generation: it writes the
 * new generation's markers first, then the aggregate, conditional on its Version, in one step that
 * switches both at once (reconcile.ts). Marks of an old generation are ignored, then expire.
 * Aggregates written before markers had their own table still carry their marks in `Applied`:
 * they are honoured until `reconcile --fix` moves the aggregate to a generation.
 *
 * Poison (a record that can never be applied: its images do not decode, or DynamoDB refuses the
 * write for good) is quarantined at once, with its reason, and the batch moves on; only transient
 * failures (throttling, conflicts, a lost connection, a race lost too often) are reported in
 * `batchItemFailures` for Lambda to retry.
 *
 * Several aggregates share a transaction (up to 100 items), so a batch of 100 records over 60
 * players is two requests, not sixty; the one-transaction-per-(player, period) suggested by the
 * design would cost the same units in thirty times the requests. A cancellation is item by item,
 * so the pack's other aggregates lose nothing but a round.
 *
 * Cost, per batch and (player, period): one consistent read of the aggregate (1 read unit) unless
 * this process wrote it last; 2 write units per KB for the aggregate and for each record's
 * marker (both well under 1 KB), plus the index's write of the board row. A read of ByPlayer
 * only when the best or latest game was lowered or removed.
 *
 * Once the batch is in, what each record changed (totals and games before and after, derived
 * here in the apply path, in stream order; ranks from one bounded read per period) is written
 * onto the record's stream log entry, best effort: outcomes.ts, with its cost.
 */

/**
 * TransactWriteItems takes at most 100 items: the aggregate, its rank counts (at most 6: three
 * buckets left, three entered; board/keys.ts) and 93 markers.
 */
const MARKS_PER_TRANSACTION = 93;
const MAX_WRITE_ATTEMPTS = 10;
const CONCURRENT_READS = 8;
const CONCURRENT_WRITES = 4;
// --- the plan: pure, one entry per (player, period) ------------------------------------------

/** What one record contributed to (or now contributes to) an aggregate. */
export interface Contribution {
  score: number;
  createdAt: string;
}

/**
 * One record's change as one aggregate sees it: `after` only — it arrives (INSERT, or renamed to
 * this player); `before` only — it leaves (REMOVE, or renamed away); both — its score changed.
 */
export interface RecordChange {
  recordId: string;
  sequenceNumber: string;
  /** ApproximateCreationDateTime, epoch seconds. */
  approximateTime: number;
  /**
   * When the change was made, ISO-8601: the new image's `UpdatedAt` (ms, set by the API), else
   * (a REMOVE, or an image without a usable time) the stream's approximate time. A change that
   * moves the total stamps the aggregate's `reachedAt` with it (the board's tie-break).
   */
  changedAt: string;
  before?: Contribution;
  after?: Contribution;
}

/** The changes of one batch for one aggregate: what becomes its one write. */
export interface PlayerBatch {
  playerName: string;
  period: string;
  changes: RecordChange[];
  lowestSequenceNumber: string;
}

/** A record that can never be applied, and why. */
export interface PoisonRecord {
  record: DynamoDBRecord;
  itemIdentifier: string;
  reason: string;
}

export interface BatchPlan {
  batches: PlayerBatch[];
  /** Records that cannot be decoded: they go to the quarantine. */
  poison: PoisonRecord[];
}

type Decoded =
  | {
      ok: true;
      recordId: string;
      sequenceNumber: string;
      approximateTime: number;
      oldImage?: ScoreItem;
      newImage?: ScoreItem;
      /**
       * The record's new state is not a score record (an INSERT or MODIFY whose NewImage does not
       * decode): whatever it changed is applied (a leave, if its old state counted), and the
       * record is quarantined for an operator to fix.
       */
      poison?: string;
    }
  | { ok: false; itemIdentifier: string; reason: string };

const SEQUENCE_PATTERN = /^\d{1,40}$/;

/**
 * A stream image as a plain object, or why it cannot be one: not an object, or a number
 * `unmarshall` refuses (beyond 2^53 and not an integer BigInt can hold). Reconcile decodes the
 * stream with this too, so both agree on what is undecodable.
 */
export function unmarshallImage(image: unknown): Record<string, unknown> | string {
  if (!image || typeof image !== "object") return "the image is missing";
  try {
    // Lambda's wire JSON and the SDK's AttributeValue agree on every type a score record uses.
    return unmarshall(image as Record<string, AttributeValue>);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** A plain item (a table read or an unmarshalled image) as a score record, or what is wrong. */
export function decodeScoreItem(plain: Record<string, unknown>): ScoreItem | string {
  const parsed = ScoreItem.safeParse(plain);
  return parsed.success
    ? parsed.data
    : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
}

/** A stream image as a score record, or why it cannot be applied. */
export function decodeImage(image: unknown): ScoreItem | string {
  const plain = unmarshallImage(image);
  return typeof plain === "string" ? plain : decodeScoreItem(plain);
}

function approximateTimeOf(value: unknown): number {
  if (typeof value === "number" && Number.isFinite(value)) return Math.floor(value);
  if (value instanceof Date) return Math.floor(value.getTime() / 1000);
  return Math.floor(Date.now() / 1000);
}

/** The RecordID an image names, decodable or not. */
function rawRecordIdOf(image: unknown): string | undefined {
  const value = (image as Record<string, { S?: unknown }> | undefined)?.RecordID?.S;
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * A Lambda stream record → the images it carries, or why it cannot be applied.
 *
 * An image that does not decode as a score record counts as nothing: the decoder is a pure
 * function of the image, so such a state was never counted by anyone, and a change out of it is
 * an arrival, a change into it a leave. Hence
 *   - INSERT of an invalid image: nothing to apply; quarantined;
 *   - MODIFY invalid → valid (an operator completed the record): an arrival, counted once;
 *   - MODIFY valid → invalid: a leave, and the record quarantined (its new state is bad);
 *   - MODIFY invalid → invalid: nothing, and quarantined;
 *   - REMOVE of an invalid image: nothing (deleting bad data is a fix, not poison).
 * Reconcile decodes stream history with the same functions (reconcile.ts) and so agrees. What
 * stays poison, applying nothing: no sequence number, an unknown eventName, a missing image (a
 * KEYS_ONLY stream: the old state is unknown, and it may have counted), images of two records.
 * (Were the schema made stricter, a record counted under the old one would "leave" nothing on its
 * REMOVE: the drift `npm run reconcile` reports and fixes.)
 */
export function decodeStreamRecord(record: DynamoDBRecord): Decoded {
  const sequenceNumber = record.dynamodb?.SequenceNumber ?? "";
  const fail = (reason: string): Decoded => ({
    ok: false,
    itemIdentifier: sequenceNumber || (record.eventID ?? ""),
    reason,
  });
  if (!SEQUENCE_PATTERN.test(sequenceNumber)) return fail("no valid SequenceNumber");
  const { eventName } = record;
  if (eventName !== "INSERT" && eventName !== "MODIFY" && eventName !== "REMOVE") {
    return fail(`unknown eventName ${String(eventName)}`);
  }
  const rawOld = record.dynamodb?.OldImage;
  const rawNew = record.dynamodb?.NewImage;
  if (eventName !== "INSERT" && !rawOld) return fail("OldImage: the image is missing");
  if (eventName !== "REMOVE" && !rawNew) return fail("NewImage: the image is missing");
  const oldDecoded = eventName === "INSERT" ? undefined : decodeImage(rawOld);
  const newDecoded = eventName === "REMOVE" ? undefined : decodeImage(rawNew);
  const oldImage = typeof oldDecoded === "object" ? oldDecoded : undefined;
  const newImage = typeof newDecoded === "object" ? newDecoded : undefined;
  const oldId = oldImage?.RecordID ?? rawRecordIdOf(rawOld);
  const newId = newImage?.RecordID ?? rawRecordIdOf(rawNew);
  if (oldId !== undefined && newId !== undefined && oldId !== newId) {
    return fail("OldImage and NewImage are of different records");
  }
  const recordId = newId ?? oldId ?? rawRecordIdOf(record.dynamodb?.Keys);
  if (recordId === undefined) return fail("no RecordID in the images or keys");
  if (eventName === "INSERT" && typeof newDecoded === "string") {
    return fail(`NewImage: ${newDecoded}`);
  }
  return {
    ok: true,
    recordId,
    sequenceNumber,
    approximateTime: approximateTimeOf(record.dynamodb?.ApproximateCreationDateTime),
    ...(oldImage ? { oldImage } : {}),
    ...(newImage ? { newImage } : {}),
    ...(typeof newDecoded === "string" ? { poison: `NewImage: ${newDecoded}` } : {}),
  };
}

const groupKey = (playerName: string, period: string) => `${playerName}\u0000${period}`;
const seqLess = (a: string, b: string) => BigInt(a) < BigInt(b);

/**
 * Splits a batch into per-(player, period) changes, in stream order. A MODIFY becomes one change
 * when the record stays with its player, or a leave and an arrival when it is renamed. A change
 * that alters nothing an aggregate holds (a nickname edit) is dropped: it has no effect to repeat.
 * A record whose new state does not decode is both planned (what it left) and poison (see
 * `decodeStreamRecord`).
 */
export function planBatch(records: DynamoDBRecord[]): BatchPlan {
  const groups = new Map<string, PlayerBatch>();
  const poison: PoisonRecord[] = [];
  for (const record of records) {
    const decoded = decodeStreamRecord(record);
    if (!decoded.ok) {
      poison.push({ record, itemIdentifier: decoded.itemIdentifier, reason: decoded.reason });
      continue;
    }
    if (decoded.poison !== undefined) {
      poison.push({ record, itemIdentifier: decoded.sequenceNumber, reason: decoded.poison });
    }
    const changes = new Map<string, { playerName: string; period: string; change: RecordChange }>();
    const changeFor = (playerName: string, period: string) => {
      const key = groupKey(playerName, period);
      let entry = changes.get(key);
      if (!entry) {
        const change: RecordChange = {
          recordId: decoded.recordId,
          sequenceNumber: decoded.sequenceNumber,
          approximateTime: decoded.approximateTime,
          changedAt: changedAtOf(decoded),
        };
        changes.set(key, (entry = { playerName, period, change }));
      }
      return entry.change;
    };
    const { oldImage, newImage } = decoded;
    if (oldImage) {
      for (const period of periodsOf(oldImage.CreatedAt)) {
        changeFor(oldImage.PlayerName, period).before = contributionOf(oldImage);
      }
    }
    if (newImage) {
      for (const period of periodsOf(newImage.CreatedAt)) {
        changeFor(newImage.PlayerName, period).after = contributionOf(newImage);
      }
    }
    for (const [key, { playerName, period, change }] of changes) {
      const { before, after } = change;
      if (before && after && before.score === after.score && before.createdAt === after.createdAt) {
        continue;
      }
      let group = groups.get(key);
      if (!group) {
        group = { playerName, period, changes: [], lowestSequenceNumber: change.sequenceNumber };
        groups.set(key, group);
      }
      group.changes.push(change);
      if (seqLess(change.sequenceNumber, group.lowestSequenceNumber)) {
        group.lowestSequenceNumber = change.sequenceNumber;
      }
    }
  }
  return { batches: [...groups.values()], poison };
}

function changedAtOf(decoded: { newImage?: ScoreItem; approximateTime: number }): string {
  const updated = decoded.newImage?.UpdatedAt;
  const ms = updated !== undefined ? Date.parse(updated) : Number.NaN;
  return new Date(Number.isNaN(ms) ? decoded.approximateTime * 1000 : ms).toISOString();
}

const contributionOf = (item: ScoreItem): Contribution => ({
  score: item.Score,
  createdAt: item.CreatedAt,
});

// --- the pure update of an aggregate (the aggregate itself: store.ts) ---------------------------

export interface ApplyResult {
  aggregate: Aggregate;
  /** The changes applied, in order (not those legacy marks show to be in already). */
  applied: RecordChange[];
  /**
   * Which fields could not be updated from the changes alone, because the record that held the
   * best score (or the latest game) was lowered or left. The aggregate then holds only what
   * arrived after that; the caller merges it with a read of the player's records.
   */
  recompute: { best: boolean; last: boolean };
}

/**
 * Applies changes to an aggregate. Pure: `now` stamps `updatedAt`; the version is left for the
 * writer to bump. The caller has dropped the changes its markers show to be in already; legacy
 * marks on the item are checked here.
 */
export function applyChanges(
  current: Aggregate | undefined,
  batch: Pick<PlayerBatch, "playerName" | "period" | "changes">,
  now: string,
): ApplyResult {
  const legacy = current?.legacyMarks;
  let totalScore = current?.totalScore ?? 0;
  let gamesPlayed = current?.gamesPlayed ?? 0;
  let best = current && current.gamesPlayed > 0 ? current.bestScore : undefined;
  let last = current && current.gamesPlayed > 0 ? current.last : undefined;
  let bestUnknown = false;
  let lastUnknown = false;
  let reachedAt = current?.reachedAt;
  const applied: RecordChange[] = [];

  for (const change of batch.changes) {
    const mark = legacy?.[change.recordId];
    if (mark && !seqLess(mark[0], change.sequenceNumber)) continue;
    applied.push(change);
    const { before, after, recordId } = change;
    // The total moved: the player reached the new one now. The latest such change wins, whatever
    // order (or split into retries) the changes came in, so redelivery cannot move a tie.
    if (
      (after?.score ?? 0) !== (before?.score ?? 0) &&
      (!reachedAt || change.changedAt > reachedAt)
    ) {
      reachedAt = change.changedAt;
    }
    if (before) {
      totalScore -= before.score;
      gamesPlayed -= 1;
    }
    if (after) {
      totalScore += after.score;
      gamesPlayed += 1;
    }

    if (after && (!before || after.score >= before.score)) {
      best = best === undefined ? after.score : Math.max(best, after.score);
    } else if (before && (best === undefined || before.score >= best)) {
      // The best record was lowered or left: only the table knows the runner-up. Until it is
      // read, keep what is known for sure: this record's new score, if it stays.
      bestUnknown = true;
      best = after?.score;
    }

    const game = after && { score: after.score, playedAt: after.createdAt, recordId };
    if (game && isLater(game, last)) last = game;
    else if (last?.recordId === recordId) {
      lastUnknown = true;
      last = game;
    }
  }

  const aggregate: Aggregate = {
    playerName: batch.playerName,
    period: batch.period,
    totalScore,
    gamesPlayed,
    ...(best !== undefined ? { bestScore: best } : {}),
    ...(last ? { last } : {}),
    updatedAt: applied.length > 0 ? now : current?.updatedAt,
    ...(reachedAt !== undefined ? { reachedAt } : {}),
    ...(current?.counted ? { counted: current.counted } : {}),
    version: current?.version ?? 0,
    markGeneration: current?.markGeneration ?? INITIAL_GENERATION,
    ...(legacy ? { legacyMarks: legacy } : {}),
  };
  return { aggregate, applied, recompute: { best: bestUnknown, last: lastUnknown } };
}

/**
 * Folds what the player's records say into the fields `applyChanges` could not settle.
 *
 * Why reading the table now is sound although the stream may lag behind it: the read sees every
 * write up to now, including all of this batch's. If it sees a record that later changes or
 * leaves, that change is on the stream after this batch and will be applied later; if it held
 * the best (or latest) value then, that change finds it still marked as such and asks for
 * another read. So once the stream is drained the fields match the records.
 *
 * On AWS the ByPlayer index is eventually consistent (typically well under a second behind). A
 * read inside that window may miss a record this batch added (the values kept from the batch cover
 * those) or still show one just lowered or deleted, and such a stale best stays until the next
 * recompute. Locally the index is updated with the write, so this cannot happen.
 */
export function mergeRecomputed(
  aggregate: Aggregate,
  recompute: ApplyResult["recompute"],
  found: { best?: number; last?: LastGame },
): Aggregate {
  const next = { ...aggregate };
  if (recompute.best && found.best !== undefined) {
    next.bestScore = Math.max(found.best, next.bestScore ?? found.best);
  }
  if (recompute.last && found.last && isLater(found.last, next.last)) next.last = found.last;
  return next;
}

/**
 * One marker per record: the mark it will hold (its last change here) and the condition's bound
 * (its first change here: the old mark must be below it, or some change is in already).
 */
export function markersOf(changes: RecordChange[]): Marker[] {
  const byRecord = new Map<string, Marker>();
  for (const change of changes) {
    const seq = change.sequenceNumber;
    const marker = byRecord.get(change.recordId);
    if (!marker)
      byRecord.set(change.recordId, { recordId: change.recordId, first: seq, last: seq });
    else {
      if (seqLess(seq, marker.first)) marker.first = seq;
      if (seqLess(marker.last, seq)) marker.last = seq;
    }
  }
  return [...byRecord.values()];
}

/**
 * The changes of a batch in transactions' worth: at most `MARKS_PER_TRANSACTION` records each,
 * one record's changes together and in order, the same change delivered twice kept once.
 */
export function chunkChanges(changes: RecordChange[]): RecordChange[][] {
  const seen = new Set<string>();
  const byRecord = new Map<string, RecordChange[]>();
  for (const change of changes) {
    const id = `${change.recordId}\u0000${change.sequenceNumber}`;
    if (seen.has(id)) continue;
    seen.add(id);
    let list = byRecord.get(change.recordId);
    if (!list) byRecord.set(change.recordId, (list = []));
    list.push(change);
  }
  const chunks: RecordChange[][] = [];
  let chunk: RecordChange[] = [];
  let records = 0;
  for (const list of byRecord.values()) {
    if (records === MARKS_PER_TRANSACTION) {
      chunks.push(chunk);
      chunk = [];
      records = 0;
    }
    chunk.push(...list);
    records++;
  }
  if (chunk.length > 0) chunks.push(chunk);
  // Within a chunk, stream order: a record's changes must chain (INSERT before its MODIFY).
  return chunks.map((c) =>
    c.sort((a, b) => (seqLess(a.sequenceNumber, b.sequenceNumber) ? -1 : 1)),
  );
}

// --- the records read, the cache, the transactions (the item and its writes: store.ts) ---------

/** The player's best score and latest game in a period, from the records as they are now. */
async function readPlayerRecords(
  playerName: string,
  period: string,
  needs: ApplyResult["recompute"],
): Promise<{ best?: number; last?: LastGame }> {
  const summary: Summary = { totalScore: 0, gamesPlayed: 0 };
  // Highest score first: for the best score alone, the first record that counts is the answer.
  const items = playerItems(playerName, {
    highestFirst: true,
    ...(needs.last ? {} : { pageSize: 1 }),
  });
  for await (const raw of items) {
    const parsed = ScoreItem.safeParse(raw);
    if (!parsed.success || !countsTowards(parsed.data.CreatedAt, period)) continue;
    addToSummary(summary, parsed.data);
    if (!needs.last) break;
  }
  return {
    ...(summary.bestScore !== undefined ? { best: summary.bestScore } : {}),
    ...(summary.last ? { last: summary.last } : {}),
  };
}

/**
 * The aggregates this process wrote last, so that the next batch of a busy player needs no read:
 * the write is conditional on the version and generation it was computed from, so a stale entry
 * (another process wrote since, or reconcile did) costs one cancelled transaction and a read,
 * never a wrong total. Bounded: the least recently used go first.
 */
class AggregateCache {
  private readonly entries = new Map<string, Aggregate>();
  constructor(private readonly capacity: number) {}

  get(key: string): Aggregate | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, aggregate: Aggregate): void {
    this.entries.delete(key);
    this.entries.set(key, aggregate);
    if (this.entries.size > this.capacity) {
      this.entries.delete(this.entries.keys().next().value!);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

const cache = new AggregateCache(10_000);

function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (!isAwsError(error, "TransactionCanceledException")) return undefined;
  return (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons;
}

const backoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** Math.min(attempt, 6)));

/** One aggregate's chunk of changes on its way into a transaction. */
interface Pending {
  batch: Pick<PlayerBatch, "playerName" | "period" | "lowestSequenceNumber">;
  changes: RecordChange[];
  key: string;
  /** The aggregate as last known: null until read (or taken from the cache). */
  stored: Aggregate | undefined | null;
  /** Generation + RecordID → the mark a cancelled transaction showed. */
  known: Map<string, string>;
  attempts: number;
  /** Sent alone from now on: a pack it was in failed for good, and it may be why. */
  alone: boolean;
  outcome?: { ok: true; applied: number } | { ok: false; error: unknown };
  /** What each record changed, once the transaction that applied it committed. */
  effects?: RecordEffect[];
}

/** One aggregate's part of a pack: its Put first, then its markers. */
interface Part {
  pending: Pending;
  attempted: Aggregate | undefined;
  next: Aggregate;
  generation: string;
  markers: Marker[];
  applied: number;
  items: TransactItem[];
  /** What the write moves in BoardCounts; a pack writes its parts' deltas coalesced, last. */
  counts: CountDeltas;
  effects: RecordEffect[];
}

/** TransactWriteItems takes at most 100 items. */
const ITEMS_PER_TRANSACTION = 100;

/** Reads (if need be) and computes one aggregate's next state; undefined: nothing to write. */
async function partOf(pending: Pending, nowDate: Date): Promise<Part | undefined> {
  const { batch } = pending;
  if (pending.stored === null) {
    pending.stored = await readAggregate(batch);
  }
  const stored = pending.stored;
  // A new aggregate starts a generation of its own (see aggregatePut).
  const generation = stored?.markGeneration ?? randomUUID();
  const changes = pending.changes.filter((c) => {
    const mark = pending.known.get(`${generation}\u0000${c.recordId}`);
    return mark === undefined || mark < padSequence(c.sequenceNumber);
  });
  const result = applyChanges(stored, { ...batch, changes }, nowDate.toISOString());
  if (result.applied.length === 0) return undefined;
  let next: Aggregate = { ...result.aggregate, markGeneration: generation };
  if (result.recompute.best || result.recompute.last) {
    const found = await readPlayerRecords(batch.playerName, batch.period, result.recompute);
    next = mergeRecomputed(next, result.recompute, found);
  }
  const markers = markersOf(result.applied);
  const nowSeconds = Math.floor(nowDate.getTime() / 1000);
  return {
    pending,
    attempted: stored,
    next,
    generation,
    markers,
    applied: result.applied.length,
    items: [aggregatePut(next, stored), ...markers.map((m) => markerPut(next, m, nowSeconds))],
    counts: countsMove(stored, next),
    effects: effectsOf(stored, batch, result.applied),
  };
}

/**
 * What each applied change did to one aggregate, in order: its totals and games before and after
 * (a total is null while the player has no games there: not on the board). Pure; ranks are added
 * after the commit (outcomes.ts).
 */
export function effectsOf(
  stored: Pick<Aggregate, "totalScore" | "gamesPlayed"> | undefined,
  batch: Pick<PlayerBatch, "playerName" | "period">,
  applied: readonly RecordChange[],
): RecordEffect[] {
  let total = stored?.totalScore ?? 0;
  let games = stored?.gamesPlayed ?? 0;
  return applied.map((change) => {
    const totalBefore = games > 0 ? total : null;
    const gamesBefore = games;
    if (change.before) {
      total -= change.before.score;
      games -= 1;
    }
    if (change.after) {
      total += change.after.score;
      games += 1;
    }
    return {
      sequenceNumber: change.sequenceNumber,
      effect: {
        playerName: batch.playerName,
        period: batch.period,
        totalBefore,
        totalAfter: games > 0 ? total : null,
        gamesBefore,
        gamesAfter: games,
      },
    };
  });
}

/** Parts in transactions' worth, in order; a part never spans two. */
function packParts(parts: Part[]): Part[][] {
  const packs: Part[][] = [];
  let pack: Part[] = [];
  let size = 0;
  for (const part of parts) {
    if (part.pending.alone) {
      packs.push([part]);
      continue;
    }
    // Counts coalesce within a pack, so this is an upper bound.
    const items = part.items.length + countItems(part.counts);
    if (size + items > ITEMS_PER_TRANSACTION) {
      packs.push(pack);
      pack = [];
      size = 0;
    }
    pack.push(part);
    size += items;
  }
  if (pack.length > 0) packs.push(pack);
  return packs;
}

/** What a cancellation says of one part: what is in already, whether its aggregate moved. */
async function learnFrom(part: Part, reasons: CancellationReason[]): Promise<{ moved: boolean }> {
  const { pending, generation } = part;
  const { batch } = pending;
  for (const [i, marker] of part.markers.entries()) {
    const reason = reasons[i + 1];
    if (reason?.Code !== "ConditionalCheckFailed") continue;
    const target = markTarget(batch.period, generation, batch.playerName);
    // Cancellation reasons come as DynamoDB sent them: the DocumentClient unmarshalls no errors.
    const mark = reason.Item?.SequenceNumber?.S ?? (await readMark(marker.recordId, target));
    if (mark !== undefined) pending.known.set(`${generation}\u0000${marker.recordId}`, mark);
  }
  const moved = reasons[0]?.Code !== "None" && reasons[0]?.Code !== undefined;
  // Only markers failed: the aggregate read is still the one to build on.
  pending.stored = moved ? null : part.attempted;
  return { moved };
}

/**
 * Applies aggregates' changes: read (or take from the cache), compute, and write each aggregate
 * with its markers, several aggregates to a transaction (up to 100 items), so a batch of 100
 * records over 60 players is two requests, not sixty. A cancellation says, item by item, what
 * is in already (a marker) or which aggregate moved (its Version); the round runs again on what
 * is left, reading only the aggregates that moved. One aggregate's trouble is not another's: a
 * pack refused for good is split, and each of its aggregates tried alone.
 */
async function applyPending(all: Pending[]): Promise<void> {
  let active = all.filter((p) => !p.outcome);
  while (active.length > 0) {
    const nowDate = new Date();
    const parts: Part[] = [];
    await forEachConcurrently(active, CONCURRENT_READS, async (pending) => {
      try {
        const part = await partOf(pending, nowDate);
        if (part) parts.push(part);
        else pending.outcome = { ok: true, applied: 0 };
      } catch (error) {
        pending.outcome = { ok: false, error };
      }
    });
    // Stream order of first appearance: deterministic packs.
    parts.sort((x, y) => all.indexOf(x.pending) - all.indexOf(y.pending));
    let backOff = 0;
    await forEachConcurrently(packParts(parts), CONCURRENT_WRITES, async (pack) => {
      const counts: CountDeltas = new Map();
      for (const part of pack) {
        for (const [board, deltas] of part.counts) mergeDeltas(counts, board, deltas);
      }
      const countWrites = countUpdates(counts);
      try {
        await documentClient().send(
          new TransactWriteCommand({
            TransactItems: [...pack.flatMap((part) => part.items), ...countWrites],
          }),
        );
        for (const part of pack) {
          // As stored: its counts now where this write put them.
          cache.set(part.pending.key, storedAs(part.next, (part.attempted?.version ?? 0) + 1));
          part.pending.outcome = { ok: true, applied: part.applied };
          part.pending.effects = part.effects;
        }
        return;
      } catch (error) {
        for (const part of pack) cache.delete(part.pending.key);
        const reasons = cancellationReasons(error);
        if (!isTransientError(error)) {
          // Refused for good: alone, an aggregate's own fault shows; in a pack, try each alone.
          for (const part of pack) {
            if (pack.length === 1) part.pending.outcome = { ok: false, error };
            else part.pending.alone = true;
            part.pending.stored = part.attempted;
          }
          return;
        }
        // The counts are last: another batch's transaction on one of them (a conflict) cancels
        // this one with every aggregate's condition met. Nothing to learn; wait and try again.
        const countReasons =
          countWrites.length > 0 ? (reasons ?? []).slice(-countWrites.length) : [];
        const countsConflicted = countReasons.some(
          (r) => r.Code !== undefined && r.Code !== "None",
        );
        let offset = 0;
        for (const part of pack) {
          const pending = part.pending;
          const own = reasons?.slice(offset, offset + part.items.length);
          offset += part.items.length;
          const moved = own ? (await learnFrom(part, own)).moved : true;
          if (!own) pending.stored = null;
          if (++pending.attempts >= MAX_WRITE_ATTEMPTS) {
            pending.outcome = { ok: false, error };
            continue;
          }
          const onlyConditions = (own ?? []).every(
            (r) => !r.Code || r.Code === "None" || r.Code === "ConditionalCheckFailed",
          );
          // A conflict, throttling or no answer: wait before the next round. A moved aggregate
          // with nothing learned: another writer is busy on it, give it a moment too.
          if (!own || !onlyConditions || countsConflicted) {
            backOff = Math.max(backOff, pending.attempts);
          } else if (moved && own.slice(1).every((r) => r.Code !== "ConditionalCheckFailed")) {
            backOff = Math.max(backOff, pending.attempts);
          }
        }
      }
    });
    if (backOff > 0) await backoff(backOff);
    active = all.filter((p) => !p.outcome);
  }
}

function pendingOf(batch: PlayerBatch): Pending[] {
  // One cache for every endpoint a process talks to (tests and benches start several engines).
  const key = `${serverEnv().DYNAMODB_ENDPOINT ?? ""}\u0000${groupKey(batch.playerName, batch.period)}`;
  return chunkChanges(batch.changes).map((changes) => ({
    batch,
    changes,
    key,
    stored: null,
    known: new Map(),
    attempts: 0,
    alone: false,
  }));
}

/**
 * Applies one aggregate's changes of a batch, in as many transactions as it takes (a chunk of
 * at most 99 records each, one after the other: each builds on the last).
 */
export async function applyPlayerBatch(batch: PlayerBatch): Promise<{ applied: number }> {
  let applied = 0;
  for (const pending of pendingOf(batch)) {
    pending.stored = cache.get(pending.key) ?? null;
    await applyPending([pending]);
    if (pending.outcome?.ok === false) throw pending.outcome.error;
    applied += pending.outcome?.ok ? pending.outcome.applied : 0;
  }
  return { applied };
}

/**
 * After the batch: what each record did, onto its stream log entry (outcomes.ts). A record of an
 * aggregate whose write did not go through now gets nothing, nor does poison the quarantine did
 * not take: their retry will write it. Never
 * throws, whatever fails: the aggregates are in, and that is the batch's result.
 */
async function recordOutcomes(
  records: DynamoDBRecord[],
  planned: PlayerBatch[],
  pendings: Pending[],
  failedBatches: Map<PlayerBatch, unknown>,
  {
    poison,
    quarantined,
  }: { poison: Set<DynamoDBRecord>; quarantined: Map<DynamoDBRecord, string> },
): Promise<void> {
  try {
    const notYet = new Set<string>();
    for (const batch of failedBatches.keys()) {
      for (const change of batch.changes) notYet.add(change.sequenceNumber);
    }
    const effects = await rankEffects(pendings.flatMap((p) => p.effects ?? []));
    const bySequence = new Map<string, RecordEffect["effect"][]>();
    for (const { sequenceNumber, effect } of effects) {
      let list = bySequence.get(sequenceNumber);
      if (!list) bySequence.set(sequenceNumber, (list = []));
      list.push(effect);
    }
    // A record with changes to apply, none of which went in now: every one was in already (a
    // redelivery). Its first delivery wrote its outcome; writing again could only fail its
    // condition, at a write unit and a round trip a record: skip it.
    const withChanges = new Set(planned.flatMap((b) => b.changes.map((c) => c.sequenceNumber)));
    const at = new Date().toISOString();
    const writes: OutcomeWrite[] = [];
    for (const record of records) {
      const reason = quarantined.get(record);
      const seq = record.dynamodb?.SequenceNumber ?? "";
      if (reason !== undefined) {
        const changes = bySequence.get(seq);
        writes.push({
          record,
          outcome: { outcome: "quarantined", at, reason, ...(changes ? { changes } : {}) },
        });
      } else if (withChanges.has(seq) && !bySequence.has(seq)) {
        continue;
      } else if (seq && !notYet.has(seq) && !poison.has(record)) {
        writes.push({
          record,
          outcome: { outcome: "applied", at, changes: bySequence.get(seq) ?? [] },
        });
      }
    }
    await writeOutcomes(writes);
  } catch (error) {
    console.error("[aggregate] could not write the batch's outcomes onto the stream log", error);
  }
}

/**
 * The aggregator, as Lambda calls it with one shard's batch. Poison goes to the quarantine at
 * once; everything else is applied. Reported in `batchItemFailures` are only transient failures:
 * for an aggregate whose write could not be done now, the lowest sequence number among its
 * records, and a poison record the quarantine could not take. When Lambda redelivers from the
 * lowest failure, the markers skip what is already in.
 */
export async function applyStreamBatch(records: DynamoDBRecord[]): Promise<DynamoDBBatchResponse> {
  const plan = planBatch(records);
  const failed = new Set<string>();
  const poison = [...plan.poison];
  for (const p of plan.poison) {
    console.warn(`[aggregate] quarantining record ${p.itemIdentifier}: ${p.reason}`);
  }
  // A busy player's chunks go in rounds, one after the other (each builds on the last);
  // everyone's first chunk goes in the first round.
  const chunks = plan.batches.map(pendingOf);
  const failedBatches = new Map<PlayerBatch, unknown>();
  const quarantined = new Map<DynamoDBRecord, string>();
  for (let round = 0; chunks.some((c) => c.length > round); round++) {
    const current = chunks.flatMap((c, i) =>
      c.length > round && !failedBatches.has(plan.batches[i]!) ? [c[round]!] : [],
    );
    for (const pending of current) pending.stored = cache.get(pending.key) ?? null;
    await applyPending(current);
    for (const pending of current) {
      if (pending.outcome?.ok === false) {
        failedBatches.set(pending.batch as PlayerBatch, pending.outcome.error);
      }
    }
  }
  for (const [batch, error] of failedBatches) {
    if (isTransientError(error)) {
      console.error(
        `[aggregate] could not update ${batch.playerName}/${batch.period} now (from ${batch.lowestSequenceNumber})`,
        error,
      );
      failed.add(batch.lowestSequenceNumber);
      continue;
    }
    // DynamoDB refuses this write for good (e.g. a key it cannot store): retrying cannot help.
    const reason = `DynamoDB refused the aggregate's write: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    const sequenceNumbers = new Set(batch.changes.map((c) => c.sequenceNumber));
    for (const record of records) {
      const seq = record.dynamodb?.SequenceNumber;
      if (seq && sequenceNumbers.has(seq)) poison.push({ record, itemIdentifier: seq, reason });
    }
  }
  if (poison.length > 0) {
    const notTaken = new Set(await quarantineRecords(poison, "aggregator"));
    for (const itemIdentifier of notTaken) failed.add(itemIdentifier);
    for (const p of poison) {
      if (!notTaken.has(p.itemIdentifier)) quarantined.set(p.record, p.reason);
    }
  }
  await recordOutcomes(records, plan.batches, chunks.flat(), failedBatches, {
    poison: new Set(poison.map((p) => p.record)),
    quarantined,
  });
  const ordered = [...failed].sort((a, b) =>
    SEQUENCE_PATTERN.test(a) && SEQUENCE_PATTERN.test(b) ? (seqLess(a, b) ? -1 : 1) : 0,
  );
  return { batchItemFailures: ordered.map((itemIdentifier) => ({ itemIdentifier })) };
}
