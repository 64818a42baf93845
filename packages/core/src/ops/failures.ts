import fs from "node:fs/promises";
import path from "node:path";
import type { DynamoDBRecord } from "aws-lambda";
import { BatchGetCommand } from "@aws-sdk/lib-dynamodb";
import { decodeStreamRecord } from "../aggregator/aggregate.ts";
import { listQuarantine } from "../aggregator/quarantine.ts";
import {
  AggregateItem,
  fromAggregateItem,
  markTarget,
  padSequence,
  readAggregateItem,
  readMark,
} from "../aggregator/store.ts";
import { ScoreItem } from "../contract/score.ts";
import { documentClient } from "../infra/clients.ts";
import { forEachConcurrently } from "../infra/concurrency.ts";
import { tableName } from "../infra/resource.ts";
import { ALL_TIME } from "../period/period.ts";
import { logIdOf, logKeyOf, type LogKey } from "../stream/log.ts";
import { clampLimit } from "../contract/limits.ts";
import { VisibleError } from "../contract/error.ts";
import {
  ACKNOWLEDGED_FILE,
  AcknowledgedLine,
  FAILURES_FILE,
  parseFailureLines,
  type Acknowledgement,
  type FailureEntry,
  type FailureLine,
} from "../contract/failure.ts";
import { serverEnv } from "../env/server.ts";

/*
 * The records the aggregator could not apply, as operators see them:
 *   - the quarantine (quarantine.ts): poison, put there by the aggregator itself at once, with
 *     the reason and the whole record. The same table on AWS as locally: this is nearly all of it.
 *   - locally, also the runner's on-failure destination: records whose transient failures
 *     outlasted every retry or the maximum record age, appended to `failures.jsonl` in the
 *     runner's directory, which the dev command names in `STREAMBOARD_FAILURES_DIR`. On AWS those
 *     go to the `AggregatorFailures` SQS queue (stacks/aggregator.ts), whose messages describe the
 *     batch (shard, sequence range) rather than carry records: read them in the AWS console.
 */

/** Where the dev command tells the web process to find the runner's `failures.jsonl`. */
export const FAILURES_DIR_ENV = "STREAMBOARD_FAILURES_DIR";

export type { FailureEntry } from "../contract/failure.ts";

/**
 * Why the aggregator cannot apply a stream record, or undefined when it can. Permanent by
 * nature (the images themselves are wrong), so the runner stores it with the record it gives up
 * on: the handler itself only reports a sequence number.
 */
export function describeRecordProblem(record: DynamoDBRecord): string | undefined {
  const decoded = decodeStreamRecord(record);
  return decoded.ok ? decoded.poison : decoded.reason;
}

function toEntry(line: FailureLine): FailureEntry {
  const key = line.keys?.RecordID as { S?: unknown } | undefined;
  return {
    id: `${line.shardId}:${line.sequenceNumber}`,
    ...(line.record.eventID ? { eventId: line.record.eventID } : {}),
    recordId: typeof key?.S === "string" ? key.S : "",
    eventName: line.eventName ?? "",
    sequenceNumber: line.sequenceNumber,
    shardId: line.shardId,
    reason: reasonOf(line),
    cause: line.reason,
    time: line.time,
    attempts: line.attempts,
  };
}

function reasonOf(line: FailureLine): string {
  if (line.problem) return line.problem;
  if (line.reason === "record_expired") {
    return line.attempts > 0
      ? `older than the maximum record age after ${line.attempts} failed attempt(s)` +
          (line.error ? `: ${line.error}` : "")
      : "older than the maximum record age; never delivered";
  }
  return `failed ${line.attempts} time(s): ${line.error ?? "no error given"}`;
}

/**
 * The records set aside, newest first (at most `limit`, default 100, up to 1000): the quarantine,
 * and locally the runner's given-up records. Acknowledged ones are left out unless
 * `acknowledged: "include"`. Each says whether it is open, acknowledged or resolved, and where
 * the stream log has it (`logId`).
 */
