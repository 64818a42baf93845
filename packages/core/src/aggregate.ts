import {
  GetItemCommand,
  TransactWriteItemsCommand,
  type AttributeValue,
  type CancellationReason,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";
import { z } from "zod";
import { dynamo } from "./dynamo.ts";
import { isAwsError, isTransientError } from "./dynamo-errors.ts";
import { countsTowards, periodsOf } from "./period.ts";
import { quarantineRecords } from "./quarantine.ts";
import { tableName } from "./resource.ts";
import { ScoreItem } from "./score-schema.ts";
import { playerItems } from "./score.ts";

/*
 * The aggregator: GameScoreRecords stream records → one GameScoresByUser item per (player, period).
 *
 * Exactly once under at-least-once delivery rests on per-change markers in a table of their own
 * (AggregatorMarks), written in the same TransactWriteItems as the aggregate:
 *
 *   mark(RecordID, aggregate) = the sequence number of the last change of that record applied
 *   to that aggregate.
 *
 * One transaction per (player, period) per batch puts the aggregate, conditional on the `Version`
 * it was computed from, and one marker per record whose changes it applies, each conditional on
 * its old mark being below the first of those changes. So the totals and the marks can never
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
 * Cost, per batch and (player, period): one consistent read of the aggregate (1 read unit); one
 * transaction of 1 + records items, 2 write units per KB each (the aggregate and markers are well
 * under 1 KB), plus the index's write of the board row. A read of ByPlayer only when the best or
 * latest game was lowered or removed.
 */

/** Markers outlive the stream's 24-hour retention, with an hour's margin for clock skew. */
const MARK_TTL_SECONDS = 25 * 60 * 60;
/** TransactWriteItems takes at most 100 items: the aggregate and 99 markers. */
const MARKS_PER_TRANSACTION = 99;
const MAX_WRITE_ATTEMPTS = 10;
const CONCURRENT_WRITES = 8;
/** Sequence numbers are up to 40 digits: stored zero-padded, they compare as strings. */
const SEQUENCE_WIDTH = 40;
export const INITIAL_GENERATION = "0";

export const padSequence = (sequenceNumber: string) => sequenceNumber.padStart(SEQUENCE_WIDTH, "0");

/** The range key of a marker: which aggregate, in which generation, the mark is for. */
export const markTarget = (period: string, generation: string, playerName: string) =>
  `${period}|${generation}|${playerName}`;

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
    }
  | { ok: false; itemIdentifier: string; reason: string };

const SEQUENCE_PATTERN = /^\d{1,40}$/;

function decodeImage(image: unknown): ScoreItem | string {
  if (!image || typeof image !== "object") return "the image is missing";
  let plain: Record<string, unknown>;
  try {
    // Lambda's wire JSON and the SDK's AttributeValue agree on every type a score record uses.
    plain = unmarshall(image as Record<string, AttributeValue>);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const parsed = ScoreItem.safeParse(plain);
  return parsed.success
    ? parsed.data
    : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
}

function approximateTimeOf(value: unknown): number {
  if (typeof value === "number" && Number.isFinite(value)) return Math.floor(value);
  if (value instanceof Date) return Math.floor(value.getTime() / 1000);
  return Math.floor(Date.now() / 1000);
}

/** A Lambda stream record → the images it carries, or why it cannot be applied. */
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
  let oldImage: ScoreItem | undefined;
  let newImage: ScoreItem | undefined;
  if (eventName !== "INSERT") {
    const decoded = decodeImage(record.dynamodb?.OldImage);
    if (typeof decoded === "string") return fail(`OldImage: ${decoded}`);
    oldImage = decoded;
  }
  if (eventName !== "REMOVE") {
    const decoded = decodeImage(record.dynamodb?.NewImage);
    if (typeof decoded === "string") return fail(`NewImage: ${decoded}`);
    newImage = decoded;
  }
  const recordId = (newImage ?? oldImage)!.RecordID;
  if (oldImage && newImage && oldImage.RecordID !== newImage.RecordID) {
    return fail("OldImage and NewImage are of different records");
  }
  return {
    ok: true,
    recordId,
    sequenceNumber,
    approximateTime: approximateTimeOf(record.dynamodb?.ApproximateCreationDateTime),
    ...(oldImage ? { oldImage } : {}),
    ...(newImage ? { newImage } : {}),
  };
}

const groupKey = (playerName: string, period: string) => `${playerName}\u0000${period}`;
const seqLess = (a: string, b: string) => BigInt(a) < BigInt(b);

