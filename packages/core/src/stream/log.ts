import type { DynamoDBRecord } from "aws-lambda";
import { z } from "zod";
import { VisibleError } from "../contract/error.ts";
import {
  RawItem,
  RecordOutcome,
  StreamEventName,
  type InspectorRecord,
} from "../contract/stream.ts";

/*
 * The stream log's item format (the table: StreamLog in infra/tables.ts). Pure: the stream log
 * function writes what `logItemOf` makes, the aggregator finds an entry by `logKeyOf`, and
 * `GET /api/stream` turns items back into inspector records with `inspectorRecordOf`.
 *
 * Keys, and why:
 * - `Position` = `<ISO time>#<sequence number, 40 digits>#<eventID>`: stream order within a time
 *   (the stream keeps whole seconds), unique, and derived from the record alone, so a redelivered
 *   record lands on the same item (idempotent by eventID) and a time is a lexical bound (`at=`).
 * - `Bucket` = `<UTC day>#<k>`, k = FNV-1a(eventID) mod LOG_SHARDS: all of a moment's writes would
 *   otherwise hit one partition (at most 1,000 writes/s); LOG_SHARDS partitions take that many
 *   times more, and a reader merges LOG_SHARDS sorted Queries. The day bounds a partition's size
 *   and lets TTL empty whole partitions.
 * - `PlayerKey`/`OldPlayerKey`: the player names, NFC and case-folded (names compare
 *   case-insensitively), of the new (else old) image and of the old one when a MODIFY renamed it.
 * - `RecordID` and `TypeBucket` (`<eventName>#<Bucket>`): one record's history; one event type.
 *   Attributes that would be empty are left out: an index key may not be "".
 */

/** Partitions a day of the log is spread over (see above). */
export const LOG_SHARDS = 4;
/**
 * How long an entry is kept: the stream's own 24 h, plus a day, so that the morning after an
 * incident the whole of it can still be looked at, and the last 24 h can be sought from any
 * moment. Writes are what the log costs; a second day of storage costs little beside them.
 */
export const LOG_RETENTION_SECONDS = 48 * 60 * 60;
/** A DynamoDB item holds 400 KB: a record whose images would not fit is kept without them. */
const MAX_IMAGES_BYTES = 300_000;
const SEQUENCE_WIDTH = 40;

/** The key attributes of a log entry. */
export interface LogKey {
  Bucket: string;
  Position: string;
}

/** A log entry as stored (plain, for the DocumentClient). */
export const LogItem = z.object({
  Bucket: z.string(),
  Position: z.string(),
  EventID: z.string(),
  EventName: StreamEventName,
  SequenceNumber: z.string(),
  StreamArn: z.string().optional(),
  ApproximateCreationDateTime: z.string(),
  RecordID: z.string().optional(),
  PlayerKey: z.string().optional(),
  OldPlayerKey: z.string().optional(),
  TypeBucket: z.string(),
  /** Raw DynamoDB JSON, as text: kept exactly as the stream carried it. */
  Keys: z.string(),
  NewImage: z.string().optional(),
  OldImage: z.string().optional(),
  /** The images were too large to keep. */
  ImagesOmitted: z.boolean().optional(),
  SizeBytes: z.number(),
  StreamViewType: z.string(),
  LoggedAt: z.string(),
  ExpiresAt: z.number(),
  /** RecordOutcome as JSON text, written by the aggregator. */
  Aggregator: z.string().optional(),
});
export type LogItem = z.infer<typeof LogItem>;

/** FNV-1a, 32 bits: a stable spread of eventIDs over the shards. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export const shardOf = (eventId: string) => fnv1a(eventId) % LOG_SHARDS;
export const bucketOf = (day: string, shard: number) => `${day}#${shard}`;
/** Every bucket of one UTC day (`YYYY-MM-DD`). */
export const bucketsOfDay = (day: string) =>
  Array.from({ length: LOG_SHARDS }, (_, k) => bucketOf(day, k));
