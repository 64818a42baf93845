import {
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  paginateScan,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import type { ScoreItem } from "../contract/score.ts";
import { documentClient } from "../infra/clients.ts";
import { isAwsError, isConditionalCheckFailed } from "../infra/aws-errors.ts";
import { tableName } from "../infra/resource.ts";
import { GameScoresByUser } from "../infra/tables.ts";
import { serverEnv } from "../env/server.ts";
import { boardOf, boardsOf, countDeltas, rankKeyOf } from "../board/keys.ts";
import { countUpdates, mergeDeltas, type CountDeltas } from "../board/counts.ts";

/** How many write shards each period's board has (`BOARD_SHARDS`, board/keys.ts). */
export const boardShards = () => serverEnv().BOARD_SHARDS;

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
  /** When the total last changed: when the player reached it (the board's tie-break). */
  reachedAt?: string;
  /**
   * Where the stored item is counted in BoardCounts (its `Board` and `TotalScore`): what the next
   * write takes out of the counts before adding what it writes. Absent when the stored item is
   * on no board (no games, or written before the counts existed).
   */
  counted?: { board: string; total: number };
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
  ReachedAt: z.string().optional(),
  Board: z.string().optional(),
  RankKey: z.string().optional(),
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
    ...(item.ReachedAt !== undefined ? { reachedAt: item.ReachedAt } : {}),
    ...(item.Board !== undefined && item.RankKey !== undefined && item.TotalScore !== undefined
      ? { counted: { board: item.Board, total: item.TotalScore } }
      : {}),
    version: item.Version,
    markGeneration: item.MarkGeneration ?? INITIAL_GENERATION,
    ...(item.Applied ? { legacyMarks: item.Applied } : {}),
  };
}

/**
 * The stored item. A player with no games keeps the item (its Version and generation still
 * matter to the next write) but loses `TotalScore`, `Board` and `RankKey`, which drops it from
 * the sparse ByRank index and so from the leaderboard (and from the counts: `countsMove`).
 */
