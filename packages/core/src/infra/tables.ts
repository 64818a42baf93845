import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

/**
 * The one definition of each table, in the shape `sst.aws.Dynamo` takes. `stacks/` passes it to
 * SST; the local bootstrap turns it into a CreateTable call with `toCreateTableInput`.
 */
export interface TableDefinition {
  fields: Record<string, "string" | "number" | "binary">;
  primaryIndex: { hashKey: string; rangeKey?: string };
  /**
   * `projection`: the non-key attributes an index copies (INCLUDE), `"keys-only"` (KEYS_ONLY), or
   * absent: all of them. An index item is billed and stored for what it projects, so project only
   * what its readers show.
   */
  globalIndexes?: Record<
    string,
    { hashKey: string; rangeKey?: string; projection?: readonly string[] | "keys-only" }
  >;
  stream?: "keys-only" | "new-image" | "old-image" | "new-and-old-images";
  /** Attribute holding an expiry time (epoch seconds) after which DynamoDB may delete the item. */
  ttl?: string;
}

export const GameScoreRecords = {
  fields: {
    RecordID: "string",
    PlayerName: "string",
    Score: "number",
    CreatedAt: "string",
    Feed: "string",
  },
  primaryIndex: { hashKey: "RecordID" },
  globalIndexes: {
    // A player's best score by a backwards Query of one item (the aggregator's recompute).
    ByPlayer: { hashKey: "PlayerName", rangeKey: "Score" },
    // A player's games newest first, page by page (profiles, `GET /api/scores?playerName=`).
    ByPlayerTime: { hashKey: "PlayerName", rangeKey: "CreatedAt" },
    // Everyone's games newest first (`GET /api/scores` without a player): `Feed` = `ALL#<shard>`
    // (score/feed.ts), so one Query per shard reads a page, whatever the table's size.
    ByTime: { hashKey: "Feed", rangeKey: "CreatedAt" },
  },
  stream: "new-and-old-images",
} as const satisfies TableDefinition;

export const GameScoresByUser = {
  fields: { PlayerName: "string", Period: "string", Board: "string", RankKey: "string" },
  primaryIndex: { hashKey: "PlayerName", rangeKey: "Period" },
  // A period's board, best first, with one Query per shard: `Board` is `<period>#<shard>`,
  // `RankKey` orders by total, then who reached it first (board/keys.ts). Sparse: a player with
  // no games in the period has neither. It projects what a board row shows and nothing else
  // (not the aggregator's Version), so a row stays ~220 bytes.
  globalIndexes: {
    ByRank: {
      hashKey: "Board",
      rangeKey: "RankKey",
      projection: ["TotalScore", "GamesPlayed", "BestScore", "LastScore", "UpdatedAt", "ReachedAt"],
    },
  },
} as const satisfies TableDefinition;

/**
 * How many players of each board shard have a total in each bucket (board/keys.ts, counts.ts):
 * what makes a rank a few small reads. Written by the aggregator in the aggregates' own
 * transactions; one item per (board shard, bucket) ever used, ~40 bytes each.
 */
export const BoardCounts = {
  fields: { Board: "string", Bucket: "string" },
  primaryIndex: { hashKey: "Board", rangeKey: "Bucket" },
} as const satisfies TableDefinition;

/**
 * The aggregator's redelivery markers, one per (record, aggregate): the sequence number of the
 * last change of that record applied to that aggregate (aggregator/aggregate.ts says why).
 * Keyed by RecordID so that one busy player's markers spread over partitions like the records do.
 * They expire a day after they were written, when no stream can deliver their change again.
 */
export const AggregatorMarks = {
  fields: { RecordID: "string", Target: "string" },
  primaryIndex: { hashKey: "RecordID", rangeKey: "Target" },
  ttl: "ExpiresAt",
} as const satisfies TableDefinition;

/**
 * Stream records a subscriber can never apply (bad data written around the API), with the reason,
 * the whole record, and when. Idempotent by the record's eventID; listed newest first through
 * ByTime. Kept for 30 days: long after the stream has let the record go.
 */
export const Quarantine = {
  fields: { EventID: "string", Subscriber: "string", QuarantinedAt: "string" },
  primaryIndex: { hashKey: "EventID" },
  globalIndexes: { ByTime: { hashKey: "Subscriber", rangeKey: "QuarantinedAt" } },
  ttl: "ExpiresAt",
} as const satisfies TableDefinition;

/**
 * `Idempotency-Key` of POST /api/scores → the record it created and a hash of the body, so a
 * retry returns the same record and a reused key with another body is refused. Kept apart
 * from GameScoreRecords so that the keys never appear on its stream.
 */
export const Idempotency = {
  fields: { IdempotencyKey: "string" },
  primaryIndex: { hashKey: "IdempotencyKey" },
  // Keys are kept for a day, then deleted by TTL (locally by the engine's sweeper, within a minute).
  ttl: "ExpiresAt",
} as const satisfies TableDefinition;

/**
 * The stream log: every GameScoreRecords stream record, copied by the stream log function (the
 * stream's second subscriber, besides the aggregator) so the inspector reads a table, never the
 * stream (stream/log.ts has the item format and says why each key is what it is).
 *
 * - `Bucket` = `<UTC day>#<k>`: k = a hash of the eventID modulo LOG_SHARDS, so a busy day's
 *   writes spread over that many partitions; `Position` = `<time>#<sequence number>#<eventID>`,
 *   so one Query per bucket lists records in stream order, newest first when read backwards.
 * - ByPlayer / ByOldPlayer: by the (case-folded) player of the new image, and of the old one when
 *   a MODIFY renamed the record (sparse); ByRecord: one record's history; ByType: per event type.
 *   All KEYS_ONLY: an index item costs one small write; the page is fetched with BatchGetItem.
 * - Idempotent by eventID: the key is derived from the record alone, so a redelivery rewrites
 *   the same item. TTL `ExpiresAt` (stream/log.ts says for how long).
 */
