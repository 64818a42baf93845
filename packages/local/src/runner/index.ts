export { startStreamRunner } from "./stream-runner.ts";
export { readFailures, FAILURES_FILE, type FailureLine } from "./checkpoints.ts";
export { startStatusFile, STATUS_FILE } from "./status-file.ts";
export type {
  BatchInfo,
  BatchOutcome,
  RunnerLogger,
  ShardStatus,
  StreamHandler,
  StreamRunner,
  StreamRunnerOptions,
  StreamRunnerStatus,
  StreamSubscription,
} from "./types.ts";
