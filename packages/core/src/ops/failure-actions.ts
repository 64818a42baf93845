import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { applyStreamBatch, decodeStreamRecord, planBatch } from "../aggregator/aggregate.ts";
import { acknowledgeQuarantined, getQuarantined } from "../aggregator/quarantine.ts";
import { VisibleError } from "../contract/error.ts";
import { AcknowledgeInput, type Acknowledgement, type FailureEntry } from "../contract/failure.ts";
import type { ReapplyResult } from "../contract/operator.ts";
import { parseInput } from "../contract/score.ts";
import { documentClient } from "../infra/clients.ts";
import { tableName } from "../infra/resource.ts";
import { LogItem, logKeyOfId } from "../stream/log.ts";
import { acknowledgeGivenUp, findGivenUp, isMarkedAtOrPast } from "./failures.ts";

/*
 * What an operator can do about a record the aggregator set aside: run it through the
 * aggregator again (re-apply), or acknowledge it (kept, hidden from the list). A re-apply is the
 * aggregator's own `applyStreamBatch` on the record as Lambda delivered it, so its markers make
 * it count once however often it is pressed; its markers are read (never written) here only to
 * tell `applied` from `already_applied`.
 */

/** What a re-apply did, and to what (for the operator action log). */
export interface Reapplied {
  result: ReapplyResult;
  eventId?: string;
  recordId?: string;
}

const notFound = (id: string) => new VisibleError("not_found", `failure ${id} not found`);

/** The stored record of a failure entry: the quarantine's by eventID, else a given-up one. */
async function failedRecord(
  id: string,
): Promise<{ record: DynamoDBRecord; acknowledge: (ack: Acknowledgement) => Promise<void> }> {
  const quarantined = await getQuarantined(id);
  if (quarantined) {
    return {
      record: quarantined.record ?? missingRecord(id),
      acknowledge: async (ack) => {
        if (!(await acknowledgeQuarantined(id, ack))) throw notFound(id);
      },
    };
  }
  const givenUp = await findGivenUp(id);
  if (givenUp) return { record: givenUp.record, acknowledge: (ack) => acknowledgeGivenUp(id, ack) };
  throw notFound(id);
}

function missingRecord(id: string): never {
  throw new VisibleError(
    "bad_request",
    `failure ${id} was kept without its record (too large to store), so it cannot be re-applied`,
  );
}

/** Has every aggregate this record's change concerns taken it (or a later change of it)? */
async function isApplied(record: DynamoDBRecord): Promise<boolean> {
  const { batches } = planBatch([record]);
  for (const batch of batches) {
    for (const change of batch.changes) {
      const marked = await isMarkedAtOrPast(
        change.recordId,
        batch.playerName,
        batch.period,
        change.sequenceNumber,
      );
      if (!marked) return false;
    }
  }
  return true;
}

/**
 * Runs one stream record through the aggregator again. `quarantined`: it (still) cannot be
 * applied, with the reason — a record whose new state is bad has its leave applied and stays
 * quarantined; `already_applied`: its markers show its change in (or it changes nothing the
 * board holds); `applied`: it counted now. A transient failure is a 503 to retry.
 */
export async function reapplyRecord(record: DynamoDBRecord): Promise<ReapplyResult> {
  const decoded = decodeStreamRecord(record);
  const alreadyIn = decoded.ok && (await isApplied(record));
  if (!alreadyIn || !decoded.ok || decoded.poison !== undefined) {
    // The aggregator's own path: poison goes to the quarantine (idempotent by eventID).
    const { batchItemFailures } = await applyStreamBatch([record]);
    if (batchItemFailures.length > 0) {
      throw new VisibleError(
        "unavailable",
        "the aggregator could not apply the record now (throttled or busy); try again",
      );
    }
  }
  if (!decoded.ok) return { outcome: "quarantined", reason: decoded.reason };
  if (decoded.poison !== undefined) return { outcome: "quarantined", reason: decoded.poison };
  if (alreadyIn) {
    const { batches } = planBatch([record]);
    return batches.length === 0
      ? { outcome: "already_applied", reason: "this change moves nothing on the board" }
      : { outcome: "already_applied" };
  }
  return { outcome: "applied" };
}

const recordIdOf = (record: DynamoDBRecord) => {
  const value = record.dynamodb?.Keys?.RecordID?.S;
  return typeof value === "string" && value ? value : undefined;
};

/** POST /api/failures/{id}/reapply */
export async function reapplyFailure(id: string): Promise<Reapplied> {
  const { record } = await failedRecord(id);
  const recordId = recordIdOf(record);
  return {
    result: await reapplyRecord(record),
    ...(record.eventID ? { eventId: record.eventID } : {}),
    ...(recordId ? { recordId } : {}),
  };
}

/** POST /api/failures/{id}/acknowledge: kept, with who and when, hidden from the list. */
export async function acknowledgeFailure(
  id: string,
  input: unknown,
  by: string,
  now = new Date(),
): Promise<Acknowledgement & Pick<FailureEntry, "recordId"> & { eventId?: string }> {
  const { note } = parseInput(AcknowledgeInput, input ?? {});
  const failure = await failedRecord(id);
  const acknowledgement: Acknowledgement = {
    at: now.toISOString(),
    by,
    ...(note ? { note } : {}),
  };
  await failure.acknowledge(acknowledgement);
  const recordId = recordIdOf(failure.record) ?? "";
  return {
    ...acknowledgement,
    recordId,
    ...(failure.record.eventID ? { eventId: failure.record.eventID } : {}),
  };
}

/** A stream log entry as the Lambda record it was (keys and images as the stream carried them). */
export function lambdaRecordOf(item: LogItem): DynamoDBRecord {
  const json = (text: string | undefined) =>
    text === undefined ? undefined : (JSON.parse(text) as Record<string, never>);
  const newImage = json(item.NewImage);
  const oldImage = json(item.OldImage);
  return {
    eventID: item.EventID,
    eventName: item.EventName,
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    ...(item.StreamArn ? { eventSourceARN: item.StreamArn } : {}),
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(Date.parse(item.ApproximateCreationDateTime) / 1000),
      Keys: json(item.Keys) ?? {},
      ...(newImage ? { NewImage: newImage } : {}),
      ...(oldImage ? { OldImage: oldImage } : {}),
      SequenceNumber: item.SequenceNumber,
      SizeBytes: item.SizeBytes,
      StreamViewType: item.StreamViewType as "NEW_AND_OLD_IMAGES",
    },
  };
}

/** POST /api/stream/records/{logId}/reapply: any record the stream log keeps. */
export async function reapplyLogged(logId: string): Promise<Reapplied> {
  const key = logKeyOfId(logId);
  const { Item } = await documentClient().send(
    new GetCommand({ TableName: tableName("StreamLog"), Key: key, ConsistentRead: true }),
  );
  const parsed = LogItem.safeParse(Item);
  if (!parsed.success) throw new VisibleError("not_found", `stream record ${logId} not found`);
  if (parsed.data.ImagesOmitted) {
    throw new VisibleError(
      "bad_request",
      "the stream log kept this record without its images (too large), so it cannot be re-applied",
    );
  }
  const record = lambdaRecordOf(parsed.data);
  return {
    result: await reapplyRecord(record),
    eventId: parsed.data.EventID,
    ...(parsed.data.RecordID ? { recordId: parsed.data.RecordID } : {}),
  };
}
