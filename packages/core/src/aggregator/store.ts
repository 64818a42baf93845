import {
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  paginateQuery,
  paginateScan,
  PutCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import type { ScoreItem } from "../contract/score.ts";
import { documentClient } from "../infra/clients.ts";
import { isConditionalCheckFailed } from "../infra/aws-errors.ts";
import { tableName } from "../infra/resource.ts";
import { GameScoresByUser } from "../infra/tables.ts";

/*
 * The aggregate store: the one place that knows how a GameScoresByUser item looks, how it is
 * read and written, how its redelivery markers (AggregatorMarks) are written beside it, and what
 * a set of score records adds up to. The aggregator (aggregate.ts) writes through it, reconcile
 * scans and rewrites through it, the leaderboard reads its board rows and ranks through it, and
 * the tests read through it. Why the writes are conditional and the markers a table of their own: the top of
 * aggregate.ts.
 */

/** Markers outlive the stream's 24-hour retention, with an hour's margin for clock skew. */
const MARK_TTL_SECONDS = 25 * 60 * 60;
/** Sequence numbers are up to 40 digits: stored zero-padded, they compare as strings. */
const SEQUENCE_WIDTH = 40;
/** BatchWriteItem takes at most 25 requests. */
const MARKERS_PER_BATCH = 25;
/** The generation of aggregates from before generations existed (no `MarkGeneration`). */
export const INITIAL_GENERATION = "0";

export const padSequence = (sequenceNumber: string) => sequenceNumber.padStart(SEQUENCE_WIDTH, "0");

/** The range key of a marker: which aggregate, in which generation, the mark is for. */
export const markTarget = (period: string, generation: string, playerName: string) =>
  `${period}|${generation}|${playerName}`;

// --- the item ---------------------------------------------------------------------------------

export interface AggregateKey {
  playerName: string;
  period: string;
}

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
  /** The generation of markers that guard this aggregate (see the top of aggregate.ts). */
  markGeneration: string;
  /**
   * Marks kept on the item itself by the aggregator before markers had a table of their own
   * (RecordID → [sequence number, epoch seconds]); honoured, kept, never added to.
   */
  legacyMarks?: Record<string, [string, number]>;
}

/** A GameScoresByUser item as stored. */
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

/** The table key of an aggregate. */
export const aggregateKey = (key: AggregateKey) => ({
  PlayerName: key.playerName,
  Period: key.period,
});

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

// --- the board row: what ByPeriodTotal projects --------------------------------------------------

const board = GameScoresByUser.globalIndexes.ByPeriodTotal;
/**
 * The attributes ByPeriodTotal holds, from its one definition (infra/tables.ts): the keys and a
 * board row, none of the bookkeeping. A projection asked of the index names no more than that.
 */
export const BOARD_ATTRIBUTES = [
  ...new Set([
    GameScoresByUser.primaryIndex.hashKey,
    GameScoresByUser.primaryIndex.rangeKey,
    board.hashKey,
    board.rangeKey,
    ...board.projection,
  ]),
].join(", ");
export const BoardItem = AggregateItem.pick({
  PlayerName: true,
  Period: true,
  TotalScore: true,
  GamesPlayed: true,
  BestScore: true,
  LastScore: true,
  UpdatedAt: true,
});
export type BoardItem = z.infer<typeof BoardItem>;

/** What a board row shows of an aggregate, from the index or from the item itself. */
export interface BoardRow {
  playerName: string;
  totalScore: number;
  gamesPlayed: number;
  bestScore?: number | undefined;
  lastScore?: number | undefined;
  updatedAt?: string | undefined;
}

export const boardRowOfItem = (item: BoardItem): BoardRow => ({
  playerName: item.PlayerName,
  totalScore: item.TotalScore ?? 0,
  gamesPlayed: item.GamesPlayed,
  bestScore: item.BestScore,
  lastScore: item.LastScore,
  updatedAt: item.UpdatedAt,
});

export const boardRowOf = (aggregate: Aggregate): BoardRow => ({
  playerName: aggregate.playerName,
  totalScore: aggregate.totalScore,
  gamesPlayed: aggregate.gamesPlayed,
  bestScore: aggregate.bestScore,
  lastScore: aggregate.last?.score,
  updatedAt: aggregate.updatedAt,
});

// --- the summary of a set of records -----------------------------------------------------------