export async function listFailures(
  q: { limit?: number; acknowledged?: "include" | "exclude" } = {},
): Promise<FailureEntry[]> {
  const limit = clampLimit(q.limit, "failures");
  const include = q.acknowledged === "include";
  const dir = serverEnv()[FAILURES_DIR_ENV];
  const [quarantined, givenUp, acknowledgements] = await Promise.all([
    listQuarantine({ limit, acknowledged: include ? "include" : "exclude" }),
    readFailureFile(dir),
    readAcknowledgements(dir),
  ]);
  const records = new Map<string, DynamoDBRecord>();
  const entries: FailureEntry[] = [
    ...quarantined.map((e) => {
      if (e.record) records.set(e.eventId, e.record);
      return {
        id: e.eventId,
        eventId: e.eventId,
        ...(e.acknowledged ? { acknowledged: e.acknowledged } : {}),
        recordId: e.recordId,
        eventName: e.eventName,
        sequenceNumber: e.sequenceNumber,
        shardId: "",
        reason: e.reason,
        cause: "quarantined" as const,
        time: e.quarantinedAt,
        attempts: 1,
      };
    }),
    // Appended as given up: the last line is the newest.
    ...givenUp.reverse().flatMap(({ entry, record }) => {
      const acknowledged = acknowledgements.get(entry.id);
      if (acknowledged && !include) return [];
      records.set(entry.id, record);
      return [{ ...entry, ...(acknowledged ? { acknowledged } : {}) }];
    }),
  ];
  // Stable: entries of the same instant keep their own source's order.
  const page = entries
    .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0))
    .slice(0, limit);
  const [logIds, resolved] = await Promise.all([
    loggedIds(
      page.flatMap((e) => (records.has(e.id) ? [[e.id, records.get(e.id)!] as const] : [])),
    ),
    resolvedIds(page),
  ]);
  return page.map((entry) => ({
    ...entry,
    ...(logIds.has(entry.id) ? { logId: logIds.get(entry.id)! } : {}),
    state: resolved.has(entry.id) ? "resolved" : entry.acknowledged ? "acknowledged" : "open",
  }));
}

/** BatchGetItem takes at most 100 keys. */
const KEYS_PER_BATCH_GET = 100;

/** Failure id → logId, for the records the stream log has (one BatchGetItem per 100). */
async function loggedIds(
  records: (readonly [string, DynamoDBRecord])[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const byPosition = new Map<string, string[]>();
  const keys: LogKey[] = [];
  for (const [id, record] of records) {
    // Without its time the record's entry cannot be located.
    if (record.dynamodb?.ApproximateCreationDateTime === undefined) continue;
    const key = logKeyOf(record);
    if (!byPosition.has(key.Position)) keys.push(key);
    byPosition.set(key.Position, [...(byPosition.get(key.Position) ?? []), id]);
  }
  for (let i = 0; i < keys.length; i += KEYS_PER_BATCH_GET) {
    const table = tableName("StreamLog");
    const { Responses } = await documentClient().send(
      new BatchGetCommand({
        RequestItems: {
          [table]: {
            Keys: keys.slice(i, i + KEYS_PER_BATCH_GET),
            ProjectionExpression: "#b, #p, EventID",
            ExpressionAttributeNames: { "#b": "Bucket", "#p": "Position" },
          },
        },
      }),
    );
    // An entry with no EventID is only the aggregator's outcome, not yet the log's record.
    for (const item of Responses?.[table] ?? []) {
      if (typeof item.EventID !== "string") continue;
      const key = { Bucket: item.Bucket as string, Position: item.Position as string };
      for (const id of byPosition.get(key.Position) ?? []) found.set(id, logIdOf(key));
    }
  }
  return found;
}

/**
 * The failures whose record has since been fixed: deleted (a quarantined record: its REMOVE
 * counts nothing), or now a valid record whose change the aggregator has applied, i.e. whose
 * marker on its player's all-time aggregate is at or past the failed record's sequence number.
 */
async function resolvedIds(entries: FailureEntry[]): Promise<Set<string>> {
  const resolved = new Set<string>();
  const candidates = entries.filter((e) => e.recordId && /^\d+$/.test(e.sequenceNumber));
  const recordIds = [...new Set(candidates.map((e) => e.recordId))];
  const items = new Map<string, Record<string, unknown>>();
  const table = tableName("GameScoreRecords");
  // One BatchGetItem per 100 records (eventually consistent: a badge a poll later is fine).
  for (let i = 0; i < recordIds.length; i += KEYS_PER_BATCH_GET) {
    let keys: Record<string, unknown>[] = recordIds
      .slice(i, i + KEYS_PER_BATCH_GET)
      .map((RecordID) => ({ RecordID }));
    for (let attempt = 0; keys.length > 0 && attempt < 5; attempt++) {
      const { Responses, UnprocessedKeys } = await documentClient().send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: keys } } }),
      );
      for (const item of Responses?.[table] ?? []) items.set(item.RecordID as string, item);
      keys = UnprocessedKeys?.[table]?.Keys ?? [];
    }
    // Keys still unprocessed stay unknown, not "gone": those entries simply stay open.
    for (const key of keys) items.set(key.RecordID as string, { unknown: true });
  }
  await forEachConcurrently(candidates, 8, async (entry) => {
    const item = items.get(entry.recordId);
    if (!item) {
      if (entry.cause === "quarantined") resolved.add(entry.id);
      return;
    }
    const parsed = ScoreItem.safeParse(item);
    if (!parsed.success) return;
    const { PlayerName } = parsed.data;
    if (await isMarkedAtOrPast(entry.recordId, PlayerName, ALL_TIME, entry.sequenceNumber)) {
      resolved.add(entry.id);
    }
  });
  return resolved;
}

