import type { AttributeValue, DynamoDBRecord } from "aws-lambda";
import { z } from "zod";
import { StreamEventName } from "./stream.ts";

/*
 * The runner's on-failure destination, `failures.jsonl`: written by packages/local's runner, read
 * back by it and by `GET /api/failures` (core/ops/failures.ts). One schema for both sides, so a
 * field the runner renames cannot silently vanish from the operator's list. SDK-free.
 */

/** The file, in the runner's directory (`STREAMBOARD_FAILURES_DIR` tells the web process). */
export const FAILURES_FILE = "failures.jsonl";

/** Why the runner gave up: retries used up, or the record outlived the maximum record age. */
export const GiveUpReason = z.enum(["retries_exhausted", "record_expired"]);
export type GiveUpReason = z.infer<typeof GiveUpReason>;

const isObject = (value: unknown) => typeof value === "object" && value !== null;

/** One line of `failures.jsonl`: a record the runner gave up on. */
export const FailureLine = z.object({
  time: z.string(),
  tableName: z.string(),
  streamArn: z.string(),
  shardId: z.string(),
  sequenceNumber: z.string(),
  eventName: StreamEventName.optional(),
  keys: z.custom<Record<string, AttributeValue>>(isObject).optional(),
  reason: GiveUpReason,
  /** How many invocations with this record failed (0 for a record that expired unseen). */
  attempts: z.number().int().nonnegative(),
  /** The last error, or why the handler reported the record as failed. */
  error: z.string().optional(),
  /** What is wrong with the record itself, from the runner's `explainFailure` hook. */
  problem: z.string().optional(),
  /** The whole record as Lambda would have delivered it, for a re-apply by hand. */
  record: z.custom<DynamoDBRecord>(isObject),
});
export type FailureLine = z.infer<typeof FailureLine>;

/** Who acknowledged a failure and when: kept in the list, hidden unless asked for. */
export const Acknowledgement = z.object({
  at: z.string(),
  /** The operator's credential as the server saw it (e.g. `session 1a2b3c4d`, `bearer token`). */
  by: z.string(),
  note: z.string().optional(),
});
export type Acknowledgement = z.infer<typeof Acknowledgement>;

export const FailureState = z.enum(["open", "acknowledged", "resolved"]);
export type FailureState = z.infer<typeof FailureState>;

/** A record the aggregator could not apply, as `GET /api/failures` lists it. */
export const FailureEntry = z.object({
  /**
   * Stable id of the entry, for `POST /api/failures/{id}/reapply` and `/acknowledge`: the
   * record's eventID for a quarantined record, `<shardId>:<sequenceNumber>` for a given-up one.
   */
  id: z.string(),
  /** The stream record's eventID, when known: the inspector opens the record by it. */
  eventId: z.string().optional(),
  /** `GET /api/stream/records/{logId}`, when the stream log has the record. */
  logId: z.string().optional(),
  acknowledged: Acknowledgement.optional(),
  /**
   * `open`: still to be dealt with; `acknowledged`: an operator set it aside (`acknowledged`
   * says who and when); `resolved`: the record has since been fixed — deleted, or changed into a
   * valid record whose change the aggregator applied (its marker is at or past this record's).
   */
  state: FailureState.optional(),
  /** The GameScoreRecords key of the record ("" if its keys lack one). */
  recordId: z.string(),
  eventName: z.string(),
  sequenceNumber: z.string(),
  /** "" for a quarantined record: Lambda's records do not name their shard. */
  shardId: z.string(),
  /** Why it could not be applied, in words: the decoder's verdict, else the last error. */
  reason: z.string(),
  /**
   * `quarantined`: the aggregator found it can never be applied and set it aside at once;
   * the others: what made the runner give up on a record that kept failing for a transient reason.
   */
  cause: z.enum(["quarantined", ...GiveUpReason.options]),
  /** When it was set aside or given up (ISO-8601). */
  time: z.string(),
  /** Failed invocations with this record (1 for a quarantined one: it was tried once). */
  attempts: z.number(),
});
export type FailureEntry = z.infer<typeof FailureEntry>;

/** POST /api/failures/{id}/acknowledge */
export const AcknowledgeInput = z.object(
  { note: z.string().trim().max(500, { error: "note must be at most 500 characters" }).optional() },
  { error: "the body must be a JSON object" },
);
export type AcknowledgeInput = z.infer<typeof AcknowledgeInput>;

/** One line of the acknowledgements of the runner's given-up records (`ACKNOWLEDGED_FILE`). */
export const AcknowledgedLine = Acknowledgement.extend({ id: z.string() });
export type AcknowledgedLine = z.infer<typeof AcknowledgedLine>;

/** Beside `failures.jsonl`: operators' acknowledgements of its records (core/ops/failure-actions.ts). */
export const ACKNOWLEDGED_FILE = "acknowledged.jsonl";

/** GET /api/failures */
export const FailureList = z.object({ failures: z.array(FailureEntry) });
export type FailureList = z.infer<typeof FailureList>;

/**
 * The lines of a `failures.jsonl` text, oldest first. A line cut short by a crash mid-append (or
 * one that is not a failure line at all) is skipped: its record is redelivered and lands again.
 */
export function parseFailureLines(text: string): FailureLine[] {
  const lines: FailureLine[] = [];
  for (const raw of text.split("\n")) {
    if (!raw) continue;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      continue;
    }
    const line = FailureLine.safeParse(json);
    if (line.success) lines.push(line.data);
  }
  return lines;
}
