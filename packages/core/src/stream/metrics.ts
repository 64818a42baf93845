import { paginateQuery, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { z } from "zod";
import { SubscriberMinute, type StreamMetricsPage } from "../contract/stream.ts";
import { isConditionalCheckFailed } from "../infra/aws-errors.ts";
import { documentClient } from "../infra/clients.ts";
import { tableName } from "../infra/resource.ts";

/*
 * Per-minute counters of each stream subscriber, in StreamMetrics (one item per subscriber and
 * UTC minute): records and batches by event type, and the largest iterator age of the minute.
 * Written by the handlers themselves, so AWS and the local runner fill it alike and the
 * inspector's charts read one table (GET /api/stream/metrics), never CloudWatch or the stream.
 *
 * Per batch, one UpdateItem: ADD the counts, and ALL_NEW back (the item is ~150 bytes: the same
 * 1 WU). The maximum cannot be in that same request: ADD has no max, and a condition on the old
 * maximum would refuse the counts with it. So only when the answer shows a lower maximum than
 * this batch's age, a second UpdateItem sets it, conditional on the stored one still being lower
 * (a concurrent batch may have raised it meanwhile). Within a minute the maximum rises only a few
 * times (a record of n batches is broken about ln n times), so a batch costs ~1 WU, rarely 2.
 * The alternative, the conditional max first with the ADD as fallback, would cost 2 writes for
 * almost every batch, since most batches do not beat the minute's maximum.
 *
 * The iterator age is now − the batch's oldest ApproximateCreationDateTime, which the stream
 * keeps in whole seconds: a figure up to a second high, fine for "how far behind" at a glance.
 *
 * These count the subscriber's work, as Lambda's own metrics do: a batch retried after a failure
 * counts again (its records were processed again). They are the inspector's rates, never totals
 * anything is derived from; the aggregates stay exactly once (aggregator/aggregate.ts).
 * Best effort: `recordBatchMetrics` never throws, a metrics write must never fail a batch.
 */

/** The subscribers of GameScoreRecords' stream, as they name themselves in StreamMetrics. */
export const STREAM_SUBSCRIBERS = ["aggregator", "stream-log"] as const;
export type StreamSubscriber = (typeof STREAM_SUBSCRIBERS)[number];

/** Minutes are kept for two days (the table's TTL): the inspector shows at most the last 24 h. */
const METRICS_RETENTION_SECONDS = 2 * 24 * 60 * 60;
export const METRICS_MAX_MINUTES = 1440;
export const METRICS_DEFAULT_MINUTES = 60;

/** `YYYY-MM-DDTHH:MM` (UTC) of a moment. */
export const minuteOf = (ms: number) => new Date(ms).toISOString().slice(0, 16);

/** ApproximateCreationDateTime as epoch ms (Lambda: seconds; a Date from the SDK). */
function recordTimeMs(record: DynamoDBRecord): number | undefined {
  const value: unknown = record.dynamodb?.ApproximateCreationDateTime;
  if (typeof value === "number" && Number.isFinite(value)) return value * 1000;
  if (value instanceof Date) return value.getTime();
  return undefined;
}

/** What one batch adds to its minute: pure. */
export function batchCounts(records: readonly DynamoDBRecord[], nowMs: number) {
  let inserts = 0;
  let modifies = 0;
  let removes = 0;
  let oldest: number | undefined;
  for (const record of records) {
    if (record.eventName === "INSERT") inserts++;
    else if (record.eventName === "MODIFY") modifies++;
    else if (record.eventName === "REMOVE") removes++;
    const time = recordTimeMs(record);
    if (time !== undefined && (oldest === undefined || time < oldest)) oldest = time;
  }
  return {
    records: records.length,
    inserts,
    modifies,
    removes,
    iteratorAgeMs: oldest === undefined ? 0 : Math.max(0, nowMs - oldest),
  };
}

/**
 * Adds a batch to its subscriber's current minute (see the top for the two writes). Never
 * throws: a failure is logged and the batch goes on.
 */
export async function recordBatchMetrics(
  subscriber: StreamSubscriber,
  records: readonly DynamoDBRecord[],
  nowMs = Date.now(),
): Promise<void> {
  if (records.length === 0) return;
  const counts = batchCounts(records, nowMs);
  const Key = { Subscriber: subscriber, Minute: minuteOf(nowMs) };
  const TableName = tableName("StreamMetrics");
  try {
    const { Attributes } = await documentClient().send(
      new UpdateCommand({
        TableName,
        Key,
        // Records, Batches and the others are reserved words: every name goes through #names.
        UpdateExpression:
          "ADD #records :records, #batches :one, #inserts :inserts, #modifies :modifies, " +
          "#removes :removes SET #expires = if_not_exists(#expires, :expires)",
        ExpressionAttributeNames: {
          "#records": "Records",
          "#batches": "Batches",
          "#inserts": "Inserts",
          "#modifies": "Modifies",
          "#removes": "Removes",
          "#expires": "ExpiresAt",
        },
        ExpressionAttributeValues: {
          ":records": counts.records,
          ":one": 1,
          ":inserts": counts.inserts,
          ":modifies": counts.modifies,
          ":removes": counts.removes,
          ":expires": Math.floor(nowMs / 1000) + METRICS_RETENTION_SECONDS,
        },
        ReturnValues: "ALL_NEW",
      }),
    );
    const stored: unknown = Attributes?.MaxIteratorAgeMs;
    if (typeof stored === "number" && stored >= counts.iteratorAgeMs) return;
    await documentClient().send(
      new UpdateCommand({
        TableName,
        Key,
        UpdateExpression: "SET #max = :age",
        ConditionExpression: "attribute_not_exists(#max) OR #max < :age",
        ExpressionAttributeNames: { "#max": "MaxIteratorAgeMs" },
        ExpressionAttributeValues: { ":age": counts.iteratorAgeMs },
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) return; // another batch raised it further meanwhile
    console.error(`[metrics] could not record a ${subscriber} batch`, error);
  }
}

const StoredMinute = z.object({
  Minute: z.string(),
  Records: z.number().default(0),
  Batches: z.number().default(0),
  Inserts: z.number().default(0),
  Modifies: z.number().default(0),
  Removes: z.number().default(0),
  MaxIteratorAgeMs: z.number().default(0),
});

/** `?minutes=`: 1 … 1440, default 60. */
export const MetricsQuery = z.object({
  minutes: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z.coerce
      .number({ error: `minutes must be an integer between 1 and ${METRICS_MAX_MINUTES}` })
      .int({ error: `minutes must be an integer between 1 and ${METRICS_MAX_MINUTES}` })
      .min(1, { error: `minutes must be an integer between 1 and ${METRICS_MAX_MINUTES}` })
      .max(METRICS_MAX_MINUTES, {
        error: `minutes must be an integer between 1 and ${METRICS_MAX_MINUTES}`,
      })
      .default(METRICS_DEFAULT_MINUTES),
  ),
});

/**
 * The last `minutes` minutes (the current one included) of each subscriber, oldest first; one
 * Query per subscriber, at most 1,440 items of ~150 bytes (a few read units).
 */
export async function readMetrics(
  { minutes }: { minutes: number },
  nowMs = Date.now(),
): Promise<StreamMetricsPage> {
  const from = minuteOf(nowMs - (minutes - 1) * 60_000);
  const to = minuteOf(nowMs);
  const subscribers: Record<string, SubscriberMinute[]> = {};
  await Promise.all(
    STREAM_SUBSCRIBERS.map(async (subscriber) => {
      const rows: SubscriberMinute[] = [];
      const pages = paginateQuery(
        { client: documentClient() },
        {
          TableName: tableName("StreamMetrics"),
          KeyConditionExpression: "#subscriber = :s AND #minute BETWEEN :from AND :to",
          ExpressionAttributeNames: { "#subscriber": "Subscriber", "#minute": "Minute" },
          ExpressionAttributeValues: { ":s": subscriber, ":from": from, ":to": to },
        },
      );
      for await (const page of pages) {
        for (const raw of page.Items ?? []) {
          const parsed = StoredMinute.safeParse(raw);
          if (!parsed.success) {
            console.error(`[metrics] skipping a malformed ${subscriber} minute`, raw);
            continue;
          }
          const m = parsed.data;
          rows.push(
            SubscriberMinute.parse({
              minute: m.Minute,
              records: m.Records,
              batches: m.Batches,
              inserts: m.Inserts,
              modifies: m.Modifies,
              removes: m.Removes,
              maxIteratorAgeMs: m.MaxIteratorAgeMs,
            }),
          );
        }
      }
      subscribers[subscriber] = rows;
    }),
  );
  return { subscribers, generatedAt: new Date(nowMs).toISOString() };
}
