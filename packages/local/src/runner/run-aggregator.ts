/**
 * The aggregator's stream runner alone, in a process of its own: what `npm run dev` runs inside
 * its process, for tests that `kill -9` it at random moments, and for an engine run apart
 * (`npm run engine`). Aggregator only: the stream log's runner (stack.ts) is not started here,
 * since what these tests kill and check is the aggregator's exactly-once; the stream log is
 * idempotent by eventID and has its own tests (core/stream/log-writer.engine.test.ts).
 *
 *   DYNAMODB_ENDPOINT=http://127.0.0.1:8000 \
 *     node --import tsx packages/local/src/runner/run-aggregator.ts --checkpoint-dir DIR
 *
 * Same settings, handler and on-failure file as the dev command. SIGINT/SIGTERM stop it cleanly
 * (the batch in flight finishes and is checkpointed). Spawned with an IPC channel, it sends
 * `{type:"ready"}` once started, answers `{type:"idle"}` with `{type:"idle"}` once it has caught
 * up with everything written before the question, and stops when its parent goes away. With
 * `--announce-invocations` it also sends `{type:"invoke", records}` as each batch goes to the
 * aggregator, so a test can kill it in the middle of one.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { serverEnv } from "@streamboard/core/env";
import { describeRecordProblem } from "@streamboard/core/ops";
import { localResourceEnvironment, tableName } from "@streamboard/core/infra";
import { aggregatorSubscription } from "@streamboard/core/aggregator";
import { handler } from "@streamboard/functions/aggregator";
import { asUserError, processIo, runAsMain, runCommand, UserError } from "../cli.ts";
import { startStatusFile } from "./status-file.ts";
import { startStreamRunner } from "./stream-runner.ts";

const usage = `usage: DYNAMODB_ENDPOINT=<url> node --import tsx packages/local/src/runner/run-aggregator.ts \\
         --checkpoint-dir DIR [--poll-interval-ms N] [--announce-invocations]`;

function parseRunnerArgs(argv: string[]) {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        "checkpoint-dir": { type: "string" },
        "poll-interval-ms": { type: "string" },
        "announce-invocations": { type: "boolean", default: false },
      },
    }).values;
  } catch (error) {
    throw asUserError(error);
  }
  const dir = values["checkpoint-dir"];
  if (!dir) throw new UserError("--checkpoint-dir is required");
  const poll = Number(values["poll-interval-ms"] ?? "200");
  if (!Number.isInteger(poll) || poll < 1) {
    throw new UserError("--poll-interval-ms must be a positive integer");
  }
  return { dir, poll, announce: values["announce-invocations"], help: false };
}

function run({ dir, poll, announce }: ReturnType<typeof parseRunnerArgs>): Promise<number> {
  if (!serverEnv().DYNAMODB_ENDPOINT) throw new UserError("DYNAMODB_ENDPOINT is required");
  for (const [name, value] of Object.entries(localResourceEnvironment())) {
    process.env[name] ??= value;
  }
  const announcing = announce && process.send !== undefined;
  const runner = startStreamRunner({
    tableName: tableName("GameScoreRecords"),
    handler: announcing
      ? (event) => {
          process.send?.({ type: "invoke", records: event.Records.length });
          return handler(event);
        }
      : handler,
    settings: aggregatorSubscription,
    checkpointDir: path.resolve(dir),
    pollIntervalMs: poll,
    explainFailure: describeRecordProblem,
  });
  const statusFile = startStatusFile(runner, path.resolve(dir));

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      void runner.stop().then(() => {
        statusFile.stop();
        resolve(0);
      });
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);

    if (process.send) {
      process.on("message", (message: { type?: string }) => {
        if (message?.type === "idle") {
          void runner.idle().then(() => process.send?.({ type: "idle" }));
        }
      });
      process.on("disconnect", stop);
      process.send({ type: "ready" });
    }
  });
}

await runAsMain(import.meta.url, (argv) =>
  runCommand(argv, processIo, { usage, parse: parseRunnerArgs, run }),
);
