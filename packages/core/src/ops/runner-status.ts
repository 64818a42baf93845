import fs from "node:fs/promises";
import { z } from "zod";
import { serverEnv } from "../env/server.ts";

/*
 * How far behind the aggregator is, for the operator's view. Locally the stream runner (the dev
 * command's, or `run-aggregator`) rewrites a small JSON file every second and the dev command
 * names it in `STREAMBOARD_RUNNER_STATUS`. On AWS there is no such file: the lag is the Lambda
 * metric `IteratorAge` of the aggregator function (CloudWatch), and failures are counted by the
 * on-failure queue, so `getRunnerStatus` returns undefined there.
 */

/** Where the dev command tells the web process to find the runner's status file. */
export const RUNNER_STATUS_ENV = "STREAMBOARD_RUNNER_STATUS";
/** The runner rewrites the file every second; a file older than this means it is not running. */
const STALE_AFTER_MS = 5000;

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
  lastBatch: z
    .object({
      time: z.string(),
      records: z.number(),
      outcome: z.enum(["success", "partial_failure", "error"]),
      attempt: z.number(),
      durationMs: z.number(),
      error: z.string().optional(),
    })
    .optional(),
  /** Entries in the on-failure destination (`failures.jsonl`), all runs included. */
  failures: z.number(),
  /** Since this runner started. */
  totals: z.object({ invocations: z.number(), delivered: z.number(), failed: z.number() }),
});
export type RunnerStatusFile = z.infer<typeof RunnerStatusFile>;

export type RunnerStatus = RunnerStatusFile & {
  /** Not rewritten for 5 s: the runner was killed or is stuck; the figures are its last word. */
  stale: boolean;
};

/** The local runner's status, or undefined on AWS (see CloudWatch `IteratorAge`) or before the first write. */
export async function getRunnerStatus(now = Date.now()): Promise<RunnerStatus | undefined> {
  const file = serverEnv()[RUNNER_STATUS_ENV];
  if (!file) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, "utf8"));
  } catch (error) {
    // Not written yet; the file is replaced whole (rename), so it is never read half-written.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const parsed = RunnerStatusFile.safeParse(json);
  if (!parsed.success) {
    console.error(`[runner-status] ${file} is not a runner status file`, parsed.error.issues);
    return undefined;
  }
  const age = now - Date.parse(parsed.data.updatedAt);
  return { ...parsed.data, stale: parsed.data.running && !(age <= STALE_AFTER_MS) };
}
