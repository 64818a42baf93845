import { z } from "zod";

/*
 * What GET /api/stream answers: stream records as the stream really carries them, keys and
 * images in raw DynamoDB JSON (`{"Score":{"N":"999"}}`), so the inspector shows types as stored.
 */

/** An attribute value as DynamoDB puts it on the wire (binaries in base64): exactly one tag. */
export const RawAttributeValue = z.union([
  z.strictObject({ S: z.string() }),
  z.strictObject({ N: z.string() }),
  z.strictObject({ B: z.string() }),
  z.strictObject({ BOOL: z.boolean() }),
  z.strictObject({ NULL: z.literal(true) }),
  z.strictObject({ SS: z.array(z.string()) }),
  z.strictObject({ NS: z.array(z.string()) }),
  z.strictObject({ BS: z.array(z.string()) }),
  z.strictObject({
    get L(): z.ZodArray<typeof RawAttributeValue> {
      return z.array(RawAttributeValue);
    },
  }),
  z.strictObject({
    get M(): z.ZodRecord<z.ZodString, typeof RawAttributeValue> {
      return z.record(z.string(), RawAttributeValue);
    },
  }),
]);
export type RawAttributeValue = z.infer<typeof RawAttributeValue>;

export const RawItem = z.record(z.string(), RawAttributeValue);
export type RawItem = z.infer<typeof RawItem>;

export const StreamEventName = z.enum(["INSERT", "MODIFY", "REMOVE"]);
export type StreamEventName = z.infer<typeof StreamEventName>;

/**
 * What one record changed on one aggregate, as the aggregator wrote it onto the record's log
 * entry: totals and games before and after, and the player's rank before and after in that
 * period (null: the player was not on the board; absent: not counted, see stream/log.ts).
 */
export const AggregateEffect = z.object({
  playerName: z.string(),
  period: z.string(),
  totalBefore: z.number().nullable(),
  totalAfter: z.number().nullable(),
  gamesBefore: z.number(),
  gamesAfter: z.number(),
  rankBefore: z.number().nullable().optional(),
  rankAfter: z.number().nullable().optional(),
});
export type AggregateEffect = z.infer<typeof AggregateEffect>;

/**
 * What the aggregator did with a record: `applied` (with its effect on each aggregate; empty when
 * it changed nothing an aggregate holds, such as a nickname), `quarantined` (it can never be
 * applied: why), or absent on the entry while the aggregator has not got to it yet.
 */
export const RecordOutcome = z.discriminatedUnion("outcome", [
  z.object({
    outcome: z.literal("applied"),
    at: z.string(),
    changes: z.array(AggregateEffect),
  }),
  z.object({
    outcome: z.literal("quarantined"),
    at: z.string(),
    reason: z.string(),
    /**
     * What it did apply, if anything: a record whose new state is bad leaves the aggregates its
     * old state counted in (aggregator/aggregate.ts, decodeStreamRecord), and is quarantined.
     */
    changes: z.array(AggregateEffect).optional(),
  }),
]);
export type RecordOutcome = z.infer<typeof RecordOutcome>;

/** A stream record as the inspector shows it: what the stream really carries, from the log. */
export const InspectorRecord = z.object({
  /** The log entry's id: `GET /api/stream/records/{logId}` reads this one record (deep links). */
  logId: z.string(),
  eventID: z.string(),
  eventName: StreamEventName,
  sequenceNumber: z.string(),
  /** Absent on AWS: Lambda's records do not name their shard. The local runner does not either. */
  shardId: z.string().optional(),
  /** The stream's ARN (Lambda's `eventSourceARN`). */
  streamArn: z.string().optional(),
  /** ISO-8601; the stream keeps whole seconds. */
  approximateCreationDateTime: z.string(),
  /** The GameScoreRecords key (`keys.RecordID.S`), "" if the keys lack one. */
  recordId: z.string(),
  keys: RawItem,
  newImage: RawItem.optional(),
  oldImage: RawItem.optional(),
  /** The images were too large for a log entry (over 300 KB together) and were not kept. */
  imagesOmitted: z.boolean().optional(),
  sizeBytes: z.number(),
  streamViewType: z.string(),
  /** When the stream log function wrote it (ISO-8601). */
  loggedAt: z.string(),
  /** What the aggregator did with it, once it has. */
  aggregator: RecordOutcome.optional(),
});
export type InspectorRecord = z.infer<typeof InspectorRecord>;

/**
 * GET /api/stream: a window of the stream log, records newest first.
 * - no position: the newest `limit` records;
 * - `before=`: the `limit` records just older than that position (page back);
 * - `cursor=`: the `limit` records just newer than it, oldest of them first taken (a tail that
 *   follows `cursor` never skips one); `newer: true` when still more were already there;
 * - `at=`: the `limit` records from that time on (seek).
 * Filters (`type`, `player`, `recordId`, `q`) apply on the server to every window. With `q`, the
 * search reads at most a bounded number of log entries per request; `before`/`cursor` then
 * continue from where it stopped reading, not from the last match (`scanned` says how many).
 */
export const StreamPage = z.object({
  records: z.array(InspectorRecord),
  /** Opaque: `?cursor=` reads what comes after this window (or after what was asked, if empty). */
  cursor: z.string(),
  /** Opaque: `?before=` reads what precedes this window; absent when nothing older is kept. */
  before: z.string().optional(),
  /** True when records newer than this window already exist (follow `cursor` at once). */
  newer: z.boolean(),
  /** Log entries read to answer (filters and `q` read more entries than they return). */
  scanned: z.number(),
});
export type StreamPage = z.infer<typeof StreamPage>;

/** `?type=`: one or more event types, comma-separated. */
export const STREAM_QUERY_KEYS = [
  "cursor",
  "before",
  "at",
  "type",
  "player",
  "recordId",
  "q",
  "limit",
] as const;

/** One subscriber's counters for one UTC minute (GET /api/stream/metrics). */
export const SubscriberMinute = z.object({
  /** `YYYY-MM-DDTHH:MM` (UTC). */
  minute: z.string(),
  records: z.number(),
  batches: z.number(),
  inserts: z.number(),
  modifies: z.number(),
  removes: z.number(),
  /** The largest iterator age a batch of that minute had (ms): how far behind the stream it was. */
  maxIteratorAgeMs: z.number(),
});
export type SubscriberMinute = z.infer<typeof SubscriberMinute>;

/** GET /api/stream/metrics?minutes=60: per subscriber, oldest minute first (minutes without batches absent). */
export const StreamMetricsPage = z.object({
  subscribers: z.record(z.string(), z.array(SubscriberMinute)),
  generatedAt: z.string(),
});
export type StreamMetricsPage = z.infer<typeof StreamMetricsPage>;
