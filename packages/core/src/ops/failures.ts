import fs from "node:fs/promises";
import path from "node:path";
import type { DynamoDBRecord } from "aws-lambda";
import { z } from "zod";
import { decodeStreamRecord } from "../aggregator/aggregate.ts";
import { listQuarantine } from "../aggregator/quarantine.ts";
import { clampLimit } from "../contract/limits.ts";
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
const FAILURES_FILE = "failures.jsonl";

export type FailureEntry = {
  /** The GameScoreRecords key of the record ("" if its keys lack one). */
  recordId: string;
  eventName: string;
  sequenceNumber: string;
  /** "" for a quarantined record: Lambda's records do not name their shard. */
  shardId: string;
  /** Why it could not be applied, in words: the decoder's verdict, else the last error. */
  reason: string;
  /**
   * `quarantined`: the aggregator found it can never be applied and set it aside at once;
   * the others: what made the runner give up on a record that kept failing for a transient reason.
   */
  cause: "quarantined" | "retries_exhausted" | "record_expired";
  /** When it was set aside or given up (ISO-8601). */
  time: string;
  /** Failed invocations with this record (1 for a quarantined one: it was tried once). */
  attempts: number;
};

/**
 * Why the aggregator cannot apply a stream record, or undefined when it can. Permanent by
 * nature (the images themselves are wrong), so the runner stores it with the record it gives up
 * on: the handler itself only reports a sequence number.
 */
export function describeRecordProblem(record: DynamoDBRecord): string | undefined {
  const decoded = decodeStreamRecord(record);
  return decoded.ok ? undefined : decoded.reason;
}

/** The fields of a `failures.jsonl` line (written by packages/local's runner) read here. */
const FailureLine = z.object({
  time: z.string(),
  shardId: z.string(),
  sequenceNumber: z.string(),
  eventName: z.string().optional(),
  keys: z.record(z.string(), z.unknown()).optional(),
  reason: z.enum(["retries_exhausted", "record_expired"]),
  attempts: z.number(),
  error: z.string().optional(),
  problem: z.string().optional(),
});
type FailureLine = z.infer<typeof FailureLine>;

function toEntry(line: FailureLine): FailureEntry {
  const key = line.keys?.RecordID as { S?: unknown } | undefined;
  return {
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
 * and locally the runner's given-up records.
 */
export async function listFailures(q: { limit?: number } = {}): Promise<FailureEntry[]> {
  const limit = clampLimit(q.limit, 100, 1000);
  const [quarantined, givenUp] = await Promise.all([
    listQuarantine({ limit }),
    readFailureFile(serverEnv()[FAILURES_DIR_ENV]),
  ]);
  const entries: FailureEntry[] = [
    ...quarantined.map((e) => ({
      recordId: e.recordId,
      eventName: e.eventName,
      sequenceNumber: e.sequenceNumber,
      shardId: "",
      reason: e.reason,
      cause: "quarantined" as const,
      time: e.quarantinedAt,
      attempts: 1,
    })),
    // Appended as given up: the last line is the newest.
    ...givenUp.reverse(),
  ];
  // Stable: entries of the same instant keep their own source's order.
  return entries.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0)).slice(0, limit);
}

/**
 * The runner's given-up records, oldest first (none on AWS, or before the runner wrote any). A
 * line cut short by a crash mid-append is skipped: its record is redelivered and lands again.
 */
async function readFailureFile(dir: string | undefined): Promise<FailureEntry[]> {
  if (!dir) return [];
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, FAILURES_FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const entries: FailureEntry[] = [];
  for (const raw of text.split("\n")) {
    if (!raw) continue;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      continue;
    }
    const line = FailureLine.safeParse(json);
    if (line.success) entries.push(toEntry(line.data));
  }
  return entries;
}
