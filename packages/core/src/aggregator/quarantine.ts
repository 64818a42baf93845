import { GetCommand, paginateQuery, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { z } from "zod";
import { documentClient } from "../infra/clients.ts";
import { isConditionalCheckFailed } from "../infra/aws-errors.ts";
import { tableName } from "../infra/resource.ts";
import { Acknowledgement } from "../contract/failure.ts";

/*
 * The quarantine: stream records a subscriber can never apply (bad data written around the API),
 * each with its reason and the whole record, so an operator can see what is wrong and fix it. A
 * subscriber writes here and moves on at once instead of letting Lambda retry what cannot
 * succeed, so one bad record holds back no one. The same table on AWS as locally.
 *
 * Idempotent by the record's eventID: a batch retried for another reason quarantines nothing
 * twice. Kept 30 days (TTL), far longer than the stream keeps the record itself.
 */

const KEEP_SECONDS = 30 * 24 * 60 * 60;
/** A DynamoDB item holds 400 KB; a record with two huge images is kept without them. */
const MAX_RECORD_BYTES = 300_000;

export type Subscriber = "aggregator";

export interface QuarantineEntry {
  eventId: string;
  subscriber: string;
  /** The GameScoreRecords key of the record ("" if its keys lack one). */
  recordId: string;
  eventName: string;
  sequenceNumber: string;
  streamArn: string;
  reason: string;
  /** ISO-8601. */
  quarantinedAt: string;
  /** The stream record as the subscriber got it (undefined if it was too large to keep). */
  record?: DynamoDBRecord;
  /** An operator saw it and set it aside (kept; hidden from the list unless asked for). */
  acknowledged?: Acknowledgement;
}

const StoredEntry = z.object({
  EventID: z.string(),
  Subscriber: z.string(),
  QuarantinedAt: z.string(),
  RecordID: z.string().optional(),
  EventName: z.string().optional(),
  SequenceNumber: z.string().optional(),
  StreamArn: z.string().optional(),
  Reason: z.string(),
  Record: z.string().optional(),
  /** An Acknowledgement as JSON text. */
  Acknowledged: z.string().optional(),
});

/** An id for a record that lacks an eventID: what it carries that is unique on its stream. */
function eventIdOf(record: DynamoDBRecord): string {
  if (record.eventID) return record.eventID;
  return `seq:${record.dynamodb?.SequenceNumber ?? JSON.stringify(record.dynamodb?.Keys ?? {})}`;
}

/**
 * Puts records in the quarantine. Returns the item identifiers (sequence numbers) of those it
 * could not write, for the caller to report as failures: they must not be lost.
 */
export async function quarantineRecords(
  entries: { record: DynamoDBRecord; itemIdentifier: string; reason: string }[],
  subscriber: Subscriber,
  now: Date = new Date(),
): Promise<string[]> {
  const failed: string[] = [];
  const seen = new Set<string>();
  for (const { record, itemIdentifier, reason } of entries) {
    const eventId = eventIdOf(record);
    if (seen.has(eventId)) continue;
    seen.add(eventId);
    const json = JSON.stringify(record);
    const recordId = (record.dynamodb?.Keys?.RecordID as { S?: unknown } | undefined)?.S;
    const item: z.input<typeof StoredEntry> & { ExpiresAt: number } = {
      EventID: eventId,
      Subscriber: subscriber,
      QuarantinedAt: now.toISOString(),
      Reason: reason || "no reason given",
      ExpiresAt: Math.floor(now.getTime() / 1000) + KEEP_SECONDS,
      ...(typeof recordId === "string" && recordId ? { RecordID: recordId } : {}),
      ...(record.eventName ? { EventName: record.eventName } : {}),
      ...(record.dynamodb?.SequenceNumber
        ? { SequenceNumber: record.dynamodb.SequenceNumber }
        : {}),
      ...(record.eventSourceARN ? { StreamArn: record.eventSourceARN } : {}),
      ...(Buffer.byteLength(json) <= MAX_RECORD_BYTES ? { Record: json } : {}),
    };
    try {
      await documentClient().send(
        new PutCommand({
          TableName: tableName("Quarantine"),
          Item: item,
          // The first quarantine of a record stands: a redelivery changes nothing.
          ConditionExpression: "attribute_not_exists(EventID)",
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) continue;
      console.error(`[quarantine] could not quarantine record ${itemIdentifier}`, error);
      failed.push(itemIdentifier);
    }
  }
  return failed;
}

/**
 * The quarantined records of a subscriber, newest first; `acknowledged: "exclude"` leaves out
 * those an operator acknowledged (filtered in the Query, so `limit` open ones still come back).
 */
export async function listQuarantine(q: {
  limit: number;
  subscriber?: Subscriber;
  acknowledged?: "include" | "exclude";
}): Promise<QuarantineEntry[]> {
  const entries: QuarantineEntry[] = [];
  const exclude = q.acknowledged === "exclude";
  const pages = paginateQuery(
    { client: documentClient() },
    {
      TableName: tableName("Quarantine"),
      IndexName: "ByTime",
      KeyConditionExpression: "Subscriber = :subscriber",
      ...(exclude ? { FilterExpression: "attribute_not_exists(Acknowledged)" } : {}),
      ExpressionAttributeValues: { ":subscriber": q.subscriber ?? "aggregator" },
      ScanIndexForward: false,
      Limit: q.limit,
    },
  );
  for await (const page of pages) {
    for (const raw of page.Items ?? []) {
      const parsed = StoredEntry.safeParse(raw);
      if (parsed.success) entries.push(toEntry(parsed.data));
    }
    if (entries.length >= q.limit) break;
  }
  // Pages after the first ask for `limit` again: newest first, so the cut keeps the newest.
  return entries.slice(0, q.limit);
}

/** One quarantined record by its eventID (consistent), or undefined. */
export async function getQuarantined(eventId: string): Promise<QuarantineEntry | undefined> {
  if (eventId.length === 0 || eventId.length > 1024) return undefined;
  const { Item } = await documentClient().send(
    new GetCommand({
      TableName: tableName("Quarantine"),
      Key: { EventID: eventId },
      ConsistentRead: true,
    }),
  );
  const parsed = StoredEntry.safeParse(Item);
  return parsed.success ? toEntry(parsed.data) : undefined;
}

/**
 * Marks a quarantined record acknowledged, on its own item (kept, with who, when and the note);
 * false if there is no such record. A second acknowledgement replaces the first.
 */
export async function acknowledgeQuarantined(
  eventId: string,
  acknowledgement: Acknowledgement,
): Promise<boolean> {
  if (eventId.length === 0 || eventId.length > 1024) return false;
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName("Quarantine"),
        Key: { EventID: eventId },
        UpdateExpression: "SET Acknowledged = :ack",
        ConditionExpression: "attribute_exists(EventID)",
        ExpressionAttributeValues: {
          ":ack": JSON.stringify(Acknowledgement.parse(acknowledgement)),
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

function parseAcknowledgement(text: string | undefined): Acknowledgement | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = Acknowledgement.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function toEntry(item: z.infer<typeof StoredEntry>): QuarantineEntry {
  let record: DynamoDBRecord | undefined;
  try {
    record = item.Record ? (JSON.parse(item.Record) as DynamoDBRecord) : undefined;
  } catch {
    record = undefined;
  }
  const acknowledged = parseAcknowledgement(item.Acknowledged);
  return {
    eventId: item.EventID,
    subscriber: item.Subscriber,
    recordId: item.RecordID ?? "",
    eventName: item.EventName ?? "",
    sequenceNumber: item.SequenceNumber ?? "",
    streamArn: item.StreamArn ?? "",
    reason: item.Reason,
    quarantinedAt: item.QuarantinedAt,
    ...(record ? { record } : {}),
    ...(acknowledged ? { acknowledged } : {}),
  };
}