/**
 * True when the aggregator's markers (or the legacy marks on the aggregate) show a change of the
 * record at or past `sequenceNumber` applied to this (player, period). Read only.
 */
export async function isMarkedAtOrPast(
  recordId: string,
  playerName: string,
  period: string,
  sequenceNumber: string,
): Promise<boolean> {
  const raw = await readAggregateItem({ playerName, period });
  const parsed = raw === undefined ? undefined : AggregateItem.safeParse(raw);
  if (!parsed?.success) return false;
  const aggregate = fromAggregateItem(parsed.data);
  const wanted = padSequence(sequenceNumber);
  const legacy = aggregate.legacyMarks?.[recordId];
  if (legacy && padSequence(legacy[0]) >= wanted) return true;
  const mark = await readMark(recordId, markTarget(period, aggregate.markGeneration, playerName));
  return mark !== undefined && mark >= wanted;
}

/**
 * The runner's given-up records, oldest first (none on AWS, or before the runner wrote any). A
 * file that is there but cannot be read is the operator's to fix, so it is a visible error naming
 * the file, not an opaque 500: the quarantine alone would look like the whole list.
 */
async function readFailureFile(
  dir: string | undefined,
): Promise<{ entry: FailureEntry; record: DynamoDBRecord }[]> {
  const text = await readRunnerFile(dir, FAILURES_FILE);
  return parseFailureLines(text).map((line) => ({ entry: toEntry(line), record: line.record }));
}

/** A file of the runner's directory ("" when there is none); unreadable: a visible error. */
async function readRunnerFile(dir: string | undefined, name: string): Promise<string> {
  if (!dir) return "";
  const file = path.join(dir, name);
  try {
    return await fs.readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "";
    throw new VisibleError(
      "unavailable",
      `The stream runner's file ${file} cannot be read (${code ?? String(error)}); ` +
        `${FAILURES_DIR_ENV} names its directory.`,
    );
  }
}

/** The given-up record with this id (`<shardId>:<sequenceNumber>`), as the runner kept it. */
export async function findGivenUp(
  id: string,
): Promise<{ entry: FailureEntry; record: DynamoDBRecord } | undefined> {
  const all = await readFailureFile(serverEnv()[FAILURES_DIR_ENV]);
  // The newest line for the id: a record given up twice (replayed) is one failure.
  return all.reverse().find((f) => f.entry.id === id);
}

/**
 * Operators' acknowledgements of given-up records: id → the latest. They live beside
 * `failures.jsonl`, in `acknowledged.jsonl`: given-up records exist only there (locally; on AWS
 * they are SQS messages), so their acknowledgement goes and stays with them (a fresh data dir
 * starts with neither), and the runner's own file stays the runner's alone. One appended line
 * each: a crash mid-append leaves a torn last line, skipped on reading, and the press repeated.
 */
async function readAcknowledgements(
  dir: string | undefined,
): Promise<Map<string, Acknowledgement>> {
  const text = await readRunnerFile(dir, ACKNOWLEDGED_FILE);
  const acks = new Map<string, Acknowledgement>();
  for (const raw of text.split("\n")) {
    if (!raw) continue;
    try {
      const line = AcknowledgedLine.safeParse(JSON.parse(raw));
      if (line.success) {
        const { id, ...ack } = line.data;
        acks.set(id, ack);
      }
    } catch {
      // A torn line: skipped (see above).
    }
  }
  return acks;
}

/** Appends an acknowledgement of a given-up record (see `readAcknowledgements`). */
export async function acknowledgeGivenUp(
  id: string,
  acknowledgement: Acknowledgement,
): Promise<void> {
  const dir = serverEnv()[FAILURES_DIR_ENV];
  if (!dir) throw new Error(`${FAILURES_DIR_ENV} is not set: there are no given-up records`);
  const line: AcknowledgedLine = { id, ...acknowledgement };
  await fs.appendFile(path.join(dir, ACKNOWLEDGED_FILE), `${JSON.stringify(line)}\n`, "utf8");
}