/**
 * Splits a batch into per-(player, period) changes, in stream order. A MODIFY becomes one change
 * when the record stays with its player, or a leave and an arrival when it is renamed. A change
 * that alters nothing an aggregate holds (a nickname edit) is dropped: it has no effect to repeat.
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
    const changes = new Map<string, { playerName: string; period: string; change: RecordChange }>();
    const changeFor = (playerName: string, period: string) => {
      const key = groupKey(playerName, period);
      let entry = changes.get(key);
      if (!entry) {
        const change: RecordChange = {
          recordId: decoded.recordId,
          sequenceNumber: decoded.sequenceNumber,
          approximateTime: decoded.approximateTime,
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

const contributionOf = (item: ScoreItem): Contribution => ({
  score: item.Score,
  createdAt: item.CreatedAt,
});

// --- the aggregate and its pure update --------------------------------------------------------

export interface LastGame {
  score: number;
  playedAt: string;
  recordId: string;
}

export interface Aggregate {
  playerName: string;
  period: string;
  totalScore: number;
  gamesPlayed: number;
  bestScore?: number;
  last?: LastGame;
  updatedAt?: string;
  /** Bumped by every write; the condition of the next one. */
  version: number;
  /** The generation of markers that guard this aggregate (see the top of this file). */
  markGeneration: string;
  /**
   * Marks kept on the item itself by the aggregator before markers had a table of their own
   * (RecordID → [sequence number, epoch seconds]); honoured, kept, never added to.
   */
  legacyMarks?: Record<string, [string, number]>;
}

/** A GameScoresByUser item as stored (after `unmarshall`). */
export const AggregateItem = z.object({
  PlayerName: z.string(),
  Period: z.string(),
  TotalScore: z.number().optional(),
  GamesPlayed: z.number(),
  BestScore: z.number().optional(),
  LastScore: z.number().optional(),
  LastPlayedAt: z.string().optional(),
  LastRecordID: z.string().optional(),
  UpdatedAt: z.string().optional(),
  Version: z.number(),
  MarkGeneration: z.string().optional(),
  /** Legacy: the marks of aggregates written before AggregatorMarks (see `legacyMarks`). */
  Applied: z.record(z.string(), z.tuple([z.string(), z.number()])).optional(),
});
export type AggregateItem = z.infer<typeof AggregateItem>;

export function fromAggregateItem(item: AggregateItem): Aggregate {
  return {
    playerName: item.PlayerName,
    period: item.Period,
    totalScore: item.TotalScore ?? 0,
    gamesPlayed: item.GamesPlayed,
    ...(item.BestScore !== undefined ? { bestScore: item.BestScore } : {}),
    ...(item.LastScore !== undefined &&
    item.LastPlayedAt !== undefined &&
    item.LastRecordID !== undefined
      ? {
          last: { score: item.LastScore, playedAt: item.LastPlayedAt, recordId: item.LastRecordID },
        }
      : {}),
    ...(item.UpdatedAt !== undefined ? { updatedAt: item.UpdatedAt } : {}),
    version: item.Version,
    markGeneration: item.MarkGeneration ?? INITIAL_GENERATION,
    ...(item.Applied ? { legacyMarks: item.Applied } : {}),
  };
}

/**
 * The stored item. A player with no games keeps the item (its Version and generation still
 * matter to the next write) but loses `TotalScore`, which drops it from the sparse ByPeriodTotal
 * index and so from the leaderboard.
 */
export function toAggregateItem(aggregate: Aggregate): AggregateItem {
  const playing = aggregate.gamesPlayed > 0;
  return {
    PlayerName: aggregate.playerName,
    Period: aggregate.period,
    ...(playing ? { TotalScore: aggregate.totalScore } : {}),
    GamesPlayed: Math.max(0, aggregate.gamesPlayed),
    ...(playing && aggregate.bestScore !== undefined ? { BestScore: aggregate.bestScore } : {}),
    ...(playing && aggregate.last
      ? {
          LastScore: aggregate.last.score,
          LastPlayedAt: aggregate.last.playedAt,
          LastRecordID: aggregate.last.recordId,
        }
      : {}),
    ...(aggregate.updatedAt !== undefined ? { UpdatedAt: aggregate.updatedAt } : {}),
    Version: aggregate.version,
    MarkGeneration: aggregate.markGeneration,
    ...(aggregate.legacyMarks ? { Applied: aggregate.legacyMarks } : {}),
  };
}