/** What a set of score records adds up to: the fields an aggregate derives from its records. */
export interface Summary {
  totalScore: number;
  gamesPlayed: number;
  bestScore?: number;
  last?: LastGame;
}

/** Later `CreatedAt` wins; RecordIDs (ULIDs, time-ordered) break ties. */
export function isLater(a: { playedAt: string; recordId: string }, b: LastGame | undefined) {
  if (!b) return true;
  return a.playedAt > b.playedAt || (a.playedAt === b.playedAt && a.recordId >= b.recordId);
}

/** Counts one more record into a summary (in place). */
export function addToSummary(summary: Summary, item: ScoreItem): Summary {
  summary.totalScore += item.Score;
  summary.gamesPlayed += 1;
  summary.bestScore = Math.max(summary.bestScore ?? item.Score, item.Score);
  const game = { score: item.Score, playedAt: item.CreatedAt, recordId: item.RecordID };
  if (isLater(game, summary.last)) summary.last = game;
  return summary;
}

export function summaryOf(items: Iterable<ScoreItem>): Summary {
  const summary: Summary = { totalScore: 0, gamesPlayed: 0 };
  for (const item of items) addToSummary(summary, item);
  return summary;
}

/** An aggregate holding exactly a summary (what reconcile writes). */
export function aggregateOfSummary(
  key: AggregateKey,
  summary: Summary,
  rest: Pick<Aggregate, "version" | "markGeneration" | "updatedAt">,
): Aggregate {
  return {
    playerName: key.playerName,
    period: key.period,
    totalScore: summary.totalScore,
    gamesPlayed: summary.gamesPlayed,
    ...(summary.bestScore !== undefined ? { bestScore: summary.bestScore } : {}),
    ...(summary.last ? { last: summary.last } : {}),
    ...(rest.updatedAt !== undefined ? { updatedAt: rest.updatedAt } : {}),
    version: rest.version,
    markGeneration: rest.markGeneration,
  };
}

export const SUMMARY_FIELDS = ["TotalScore", "GamesPlayed", "BestScore", "LastScore"] as const;
export type SummaryField = (typeof SUMMARY_FIELDS)[number];
export type SummaryFields = Record<SummaryField, number | undefined>;

/** The summary's fields as an aggregate stores them: a player with no games has only a count. */
export function summaryFields(summary: Summary | undefined): SummaryFields {
  const item = toAggregateItem(
    aggregateOfSummary(
      { playerName: "", period: "" },
      summary ?? { totalScore: 0, gamesPlayed: 0 },
      {
        version: 0,
        markGeneration: INITIAL_GENERATION,
      },
    ),
  );
  return storedSummaryFields(item);
}

/** The summary fields a stored item holds, whatever else it holds or lacks. */
export function storedSummaryFields(item: Record<string, unknown> | undefined): SummaryFields {
  const number = (value: unknown) => (typeof value === "number" ? value : undefined);
  return {
    TotalScore: number(item?.TotalScore),
    GamesPlayed: number(item?.GamesPlayed) ?? 0,
    BestScore: number(item?.BestScore),
    LastScore: number(item?.LastScore),
  };
}

// --- reads ------------------------------------------------------------------------------------

/** The stored item as it is (not validated: reconcile must see malformed ones too). */
export async function readAggregateItem(
  key: AggregateKey,
): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documentClient().send(
    new GetCommand({
      TableName: tableName("GameScoresByUser"),
      Key: aggregateKey(key),
      ConsistentRead: true,
    }),
  );
  return Item;
}

/** The aggregate, consistently read; a malformed item throws. */
export async function readAggregate(key: AggregateKey): Promise<Aggregate | undefined> {
  const item = await readAggregateItem(key);
  return item ? fromAggregateItem(AggregateItem.parse(item)) : undefined;
}

/** A stored aggregate as a scan finds it: the item as it is, and what the schema makes of it. */
export interface ScannedAggregate extends AggregateKey {
  /** The item as stored, bookkeeping included (reconcile compares even malformed ones). */
  item: Record<string, unknown>;
  /** The aggregate, or what the schema refuses in the item. */
  parsed: { ok: true; aggregate: Aggregate } | { ok: false; problem: string };
}

/**
 * Every aggregate, consistently scanned page by page (`onPage` after each). A malformed item is
 * returned with its problem, not thrown: reconcile must list and compare it. Items whose keys are
 * not strings (the table's key schema rules them out) are skipped.
 */
