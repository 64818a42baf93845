import path from "node:path";
import type { RunnerStatusFile } from "@streamboard/core/ops";
import { writeFileAtomically } from "../atomic-file.ts";
import { readFailures } from "./checkpoints.ts";
import type { StreamRunner } from "./types.ts";

export const STATUS_FILE = "status.json";

/**
 * Rewrites `<dir>/status.json` every `intervalMs` (and once more, `running: false`, on stop) with
 * what an operator wants from the runner: its lag, its last batch and the failure count. Core's
 * `getRunnerStatus` reads it for the web app, which runs in another process. Each write replaces
 * the file whole (temporary file, rename), so a reader never sees half of one.
 */
export function startStatusFile(
  runner: StreamRunner,
  dir: string,
  intervalMs = 1000,
): { file: string; stop(): void } {
  const file = path.join(dir, STATUS_FILE);
  // The failures file outlives runs; this runner adds `totals.failed` to what it found.
  const failuresBefore = readFailures(dir).length;
  const write = () => {
    try {
      writeFileAtomically(file, JSON.stringify(toStatusFile(runner, failuresBefore), null, 2));
    } catch (error) {
      console.error(`[runner] could not write ${file}`, error);
    }
  };
  write();
  const timer = setInterval(write, intervalMs);
  timer.unref();
  return {
    file,
    stop() {
      clearInterval(timer);
      write();
    },
  };
}

export function toStatusFile(runner: StreamRunner, failuresBefore: number): RunnerStatusFile {
  const status = runner.status();
  const last = status.lastBatch;
  return {
    version: 1,
    updatedAt: new Date().toISOString(),
    running: status.running,
    iteratorAgeMs: status.iteratorAgeMs,
    pending: status.shards.reduce((sum, shard) => sum + shard.pending, 0),
    ...(last
      ? {
          lastBatch: {
            time: last.time,
            records: last.records,
            outcome: last.outcome,
            attempt: last.attempt,
            durationMs: last.durationMs,
            ...(last.error !== undefined ? { error: last.error } : {}),
          },
        }
      : {}),
    failures: failuresBefore + status.totals.failed,
    totals: {
      invocations: status.totals.invocations,
      delivered: status.totals.delivered,
      failed: status.totals.failed,
    },
  };
}