export function toAggregateItem(
  aggregate: Aggregate,
  shards: number = boardShards(),
): AggregateItem {
  const playing = aggregate.gamesPlayed > 0;
  const reachedAt = aggregate.reachedAt ?? aggregate.updatedAt;
  return {
    PlayerName: aggregate.playerName,
    Period: aggregate.period,
    ...(playing
      ? {
          TotalScore: aggregate.totalScore,
          Board: boardOf(aggregate.period, aggregate.playerName, shards),
          RankKey: rankKeyOf(aggregate.totalScore, reachedAt, aggregate.playerName),
        }
      : {}),
    ...(reachedAt !== undefined ? { ReachedAt: reachedAt } : {}),
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

/** An aggregate as reading back what `toAggregateItem` writes for it (with `version`) gives. */
export const storedAs = (aggregate: Aggregate, version: number): Aggregate =>
  fromAggregateItem(toAggregateItem({ ...aggregate, version }));

// --- the board row: what ByRank projects -------------------------------------------------------

const board = GameScoresByUser.globalIndexes.ByRank;
/**
 * The attributes ByRank holds, from its one definition (infra/tables.ts): the keys and a board
 * row, none of the bookkeeping. A projection asked of the index names no more than that.
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
  ReachedAt: true,
}).extend({ RankKey: z.string() });
export type BoardItem = z.infer<typeof BoardItem>;

/** What a board row shows of an aggregate, from the index or from the item itself. */
export interface BoardRow {
  playerName: string;
  totalScore: number;
  gamesPlayed: number;
  bestScore?: number | undefined;
  lastScore?: number | undefined;
  updatedAt?: string | undefined;
  reachedAt?: string | undefined;
  /** Its place on the board (board/keys.ts): the order, and a cursor. */
  rankKey: string;
}

export const boardRowOfItem = (item: BoardItem): BoardRow => ({
  playerName: item.PlayerName,
  totalScore: item.TotalScore ?? 0,
  gamesPlayed: item.GamesPlayed,
  bestScore: item.BestScore,
  lastScore: item.LastScore,
  updatedAt: item.UpdatedAt,
  reachedAt: item.ReachedAt ?? item.UpdatedAt,
  rankKey: item.RankKey,
});

export const boardRowOf = (aggregate: Aggregate): BoardRow => {
  const reachedAt = aggregate.reachedAt ?? aggregate.updatedAt;
  return {
    playerName: aggregate.playerName,
    totalScore: aggregate.totalScore,
    gamesPlayed: aggregate.gamesPlayed,
    bestScore: aggregate.bestScore,
    lastScore: aggregate.last?.score,
    updatedAt: aggregate.updatedAt,
    reachedAt,
    rankKey: rankKeyOf(aggregate.totalScore, reachedAt, aggregate.playerName),
  };
};

/**
 * What writing `next` over `stored` moves in BoardCounts: the stored item leaves the bucket it
 * was counted in (`counted`, as stored), the new one enters its own, if it has games.
 */
export function countsMove(
  stored: Aggregate | undefined,
  next: Aggregate,
  shards: number = boardShards(),
): CountDeltas {
  const deltas: CountDeltas = new Map();
  const before = stored?.counted;
  const after =
    next.gamesPlayed > 0
      ? { board: boardOf(next.period, next.playerName, shards), total: next.totalScore }
      : undefined;
  if (before && after && before.board === after.board) {
    mergeDeltas(deltas, after.board, countDeltas(before.total, after.total));
  } else {
    if (before) mergeDeltas(deltas, before.board, countDeltas(before.total, undefined));
    if (after) mergeDeltas(deltas, after.board, countDeltas(undefined, after.total));
  }
  return deltas;
}

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
 * One board shard's rows in board order from a key on (`after`, exclusive), or backwards from a
 * key (`before`, exclusive, nearest first), at most `limit`, in one Query of the sparse ByRank
 * index (eventually consistent: ~220-byte rows, 0.5 read units per 4 KB). Malformed rows are
 * logged and skipped. `more`: the shard has rows beyond these.
 */
export async function queryBoardShard(
  boardKey: string,
  options: { after?: string; before?: string; limit: number },
): Promise<{ rows: BoardRow[]; more: boolean }> {
  const { after, before, limit } = options;
  const { Items, LastEvaluatedKey } = await documentClient().send(
    new QueryCommand({
      TableName: tableName("GameScoresByUser"),
      IndexName: "ByRank",
      KeyConditionExpression:
        after !== undefined
          ? "Board = :board AND RankKey > :key"
          : before !== undefined
            ? "Board = :board AND RankKey < :key"
            : "Board = :board",
      ExpressionAttributeValues: {
        ":board": boardKey,
        ...(after !== undefined
          ? { ":key": after }
          : before !== undefined
            ? { ":key": before }
            : {}),
      },
      ScanIndexForward: before === undefined,
      Limit: limit,
      ProjectionExpression: BOARD_ATTRIBUTES,
    }),
  );
  const rows: BoardRow[] = [];
  for (const raw of Items ?? []) {
    const parsed = BoardItem.safeParse(raw);
    if (parsed.success && parsed.data.GamesPlayed > 0) rows.push(boardRowOfItem(parsed.data));
    else if (!parsed.success) {
      console.error(`[leaderboard] skipping a malformed aggregate`, parsed.error.issues);
    }
  }
  return { rows, more: LastEvaluatedKey !== undefined };
}

/**
 * How many of a shard's rows lie in [from, to] (RankKeys), other than `except`, reading at most
 * `cap` index rows: `complete` false when the cap stopped it. A COUNT still reads (and bills)
 * every row it counts, hence the cap.
 */
export async function countBoardRange(
  boardKey: string,
  range: { from: string; to: string; except: string; cap: number },
): Promise<{ count: number; complete: boolean }> {
  let count = 0;
  let read = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient().send(
      new QueryCommand({
        TableName: tableName("GameScoresByUser"),
        IndexName: "ByRank",
        KeyConditionExpression: "Board = :board AND RankKey BETWEEN :from AND :to",
        FilterExpression: "PlayerName <> :except",
        ExpressionAttributeValues: {
          ":board": boardKey,
          ":from": range.from,
          ":to": range.to,
          ":except": range.except,
        },
        Select: "COUNT",
        Limit: range.cap - read,
        ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
      }),
    );
    count += page.Count ?? 0;
    read += page.ScannedCount ?? 0;
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey && read < range.cap);
  return { count, complete: ExclusiveStartKey === undefined };
}

/**
 * The `limit` best rows of a period (players and totals), gathered from every shard, in board
 * order: what the aggregator ranks a batch's players against (outcomes.ts, `rankEffects`). Its
 * cost is bounded by `limit` per shard, whatever the board's size: ~220-byte rows, so 100 rows
 * are ~3 read units (eventually consistent, what this Query is).
 */
export async function queryTopTotals(
  period: string,
  limit: number,
): Promise<{ playerName: string; totalScore: number }[]> {
  const shards = await Promise.all(
    boardsOf(period, boardShards()).map((b) => queryBoardShard(b, { limit })),
  );
  return shards
    .flatMap((s) => s.rows)
    .sort((a, b) => (a.rankKey < b.rankKey ? -1 : 1))
    .slice(0, limit)
    .map((row) => ({ playerName: row.playerName, totalScore: row.totalScore }));
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
 * The aggregate's conditional Put with the rank counts it moves (`countsMove` from `stored`, the
 * aggregate as read), in one transaction, outside the aggregator's (reconcile: its markers are of
 * a generation no aggregate names yet, so they need not share the write). False when the
 * condition failed: someone wrote the aggregate since it was read.
 */
export async function putAggregate(
  aggregate: Aggregate,
  expected: Pick<Aggregate, "version" | "markGeneration"> | undefined,
  stored: Aggregate | undefined,
): Promise<boolean> {
  const put = aggregatePut(aggregate, expected);
  const counts = countUpdates(countsMove(stored, { ...aggregate, version: 0 }));
  try {
    if (counts.length === 0) await documentClient().send(new PutCommand(put.Put));
    else {
      await documentClient().send(new TransactWriteCommand({ TransactItems: [put, ...counts] }));
    }
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
    if (
      isAwsError(error, "TransactionCanceledException") &&
      reasons?.[0]?.Code === "ConditionalCheckFailed"
    ) {
      return false;
    }
    throw error;
  }
}

/** Whether a stored aggregate with games sits on the board as this deployment shards it. */
export function isOnBoard(item: Record<string, unknown>, shards: number = boardShards()): boolean {
  if (typeof item.GamesPlayed !== "number" || item.GamesPlayed <= 0) return true;
  return (
    typeof item.RankKey === "string" &&
    typeof item.PlayerName === "string" &&
    typeof item.Period === "string" &&
    item.Board === boardOf(item.Period, item.PlayerName, shards)
  );
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