export async function scanAggregates(
  onPage?: (page: ScannedAggregate[]) => void,
): Promise<ScannedAggregate[]> {
  const all: ScannedAggregate[] = [];
  const pages = paginateScan(
    { client: documentClient() },
    { TableName: tableName("GameScoresByUser"), ConsistentRead: true },
  );
  for await (const page of pages) {
    const scanned: ScannedAggregate[] = [];
    for (const item of page.Items ?? []) {
      if (typeof item.PlayerName !== "string" || typeof item.Period !== "string") continue;
      const parsed = AggregateItem.safeParse(item);
      scanned.push({
        playerName: item.PlayerName,
        period: item.Period,
        item,
        parsed: parsed.success
          ? { ok: true, aggregate: fromAggregateItem(parsed.data) }
          : { ok: false, problem: issuesOf(parsed.error) },
      });
    }
    all.push(...scanned);
    onPage?.(scanned);
  }
  return all;
}

/**
 * The top of a period's board, highest totals first, from the sparse ByPeriodTotal index (players
 * with no games have no TotalScore, so they are not in it). One Query of `limit` rows, unless the
 * 1 MB page limit cut it short (items read count, not returned): then the next page, again of
 * `limit`, so there may be more rows than asked for. Malformed rows are logged and skipped.
 */
export async function queryBoard(period: string, limit: number): Promise<BoardRow[]> {
  const rows: BoardRow[] = [];
  const pages = paginateQuery(
    { client: documentClient() },
    {
      TableName: tableName("GameScoresByUser"),
      IndexName: "ByPeriodTotal",
      KeyConditionExpression: "Period = :period",
      ExpressionAttributeValues: { ":period": period },
      ScanIndexForward: false,
      Limit: limit,
      ProjectionExpression: BOARD_ATTRIBUTES,
    },
  );
  for await (const page of pages) {
    for (const raw of page.Items ?? []) {
      const parsed = BoardItem.safeParse(raw);
      if (parsed.success && parsed.data.GamesPlayed > 0) {
        rows.push(boardRowOfItem(parsed.data));
      } else if (!parsed.success) {
        console.error(`[leaderboard] skipping a malformed aggregate`, parsed.error.issues);
      }
    }
    if (rows.length >= limit) break;
  }
  return rows;
}

/**
 * The `limit` highest totals of a period (players and totals only), in one Query of one page:
 * what the aggregator ranks a batch's players against (aggregate.ts, `rankEffects`). Its cost is
 * bounded by `limit`, whatever the board's size: each index row read is ~100 bytes, so 100 rows
 * are 3 read units strongly, 1.5 eventually consistent (what this Query is).
 */
export async function queryTopTotals(
  period: string,
  limit: number,
): Promise<{ playerName: string; totalScore: number }[]> {
  const { Items } = await documentClient().send(
    new QueryCommand({
      TableName: tableName("GameScoresByUser"),
      IndexName: "ByPeriodTotal",
      KeyConditionExpression: "Period = :period",
      ExpressionAttributeValues: { ":period": period },
      ScanIndexForward: false,
      Limit: limit,
      ProjectionExpression: "PlayerName, TotalScore",
    }),
  );
  return (Items ?? []).flatMap((item) =>
    typeof item.PlayerName === "string" && typeof item.TotalScore === "number"
      ? [{ playerName: item.PlayerName, totalScore: item.TotalScore }]
      : [],
  );
}

/** How many of a period's players have a higher total, counted on ByPeriodTotal. */
export async function countHigherTotals(period: string, total: number): Promise<number> {
  let higher = 0;
  // A COUNT Query still pages at 1 MB of index data read, so sum the pages.
  const pages = paginateQuery(
    { client: documentClient() },
    {
      TableName: tableName("GameScoresByUser"),
      IndexName: "ByPeriodTotal",
      KeyConditionExpression: "Period = :period AND TotalScore > :total",
      ExpressionAttributeValues: { ":period": period, ":total": total },
      Select: "COUNT",
    },
  );
  for await (const page of pages) higher += page.Count ?? 0;
  return higher;
}

const issuesOf = (error: z.ZodError) =>
  error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");

// --- the conditional write and its markers ------------------------------------------------------

/** One item of a TransactWriteItems, in the DocumentClient's plain form. */
export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];
type PutItem = NonNullable<TransactItem["Put"]>;

