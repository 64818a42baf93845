import fs from "node:fs/promises";
import path from "node:path";
import { RunnerStatusFile, type RunnerStatus } from "../contract/health.ts";
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

export { RunnerStatusFile, type RunnerStatus } from "../contract/health.ts";

/**
 * Which runner: the aggregator's (its file is the one named in the environment), or the stream
 * log's, whose file the local stack keeps in `stream-log/` beside it (packages/local/src/stack.ts).
 */
export type RunnerName = "aggregator" | "stream-log";
export const LOG_RUNNER_DIR = "stream-log";

/** The local runner's status, or undefined on AWS (see CloudWatch `IteratorAge`) or before the first write. */
export async function getRunnerStatus(
  now = Date.now(),
  runner: RunnerName = "aggregator",
): Promise<RunnerStatus | undefined> {
  const aggregatorFile = serverEnv()[RUNNER_STATUS_ENV];
  if (!aggregatorFile) return undefined;
  const file =
    runner === "aggregator"
      ? aggregatorFile
      : path.join(path.dirname(aggregatorFile), LOG_RUNNER_DIR, path.basename(aggregatorFile));
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
