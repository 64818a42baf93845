import { GetItemCommand, PutItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";
import { z } from "zod";
import { dynamo } from "./dynamo.ts";
import { isConditionalCheckFailed } from "./dynamo-errors.ts";
import { countsTowards, periodsOf } from "./period.ts";
import { tableName } from "./resource.ts";
import { ScoreItem } from "./score-schema.ts";
import { playerItems } from "./score.ts";

/*
 * The aggregator: GameScoreRecords stream records → one GameScoresByUser item per (player, period).
 *
 * Exactly-once effect under at-least-once delivery, without transactions, rests on a watermark
 * kept on each aggregate item: `Applied` maps a RecordID to the sequence number of the last change
 * of that record applied to this aggregate. A change at or below its record's mark is a redelivery
 * and is skipped; the mark and the new totals land in one conditional PutItem (on `Version`), so
 * they can never disagree.
 *
 * Why per record and not per shard: Lambda records carry the stream ARN but no shard id, and a
 * player's records are spread over every shard of the table (RecordID is the partition key), which
 * AWS processes concurrently, so one "last sequence number" per stream or per player would skip
 * records of a sibling shard that arrive late. What DynamoDB Streams does guarantee is per item:
 * the changes of one item appear once, in order, with increasing sequence numbers (a child shard
 * continues its parent's numbers, and Lambda finishes a parent before its children). A per-record
 * mark relies on exactly that, whatever the shard count or ParallelizationFactor.
 *
 * Marks cannot grow without bound: a change older than the stream's 24-hour retention can never be
 * delivered again, so marks whose change is older than that (by the stream's own clock, the
 * records' ApproximateCreationDateTime) are dropped. At ~60 bytes a mark, the 400 KB item limit
 * allows some 6,000 changes per player per day. Marks belong to one stream: a table recreated
 * (new stream, numbering anew) needs its aggregates rebuilt, which its lost records force anyway.
 */

const RETENTION_SECONDS = 25 * 60 * 60; // the stream's 24 h plus a margin for clock skew
const MAX_WRITE_ATTEMPTS = 8;
const CONCURRENT_WRITES = 8;

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

export interface BatchPlan {
  batches: PlayerBatch[];
  /** Item identifiers (sequence numbers) of records that cannot be decoded. */
  failures: string[];
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
  const failures: string[] = [];
  for (const record of records) {
    const decoded = decodeStreamRecord(record);
    if (!decoded.ok) {
      console.warn(`[aggregate] cannot apply record ${decoded.itemIdentifier}: ${decoded.reason}`);
      failures.push(decoded.itemIdentifier);
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
  return { batches: [...groups.values()], failures };
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
  /** RecordID → [sequence number of its last applied change, that change's epoch seconds]. */
  applied: Record<string, [string, number]>;
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
  Applied: z.record(z.string(), z.tuple([z.string(), z.number()])),
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
    applied: item.Applied,
  };
}

/**
 * The stored item. A player with no games keeps the item (its marks still guard against
 * redeliveries) but loses `TotalScore`, which drops it from the sparse ByPeriodTotal index and so
 * from the leaderboard.
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
    Applied: aggregate.applied,
  };
}

/** Later `CreatedAt` wins; RecordIDs (ULIDs, time-ordered) break ties. */
export function isLater(a: { playedAt: string; recordId: string }, b: LastGame | undefined) {
  if (!b) return true;
  return a.playedAt > b.playedAt || (a.playedAt === b.playedAt && a.recordId >= b.recordId);
}

export interface ApplyResult {
  aggregate: Aggregate;
  /** Changes applied (those not skipped as redeliveries); 0 → nothing to write. */
  applied: number;
  /**
   * Which fields could not be updated from the changes alone, because the record that held the
   * best score (or the latest game) was lowered or left. The aggregate then holds only what
   * arrived after that; the caller merges it with a read of the player's records.
   */
  recompute: { best: boolean; last: boolean };
}

/**
 * Applies one batch's changes to an aggregate, skipping redeliveries. Pure: `now` stamps
 * `updatedAt`; the version is left for the writer to bump.
 */
export function applyChanges(
  current: Aggregate | undefined,
  batch: PlayerBatch,
  now: string,
): ApplyResult {
  const applied = { ...(current?.applied ?? {}) };
  let totalScore = current?.totalScore ?? 0;
  let gamesPlayed = current?.gamesPlayed ?? 0;
  let best = current && current.gamesPlayed > 0 ? current.bestScore : undefined;
  let last = current && current.gamesPlayed > 0 ? current.last : undefined;
  let bestUnknown = false;
  let lastUnknown = false;
  let count = 0;

  for (const change of batch.changes) {
    const mark = applied[change.recordId];
    if (mark && !seqLess(mark[0], change.sequenceNumber)) continue;
    applied[change.recordId] = [change.sequenceNumber, change.approximateTime];
    count++;
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

  const newest = Math.max(0, ...Object.values(applied).map(([, time]) => time));
  for (const [recordId, [, time]] of Object.entries(applied)) {
    if (time < newest - RETENTION_SECONDS) delete applied[recordId];
  }

  const aggregate: Aggregate = {
    playerName: batch.playerName,
    period: batch.period,
    totalScore,
    gamesPlayed,
    ...(best !== undefined ? { bestScore: best } : {}),
    ...(last ? { last } : {}),
    updatedAt: count > 0 ? now : current?.updatedAt,
    version: current?.version ?? 0,
    applied,
  };
  return { aggregate, applied: count, recompute: { best: bestUnknown, last: lastUnknown } };
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

async function writeAggregate(aggregate: Aggregate, expectedVersion: number | undefined) {
  const item = toAggregateItem({ ...aggregate, version: (expectedVersion ?? 0) + 1 });
  await dynamo().send(
    new PutItemCommand({
      TableName: tableName("GameScoresByUser"),
      Item: marshall(item, { removeUndefinedValues: true }),
      ...(expectedVersion === undefined
        ? { ConditionExpression: "attribute_not_exists(PlayerName)" }
        : {
            ConditionExpression: "Version = :version",
            ExpressionAttributeValues: { ":version": { N: String(expectedVersion) } },
          }),
    }),
  );
}

/**
 * Read, compute, conditional write, for one aggregate. A lost race (another batch, e.g. from a
 * sibling shard, wrote first) reruns the whole cycle on the fresh item: the marks then skip
 * whatever the other writer already applied.
 */
export async function applyPlayerBatch(batch: PlayerBatch): Promise<{ written: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const stored = await readAggregate(batch.playerName, batch.period);
    const result = applyChanges(stored, batch, new Date().toISOString());
    if (result.applied === 0) return { written: false };
    let next = result.aggregate;
    if (result.recompute.best || result.recompute.last) {
      const found = await readPlayerRecords(batch.playerName, batch.period, result.recompute);
      next = mergeRecomputed(next, result.recompute, found);
    }
    try {
      await writeAggregate(next, stored?.version);
      return { written: true };
    } catch (error) {
      if (!isConditionalCheckFailed(error) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));
    }
  }
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
 * The aggregator, as Lambda calls it with one shard's batch. Reports only what failed: records
 * that cannot be decoded (Lambda retries them, then hands them to the on-failure destination, so
 * they never block the shard for good) and, for an aggregate whose write failed, the lowest
 * sequence number among its records. Everything else is applied; when Lambda redelivers from the
 * lowest failure, the marks skip what is already in.
 */
export async function applyStreamBatch(records: DynamoDBRecord[]): Promise<DynamoDBBatchResponse> {
  const plan = planBatch(records);
  const failed = new Set(plan.failures);
  await forEachConcurrently(plan.batches, CONCURRENT_WRITES, async (batch) => {
    try {
      await applyPlayerBatch(batch);
    } catch (error) {
      console.error(
        `[aggregate] could not update ${batch.playerName}/${batch.period} (from ${batch.lowestSequenceNumber})`,
        error,
      );
      failed.add(batch.lowestSequenceNumber);
    }
  });
  const ordered = [...failed].sort((a, b) =>
    SEQUENCE_PATTERN.test(a) && SEQUENCE_PATTERN.test(b) ? (seqLess(a, b) ? -1 : 1) : 0,
  );
  return { batchItemFailures: ordered.map((itemIdentifier) => ({ itemIdentifier })) };
}