/**
 * The aggregate's conditional Put: on the Version and marker generation it was computed from, or
 * on its absence. The generation too, because versions start again at 1 when an aggregate is
 * created anew (a rebuilt table), and a new aggregate always gets a fresh generation. The item
 * written carries the next version.
 */
export function aggregatePut(
  aggregate: Aggregate,
  expected: Pick<Aggregate, "version" | "markGeneration"> | undefined,
): TransactItem & { Put: PutItem } {
  const item = toAggregateItem({ ...aggregate, version: (expected?.version ?? 0) + 1 });
  return {
    Put: {
      TableName: tableName("GameScoresByUser"),
      Item: item,
      ...(expected === undefined
        ? { ConditionExpression: "attribute_not_exists(PlayerName)" }
        : {
            // Items from before markers had a table have no generation: they count as the first.
            ConditionExpression:
              expected.markGeneration === INITIAL_GENERATION
                ? "Version = :version AND (attribute_not_exists(MarkGeneration) OR MarkGeneration = :generation)"
                : "Version = :version AND MarkGeneration = :generation",
            ExpressionAttributeValues: {
              ":version": expected.version,
              ":generation": expected.markGeneration,
            },
          }),
    },
  };
}

/**
 * The aggregate's conditional Put on its own, outside a transaction (reconcile: its markers are
 * of a generation no aggregate names yet, so they need not share the write). False when the
 * condition failed: someone wrote the aggregate since it was read.
 */
export async function putAggregate(
  aggregate: Aggregate,
  expected: Pick<Aggregate, "version" | "markGeneration"> | undefined,
): Promise<boolean> {
  try {
    await documentClient().send(new PutCommand(aggregatePut(aggregate, expected).Put));
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** A marker item: RecordID + target → the mark, expiring when the stream can no longer deliver. */
export function markerItem(
  recordId: string,
  target: string,
  sequenceNumber: string,
  nowSeconds: number,
) {
  return {
    RecordID: recordId,
    Target: target,
    SequenceNumber: padSequence(sequenceNumber),
    ExpiresAt: nowSeconds + MARK_TTL_SECONDS,
  };
}

/** The marks one record takes to an aggregate: its last change here, and its first. */
export interface Marker {
  recordId: string;
  first: string;
  last: string;
}

/**
 * A marker's conditional Put, for the aggregate's transaction: its old mark must be below the
 * first of the record's changes, or some of them are in already (and the transaction cancels).
 */
export function markerPut(aggregate: Aggregate, marker: Marker, nowSeconds: number): TransactItem {
  const target = markTarget(aggregate.period, aggregate.markGeneration, aggregate.playerName);
  return {
    Put: {
      TableName: tableName("AggregatorMarks"),
      Item: markerItem(marker.recordId, target, marker.last, nowSeconds),
      ConditionExpression: "attribute_not_exists(SequenceNumber) OR SequenceNumber < :first",
      ExpressionAttributeValues: { ":first": padSequence(marker.first) },
      // On a redelivery, the marker itself tells which of the record's changes are in.
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    },
  };
}

/** A marker's mark (padded), read when a cancellation did not return it. */
export async function readMark(recordId: string, target: string): Promise<string | undefined> {
  const { Item } = await documentClient().send(
    new GetCommand({
      TableName: tableName("AggregatorMarks"),
      Key: { RecordID: recordId, Target: target },
      ConsistentRead: true,
    }),
  );
  return typeof Item?.SequenceNumber === "string" ? Item.SequenceNumber : undefined;
}

/**
 * Puts markers unconditionally, 25 a request, until all are in: only for a generation no
 * aggregate names yet (reconcile), where no condition is needed because no one reads them.
 */
export async function putMarkers(items: ReturnType<typeof markerItem>[]): Promise<void> {
  const table = tableName("AggregatorMarks");
  for (let i = 0; i < items.length; i += MARKERS_PER_BATCH) {
    let requests = items.slice(i, i + MARKERS_PER_BATCH).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
      const { UnprocessedItems } = await documentClient().send(
        new BatchWriteCommand({ RequestItems: { [table]: requests } }),
      );
      requests = (UnprocessedItems?.[table] ?? []).flatMap((r) =>
        r.PutRequest?.Item
          ? [{ PutRequest: { Item: r.PutRequest.Item as ReturnType<typeof markerItem> } }]
          : [],
      );
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