export const StreamLog = {
  fields: {
    Bucket: "string",
    Position: "string",
    PlayerKey: "string",
    OldPlayerKey: "string",
    RecordID: "string",
    TypeBucket: "string",
  },
  primaryIndex: { hashKey: "Bucket", rangeKey: "Position" },
  globalIndexes: {
    ByPlayer: { hashKey: "PlayerKey", rangeKey: "Position", projection: "keys-only" },
    ByOldPlayer: { hashKey: "OldPlayerKey", rangeKey: "Position", projection: "keys-only" },
    ByRecord: { hashKey: "RecordID", rangeKey: "Position", projection: "keys-only" },
    ByType: { hashKey: "TypeBucket", rangeKey: "Position", projection: "keys-only" },
  },
  ttl: "ExpiresAt",
} as const satisfies TableDefinition;

/**
 * Per-minute counters of each stream subscriber (records, batches, by event type, the largest
 * iterator age seen): what the inspector's iterator-age history and events charts read, written
 * by the handlers themselves so AWS and the local runner fill it alike. Kept two days.
 */
export const StreamMetrics = {
  fields: { Subscriber: "string", Minute: "string" },
  primaryIndex: { hashKey: "Subscriber", rangeKey: "Minute" },
  ttl: "ExpiresAt",
} as const satisfies TableDefinition;

/**
 * What operators did (edit, delete, re-apply, acknowledge), with when, by whom and what changed:
 * one partition (`Log` = "operator"), newest first by `At` (`<ISO time>#<id>`). Operators act a
 * few times a day, far below one partition's limits. Kept 90 days.
 */
export const OperatorActions = {
  fields: { Log: "string", At: "string" },
  primaryIndex: { hashKey: "Log", rangeKey: "At" },
  ttl: "ExpiresAt",
} as const satisfies TableDefinition;

/**
 * Names players own (names/claims.ts): one item per case-folded, NFC-normalised name, holding the
 * name as first claimed, the hashes of the devices that hold it and of its recovery key.
 */
export const NameClaims = {
  fields: { NameKey: "string" },
  primaryIndex: { hashKey: "NameKey" },
} as const satisfies TableDefinition;

/**
 * Token buckets shared by every web instance (limits/buckets.ts): one item per (limit, client or
 * name), updated with conditional writes; an idle bucket expires by TTL once it would be full.
 */
export const RateLimits = {
  fields: { BucketKey: "string" },
  primaryIndex: { hashKey: "BucketKey" },
  ttl: "ExpiresAt",
} as const satisfies TableDefinition;

/**
 * Operator sessions (auth/sessions.ts): one item per signed-in browser, deleted on logout, all
 * of them on "sign out everywhere"; the cookie holds the id and an HMAC. TTL at expiry.
 */
export const Sessions = {
  fields: { SessionID: "string" },
  primaryIndex: { hashKey: "SessionID" },
  ttl: "ExpiresAt",
} as const satisfies TableDefinition;

export const tables = {
  GameScoreRecords,
  GameScoresByUser,
  BoardCounts,
  AggregatorMarks,
  Quarantine,
  Idempotency,
  StreamLog,
  StreamMetrics,
  OperatorActions,
  NameClaims,
  RateLimits,
  Sessions,
} as const;
export type TableId = keyof typeof tables;

const attributeType = { string: "S", number: "N", binary: "B" } as const;
const streamViewType = {
  "keys-only": "KEYS_ONLY",
  "new-image": "NEW_IMAGE",
  "old-image": "OLD_IMAGE",
  "new-and-old-images": "NEW_AND_OLD_IMAGES",
} as const;

function keySchema(index: { hashKey: string; rangeKey?: string }) {
  return [
    { AttributeName: index.hashKey, KeyType: "HASH" as const },
    ...(index.rangeKey ? [{ AttributeName: index.rangeKey, KeyType: "RANGE" as const }] : []),
  ];
}

/** CreateTable input for a definition, on-demand, as SST creates it on AWS. */
export function toCreateTableInput(name: string, table: TableDefinition): CreateTableCommandInput {
  const globalIndexes = Object.entries(table.globalIndexes ?? {});
  return {
    TableName: name,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: Object.entries(table.fields).map(([AttributeName, type]) => ({
      AttributeName,
      AttributeType: attributeType[type],
    })),
    KeySchema: keySchema(table.primaryIndex),
    ...(globalIndexes.length
      ? {
          GlobalSecondaryIndexes: globalIndexes.map(([IndexName, index]) => ({
            IndexName,
            KeySchema: keySchema(index),
            Projection: projectionOf(index),
          })),
        }
      : {}),
    ...(table.stream
      ? {
          StreamSpecification: {
            StreamEnabled: true,
            StreamViewType: streamViewType[table.stream],
          },
        }
      : {}),
  };
}

/** The DynamoDB `Projection` of an index definition: INCLUDE its list, KEYS_ONLY, else ALL. */
export function projectionOf(index: { projection?: readonly string[] | "keys-only" }) {
  if (index.projection === "keys-only") return { ProjectionType: "KEYS_ONLY" as const };
  return index.projection
    ? { ProjectionType: "INCLUDE" as const, NonKeyAttributes: [...index.projection] }
    : { ProjectionType: "ALL" as const };
}
