import { z } from "zod";

/*
 * GET /api/health, and the local stream runner's status file it reports on. Locally the runner
 * (packages/local/src/runner/status-file.ts) rewrites the file every second and the web process
 * reads it (`getRunnerStatus` in `@streamboard/core/ops`); on AWS there is none.
 */

/** The runner's last batch: how it went, on which attempt. */
export const RunnerBatch = z.object({
  time: z.string(),
  records: z.number(),
  outcome: z.enum(["success", "partial_failure", "error"]),
  attempt: z.number(),
  durationMs: z.number(),
  error: z.string().optional(),
});
export type RunnerBatch = z.infer<typeof RunnerBatch>;

/** The status file as the runner writes it (packages/local/src/runner/status-file.ts). */
export const RunnerStatusFile = z.object({
  version: z.literal(1),
  /** When the runner wrote this (ISO-8601). */
  updatedAt: z.string(),
  /** False once the runner has stopped (its last write). */
  running: z.boolean(),
  /** How old the last record handled was when its batch returned, over the shards being read. */
  iteratorAgeMs: z.number(),
  /** Records read but not yet checkpointed (in flight, being retried, or waiting for a batch). */
  pending: z.number(),
  lastBatch: RunnerBatch.optional(),
  /** Entries in the on-failure destination (`failures.jsonl`), all runs included. */
  failures: z.number(),
  /** Since this runner started. */
  totals: z.object({ invocations: z.number(), delivered: z.number(), failed: z.number() }),
});
export type RunnerStatusFile = z.infer<typeof RunnerStatusFile>;

/** The status file as read. */
export const RunnerStatus = RunnerStatusFile.extend({
  /** Not rewritten for 5 s: the runner was killed or is stuck; the figures are its last word. */
  stale: z.boolean(),
});
export type RunnerStatus = z.infer<typeof RunnerStatus>;

/** The stream runner as GET /api/health reports it. */
export const RunnerHealth = RunnerStatus.omit({ version: true, lastBatch: true }).extend({
  lastBatch: RunnerBatch.nullable(),
});
export type RunnerHealth = z.infer<typeof RunnerHealth>;

/** GET /api/health when the database answers (else a 503 `unavailable` ApiErrorBody). */
export const HealthResponse = z.object({
  status: z.literal("ok"),
  /** Each table's status, e.g. `ACTIVE`. */
  tables: z.record(z.string(), z.string()),
  time: z.string(),
  /** null where there is no local runner (on AWS the lag is the aggregator's `IteratorAge`). */
  runner: RunnerHealth.nullable(),
  /**
   * The stream log's runner, the stream's second reader (null where there is none: on AWS its
   * lag is the stream log function's `IteratorAge`). Optional: older servers do not send it.
   */
  logRunner: RunnerHealth.nullable().optional(),
});
export type HealthResponse = z.infer<typeof HealthResponse>;
