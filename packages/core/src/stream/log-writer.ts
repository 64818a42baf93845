import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";
import { isTransientError } from "../infra/aws-errors.ts";
import { documentClient } from "../infra/clients.ts";
import { tableName } from "../infra/resource.ts";
import { logItemOf, type LogItem } from "./log.ts";

/*
 * The stream log function's work (packages/functions/src/stream-log.ts): every record of a batch
 * → its StreamLog entry (the format: log.ts).
 *
 * Why one UpdateItem per record and not a Put or a BatchWriteItem: the aggregator writes its
 * outcome (`Aggregator`) onto the same entry, and may get there first (the two subscribers read
 * the stream independently). A Put would replace the item and lose that outcome; so would
 * BatchWriteItem, which can neither update nor be conditional. An UpdateItem `SET`s this
 * function's own attributes and leaves `Aggregator` alone, whichever lands first.
 *
 * Idempotent by eventID: the key comes from the record alone (log.ts), and every value is the
 * record's, so a redelivery rewrites the same thing; the two that depend on the moment
 * (`LoggedAt`, `ExpiresAt`) are `if_not_exists`, so the first write's stay.
 *
 * Cost: one UpdateItem per record, billed as a write of the entry (1 WU per KB of the larger of
 * the item before and after, so ~1–2 WU for a score record's two images), plus one write per
 * index whose key the entry has (ByPlayer, ByRecord, ByType; ByOldPlayer only for a rename), each
 * 1 WU: KEYS_ONLY index items are well under 1 KB. A redelivered record rewrites the same keys,
 * so it costs the base write alone. docs/deploy.md has the measured figures.
 */

/**
 * Entries written at once: a batch of 100 in seven rounds, no request storm. Rounds go in stream
 * order, each stamped (`LoggedAt`) when it starts: every entry of the earlier rounds is in before
 * a round is stamped, and each entry turns up within one write's round trip of its stamp, not
 * behind the rest of its batch. That is what a tail of the log relies on to never skip an entry
 * (log-query.ts, "settled": an entry counts once it is SETTLE_MS past its stamp). A window sliding
 * over the whole batch would be a little faster, and stamp entries long before they land.
 */
const ROUND_SIZE = 16;

/** Attributes the log function owns on an entry (everything but the key and `Aggregator`). */
const FIRST_WRITE_WINS = new Set<string>(["LoggedAt", "ExpiresAt"]);

/** The UpdateItem that writes an entry's attributes, never its `Aggregator`. */
export function logEntryUpdate(item: LogItem) {
  const { Bucket, Position, ...attributes } = item;
  delete attributes.Aggregator;
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const [i, [name, value]] of Object.entries(attributes).entries()) {
    if (value === undefined) continue;
    names[`#a${i}`] = name;
    values[`:v${i}`] = value;
    sets.push(
      FIRST_WRITE_WINS.has(name) ? `#a${i} = if_not_exists(#a${i}, :v${i})` : `#a${i} = :v${i}`,
    );
  }
  return {
    TableName: tableName("StreamLog"),
    Key: { Bucket, Position },
    UpdateExpression: `SET ${sets.join(", ")}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** What a batch came to: how many entries were written, skipped (not stream records) or failed. */
export interface LogBatchResult extends DynamoDBBatchResponse {
  written: number;
  skipped: number;
}

/**
 * Writes each record's log entry. Records whose write failed transiently (throttling, a lost
 * connection) are reported in `batchItemFailures` by sequence number, for Lambda to retry from
 * the lowest (what was written before is rewritten harmlessly). A record that is not a stream
 * record at all, or whose entry DynamoDB refuses for good, is logged and skipped: no retry could
 * change it, and holding the shard for it would stop the log for everything after.
 */
export async function writeStreamLog(
  records: readonly DynamoDBRecord[],
  /** The stamp of every entry (tests); default: the time each round starts. */
  nowMs?: number,
): Promise<LogBatchResult> {
  const failed: string[] = [];
  let written = 0;
  let skipped = 0;
  const writeOne = async (record: DynamoDBRecord, stamp: number) => {
    const item = logItemOf(record, stamp);
    const identifier = record.dynamodb?.SequenceNumber ?? record.eventID ?? "";
    if (!item) {
      skipped++;
      console.warn(
        `[stream-log] skipping ${identifier || "a record"}: not a stream record (eventName ${String(record.eventName)})`,
      );
      return;
    }
    try {
      await documentClient().send(new UpdateCommand(logEntryUpdate(item)));
      written++;
    } catch (error) {
      if (isTransientError(error) && identifier) {
        console.error(`[stream-log] could not write ${identifier} now; Lambda will retry`, error);
        failed.push(identifier);
      } else {
        skipped++;
        console.error(`[stream-log] DynamoDB refused the entry of ${identifier}; skipped`, error);
      }
    }
  };
  for (let start = 0; start < records.length; start += ROUND_SIZE) {
    const stamp = nowMs ?? Date.now();
    await Promise.all(records.slice(start, start + ROUND_SIZE).map((r) => writeOne(r, stamp)));
  }
  const ordered = failed.sort((a, b) => compareSequence(a, b));
  return {
    batchItemFailures: ordered.map((itemIdentifier) => ({ itemIdentifier })),
    written,
    skipped,
  };
}

function compareSequence(a: string, b: string): number {
  const digits = /^\d+$/;
  if (!digits.test(a) || !digits.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
