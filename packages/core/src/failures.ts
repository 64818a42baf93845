import fs from "node:fs/promises";
import path from "node:path";
import type { DynamoDBRecord } from "aws-lambda";
import { z } from "zod";
import { decodeStreamRecord } from "./aggregate.ts";
import { clampLimit } from "./dynamo-errors.ts";
import { VisibleError } from "./error.ts";

/*
 * The aggregator's on-failure destination, as operators see it: the stream records the event
 * source mapping gave up on (retries or record age exhausted).
 *
 * Locally the runner appends them to `failures.jsonl` in its directory, which the dev command
 * names in `STREAMBOARD_FAILURES_DIR`. On AWS they go to the `AggregatorFailures` SQS queue
 * (stacks/aggregator.ts), whose messages describe the batch (shard, sequence range) rather than
 * carry the records; reading them from the app is not built yet, so `listFailures` says so.
 */

/** Where the dev command tells the web process to find the runner's `failures.jsonl`. */
export const FAILURES_DIR_ENV = "STREAMBOARD_FAILURES_DIR";
const FAILURES_FILE = "failures.jsonl";

export type FailureEntry = {
  /** The GameScoreRecords key of the record ("" if its keys lack one). */
  recordId: string;
  eventName: string;
  sequenceNumber: string;
  shardId: string;
  /** Why it could not be applied, in words: the decoder's verdict, else the last error. */
  reason: string;
  /** What made the runner give up. */
  cause: "retries_exhausted" | "record_expired";
  /** When it was given up (ISO-8601). */
  time: string;
  /** Failed invocations with this record (0 for a record that expired before delivery). */
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
 * The records given up on, newest first (at most `limit`, default 100, up to 1000). A line cut
 * short by a crash mid-append is skipped: its record is redelivered and lands again.
 */
export async function listFailures(q: { limit?: number } = {}): Promise<FailureEntry[]> {
  const limit = clampLimit(q.limit, 100, 1000);
  const dir = process.env[FAILURES_DIR_ENV];
  if (!dir) {
    throw new VisibleError(
      "internal_error",
      process.env.DYNAMODB_ENDPOINT
        ? `${FAILURES_DIR_ENV} is not set: start the app with \`npm run dev\`, which runs the ` +
            `stream runner and tells the app where its failures are`
        : "On AWS the aggregator's failures are in the AggregatorFailures SQS queue; " +
            "listing them here is not implemented yet (read the queue in the AWS console)",
    );
  }
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
  return entries.reverse().slice(0, limit);
}