export const dayOf = (iso: string) => iso.slice(0, 10);

/** Names compare case-insensitively, after NFC: the key the player indexes use. */
export const playerKeyOf = (name: string) => name.normalize("NFC").toLowerCase();

/**
 * A record's time in epoch seconds. Stream records from DynamoDB always carry
 * ApproximateCreationDateTime; one without (AWS's documentation sample, a hand-made event) is
 * placed at the start of the UTC hour it arrives in: the two subscribers handle it seconds apart,
 * and must still derive the same key from it, so the aggregator's verdict lands on the stream
 * log's entry rather than beside it.
 */
const epochSecondsOf = (value: unknown, fallbackMs: number) =>
  typeof value === "number" && Number.isFinite(value)
    ? Math.floor(value)
    : Math.floor(fallbackMs / 3_600_000) * 3600;

/** The time part of a position: ISO-8601 with milliseconds, so text order is time order. */
export const positionTime = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

export function positionOf(epochSeconds: number, sequenceNumber: string, eventId: string): string {
  return `${positionTime(epochSeconds)}#${sequenceNumber.padStart(SEQUENCE_WIDTH, "0")}#${eventId}`;
}

/** The eventID a record is logged under (one without: what is unique about it on its stream). */
export const logEventIdOf = (record: DynamoDBRecord) =>
  record.eventID || `seq:${record.dynamodb?.SequenceNumber ?? "?"}`;

/** Where a stream record's entry is, from the record alone: the aggregator writes onto it. */
export function logKeyOf(record: DynamoDBRecord, nowMs = Date.now()): LogKey {
  const eventId = logEventIdOf(record);
  const position = positionOf(
    epochSecondsOf(record.dynamodb?.ApproximateCreationDateTime, nowMs),
    record.dynamodb?.SequenceNumber ?? "",
    eventId,
  );
  return { Bucket: bucketOf(dayOf(position), shardOf(eventId)), Position: position };
}

const stringAttribute = (image: unknown, name: string): string | undefined => {
  const value = (image as Record<string, { S?: unknown }> | undefined)?.[name]?.S;
  return typeof value === "string" && value !== "" ? value : undefined;
};

/**
 * The log entry of a stream record. Undefined for a record that is not a stream record at all
 * (no known eventName): the stream log keeps what the stream carries, and the stream carries
 * only INSERT, MODIFY and REMOVE.
 */
export function logItemOf(record: DynamoDBRecord, nowMs = Date.now()): LogItem | undefined {
  const eventName = StreamEventName.safeParse(record.eventName);
  if (!eventName.success) return undefined;
  const { Bucket, Position } = logKeyOf(record, nowMs);
  const stream = record.dynamodb ?? {};
  const newImage = stream.NewImage ? JSON.stringify(stream.NewImage) : undefined;
  const oldImage = stream.OldImage ? JSON.stringify(stream.OldImage) : undefined;
  const omitImages =
    Buffer.byteLength(newImage ?? "") + Buffer.byteLength(oldImage ?? "") > MAX_IMAGES_BYTES;
  const recordId = stringAttribute(stream.Keys, "RecordID");
  const newName = stringAttribute(stream.NewImage, "PlayerName");
  const oldName = stringAttribute(stream.OldImage, "PlayerName");
  const playerKey = newName ?? oldName;
  const oldPlayerKey = newName && oldName ? oldName : undefined;
  const folded = playerKey === undefined ? undefined : playerKeyOf(playerKey);
  const foldedOld = oldPlayerKey === undefined ? undefined : playerKeyOf(oldPlayerKey);
  return {
    Bucket,
    Position,
    EventID: logEventIdOf(record),
    EventName: eventName.data,
    SequenceNumber: stream.SequenceNumber ?? "",
    ...(record.eventSourceARN ? { StreamArn: record.eventSourceARN } : {}),
    ApproximateCreationDateTime: Position.slice(0, Position.indexOf("#")),
    ...(recordId ? { RecordID: recordId } : {}),
    ...(folded ? { PlayerKey: folded } : {}),
    ...(foldedOld && foldedOld !== folded ? { OldPlayerKey: foldedOld } : {}),
    TypeBucket: `${eventName.data}#${Bucket}`,
    Keys: JSON.stringify(stream.Keys ?? {}),
    ...(newImage && !omitImages ? { NewImage: newImage } : {}),
    ...(oldImage && !omitImages ? { OldImage: oldImage } : {}),
    ...(omitImages ? { ImagesOmitted: true } : {}),
    SizeBytes: stream.SizeBytes ?? 0,
    StreamViewType: stream.StreamViewType ?? "",
    LoggedAt: new Date(nowMs).toISOString(),
    ExpiresAt: Math.floor(nowMs / 1000) + LOG_RETENTION_SECONDS,
  };
}