/** Later `CreatedAt` wins; RecordIDs (ULIDs, time-ordered) break ties. */
export function isLater(a: { playedAt: string; recordId: string }, b: LastGame | undefined) {
  if (!b) return true;
  return a.playedAt > b.playedAt || (a.playedAt === b.playedAt && a.recordId >= b.recordId);
}

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
  const applied: RecordChange[] = [];

  for (const change of batch.changes) {
    const mark = legacy?.[change.recordId];
    if (mark && !seqLess(mark[0], change.sequenceNumber)) continue;
    applied.push(change);
    const { before, after, recordId } = change;
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
export function markersOf(
  changes: RecordChange[],
): { recordId: string; first: string; last: string }[] {
  const byRecord = new Map<string, { recordId: string; first: string; last: string }>();
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

// --- reads and the one write ------------------------------------------------------------------

async function readAggregate(playerName: string, period: string): Promise<Aggregate | undefined> {
  const { Item } = await dynamo().send(
    new GetItemCommand({
      TableName: tableName("GameScoresByUser"),
      Key: { PlayerName: { S: playerName }, Period: { S: period } },
      ConsistentRead: true,
    }),
  );
  return Item ? fromAggregateItem(AggregateItem.parse(unmarshall(Item))) : undefined;
}

/** The player's best score and latest game in a period, from the records as they are now. */
async function readPlayerRecords(
  playerName: string,
  period: string,
  needs: ApplyResult["recompute"],
): Promise<{ best?: number; last?: LastGame }> {
  let best: number | undefined;
  let last: LastGame | undefined;
  // Highest score first: for the best score alone, the first record that counts is the answer.
  const items = playerItems(playerName, {
    highestFirst: true,
    ...(needs.last ? {} : { pageSize: 1 }),
  });
  for await (const raw of items) {
    const parsed = ScoreItem.safeParse(raw);
    if (!parsed.success || !countsTowards(parsed.data.CreatedAt, period)) continue;
    const item = parsed.data;
    if (best === undefined || item.Score > best) best = item.Score;
    const game = { score: item.Score, playedAt: item.CreatedAt, recordId: item.RecordID };
    if (isLater(game, last)) last = game;
    if (!needs.last) return { best };
  }
  return { ...(best !== undefined ? { best } : {}), ...(last ? { last } : {}) };
}

/** The aggregate's conditional Put: on the Version it was computed from, or on its absence. */
export function aggregatePut(
  aggregate: Aggregate,
  expectedVersion: number | undefined,
): TransactWriteItem {
  const item = toAggregateItem({ ...aggregate, version: (expectedVersion ?? 0) + 1 });
  return {
    Put: {
      TableName: tableName("GameScoresByUser"),
      Item: marshall(item, { removeUndefinedValues: true }),
      ...(expectedVersion === undefined
        ? { ConditionExpression: "attribute_not_exists(PlayerName)" }
        : {
            ConditionExpression: "Version = :version",
            ExpressionAttributeValues: { ":version": { N: String(expectedVersion) } },
          }),
    },
  };
}

/** A marker item: RecordID + target → the mark, expiring when the stream can no longer deliver. */
export function markerItem(
  recordId: string,
  target: string,
  sequenceNumber: string,
  nowSeconds: number,
): Record<string, AttributeValue> {
  return {
    RecordID: { S: recordId },
    Target: { S: target },
    SequenceNumber: { S: padSequence(sequenceNumber) },
    ExpiresAt: { N: String(nowSeconds + MARK_TTL_SECONDS) },
  };
}

function markerPut(
  aggregate: Aggregate,
  marker: { recordId: string; first: string; last: string },
  nowSeconds: number,
): TransactWriteItem {
  const target = markTarget(aggregate.period, aggregate.markGeneration, aggregate.playerName);
  return {
    Put: {
      TableName: tableName("AggregatorMarks"),
      Item: markerItem(marker.recordId, target, marker.last, nowSeconds),
      ConditionExpression: "attribute_not_exists(SequenceNumber) OR SequenceNumber < :first",
      ExpressionAttributeValues: { ":first": { S: padSequence(marker.first) } },
      // On a redelivery, the marker itself tells which of the record's changes are in.
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    },
  };
}

/** A marker's mark, read when a cancellation did not return it. */
async function readMark(recordId: string, target: string): Promise<string | undefined> {
  const { Item } = await dynamo().send(
    new GetItemCommand({
      TableName: tableName("AggregatorMarks"),
      Key: { RecordID: { S: recordId }, Target: { S: target } },
      ConsistentRead: true,
    }),
  );
  return Item?.SequenceNumber?.S;
}

function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (!isAwsError(error, "TransactionCanceledException")) return undefined;
  return (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons;
}

const backoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** Math.min(attempt, 6)));

