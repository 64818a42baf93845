import fs from "node:fs/promises";
import path from "node:path";
import type { DynamoDBRecord } from "aws-lambda";
import { decodeStreamRecord } from "../aggregator/aggregate.ts";
import { listQuarantine } from "../aggregator/quarantine.ts";
import { clampLimit } from "../contract/limits.ts";
import { VisibleError } from "../contract/error.ts";
import {
  FAILURES_FILE,
  parseFailureLines,
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
 * and locally the runner's given-up records.
 */
export async function listFailures(q: { limit?: number } = {}): Promise<FailureEntry[]> {
  const limit = clampLimit(q.limit, "failures");
  const [quarantined, givenUp] = await Promise.all([
    listQuarantine({ limit }),
    readFailureFile(serverEnv()[FAILURES_DIR_ENV]),
  ]);
  const entries: FailureEntry[] = [
    ...quarantined.map((e) => ({
      id: e.eventId,
      eventId: e.eventId,
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
 * file that is there but cannot be read is the operator's to fix, so it is a visible error naming
 * the file, not an opaque 500: the quarantine alone would look like the whole list.
 */
async function readFailureFile(dir: string | undefined): Promise<FailureEntry[]> {
  if (!dir) return [];
  const file = path.join(dir, FAILURES_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return [];
    throw new VisibleError(
      "unavailable",
      `The stream runner's failures file ${file} cannot be read (${code ?? String(error)}); ` +
        `${FAILURES_DIR_ENV} names its directory.`,
    );
  }
  return parseFailureLines(text).map(toEntry);
}