// --- ids and cursors, opaque to clients ----------------------------------------------------

const encode = (text: string) => Buffer.from(text, "utf8").toString("base64url");
const decode = (text: string) => Buffer.from(text, "base64url").toString("utf8");

const POSITION_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#\d{40}#.+$/;

/** The id of a log entry in URLs (`/api/stream/records/{logId}`, `?record=`). */
export const logIdOf = (key: LogKey) => encode(key.Position);

/** A log entry's key from its id, or a 400 for an id this API never gave out. */
export function logKeyOfId(logId: string): LogKey {
  const position = /^[A-Za-z0-9_-]{1,1400}$/.test(logId) ? decode(logId) : "";
  if (!POSITION_PATTERN.test(position)) {
    throw new VisibleError("bad_request", "not a stream log record id");
  }
  const eventId = position.slice(position.indexOf("#", 25) + 1);
  return { Bucket: bucketOf(dayOf(position), shardOf(eventId)), Position: position };
}

const Cursor = z.object({ v: z.literal(2), p: z.string() });

/** A position as the opaque `cursor`/`before` token of GET /api/stream. */
export const encodeCursor = (position: string) => encode(JSON.stringify({ v: 2, p: position }));

/** The position in a `cursor`/`before` token, or a 400 for a token this API never gave out. */
export function decodeCursor(token: string, name = "cursor"): string {
  try {
    return Cursor.parse(JSON.parse(decode(token))).p;
  } catch {
    throw new VisibleError("bad_request", `${name} is not one this endpoint returned`);
  }
}

// --- back to what the inspector shows ---------------------------------------------------------

function parseJson<T>(schema: z.ZodType<T>, text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A stored entry as the inspector shows it, or undefined for an item that is not a whole entry
 * (the aggregator's outcome can land before the stream log function wrote the rest).
 */
export function inspectorRecordOf(raw: Record<string, unknown>): InspectorRecord | undefined {
  const parsed = LogItem.safeParse(raw);
  if (!parsed.success) return undefined;
  const item = parsed.data;
  const newImage = parseJson(RawItem, item.NewImage);
  const oldImage = parseJson(RawItem, item.OldImage);
  const aggregator = parseJson(RecordOutcome, item.Aggregator);
  return {
    logId: logIdOf(item),
    eventID: item.EventID,
    eventName: item.EventName,
    sequenceNumber: item.SequenceNumber,
    ...(item.StreamArn ? { streamArn: item.StreamArn } : {}),
    approximateCreationDateTime: item.ApproximateCreationDateTime,
    recordId: item.RecordID ?? "",
    keys: parseJson(RawItem, item.Keys) ?? {},
    ...(newImage ? { newImage } : {}),
    ...(oldImage ? { oldImage } : {}),
    ...(item.ImagesOmitted ? { imagesOmitted: true } : {}),
    sizeBytes: item.SizeBytes,
    streamViewType: item.StreamViewType,
    loggedAt: item.LoggedAt,
    ...(aggregator ? { aggregator } : {}),
  };
}