/**
 * Read, compute, one transaction, for one chunk of one aggregate's changes. A cancellation
 * teaches what is in already (a marker) or that the aggregate moved (its Version); the cycle runs
 * again on what is left, on the fresh item. Returns how many changes it applied.
 */
async function applyChunk(
  batch: Pick<PlayerBatch, "playerName" | "period">,
  changes: RecordChange[],
): Promise<number> {
  /** Generation + RecordID → the mark a cancelled transaction showed. */
  const known = new Map<string, string>();
  for (let attempt = 1; ; attempt++) {
    const stored = await readAggregate(batch.playerName, batch.period);
    const generation = stored?.markGeneration ?? INITIAL_GENERATION;
    const pending = changes.filter((c) => {
      const mark = known.get(`${generation}\u0000${c.recordId}`);
      return mark === undefined || mark < padSequence(c.sequenceNumber);
    });
    const nowDate = new Date();
    const result = applyChanges(stored, { ...batch, changes: pending }, nowDate.toISOString());
    if (result.applied.length === 0) return 0;
    let next = result.aggregate;
    if (result.recompute.best || result.recompute.last) {
      const found = await readPlayerRecords(batch.playerName, batch.period, result.recompute);
      next = mergeRecomputed(next, result.recompute, found);
    }
    const markers = markersOf(result.applied);
    const nowSeconds = Math.floor(nowDate.getTime() / 1000);
    try {
      await dynamo().send(
        new TransactWriteItemsCommand({
          TransactItems: [
            aggregatePut(next, stored?.version),
            ...markers.map((m) => markerPut(next, m, nowSeconds)),
          ],
        }),
      );
      return result.applied.length;
    } catch (error) {
      if (attempt >= MAX_WRITE_ATTEMPTS) throw error;
      const reasons = cancellationReasons(error);
      if (!reasons) {
        if (!isTransientError(error)) throw error;
        await backoff(attempt);
        continue;
      }
      let learned = false;
      for (const [i, marker] of markers.entries()) {
        const reason = reasons[i + 1];
        if (reason?.Code !== "ConditionalCheckFailed") continue;
        const target = markTarget(batch.period, generation, batch.playerName);
        const mark = reason.Item?.SequenceNumber?.S ?? (await readMark(marker.recordId, target));
        if (mark !== undefined) {
          known.set(`${generation}\u0000${marker.recordId}`, mark);
          learned = true;
        }
      }
      const aggregateMoved = reasons[0]?.Code === "ConditionalCheckFailed";
      const onlyConditions = reasons.every(
        (r) => !r.Code || r.Code === "None" || r.Code === "ConditionalCheckFailed",
      );
      if (!onlyConditions) {
        // A conflict with a concurrent transaction, or throttling: transient by nature.
        if (!isTransientError(error)) throw error;
        await backoff(attempt);
      } else if (!learned && aggregateMoved) {
        await backoff(attempt);
      }
    }
  }
}

/** Applies one aggregate's changes of a batch, in as many transactions as it takes. */
export async function applyPlayerBatch(batch: PlayerBatch): Promise<{ applied: number }> {
  let applied = 0;
  for (const chunk of chunkChanges(batch.changes)) applied += await applyChunk(batch, chunk);
  return { applied };
}

async function forEachConcurrently<T>(
  items: T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
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
  await forEachConcurrently(plan.batches, CONCURRENT_WRITES, async (batch) => {
    try {
      await applyPlayerBatch(batch);
    } catch (error) {
      if (isTransientError(error)) {
        console.error(
          `[aggregate] could not update ${batch.playerName}/${batch.period} now (from ${batch.lowestSequenceNumber})`,
          error,
        );
        failed.add(batch.lowestSequenceNumber);
        return;
      }
      // DynamoDB refuses this write for good (e.g. a key it cannot store): retrying cannot help.
      const reason = `DynamoDB refused the aggregate's write: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
      const sequenceNumbers = new Set(batch.changes.map((c) => c.sequenceNumber));
      for (const record of records) {
        const seq = record.dynamodb?.SequenceNumber;
        if (seq && sequenceNumbers.has(seq)) poison.push({ record, itemIdentifier: seq, reason });
      }
    }
  });
  if (poison.length > 0) {
    for (const itemIdentifier of await quarantineRecords(poison, "aggregator")) {
      failed.add(itemIdentifier);
    }
  }
  const ordered = [...failed].sort((a, b) =>
    SEQUENCE_PATTERN.test(a) && SEQUENCE_PATTERN.test(b) ? (seqLess(a, b) ? -1 : 1) : 0,
  );
  return { batchItemFailures: ordered.map((itemIdentifier) => ({ itemIdentifier })) };
}
