/**
 * `npm run dev` / `npm start`: the local stack (stack.ts: the embedded engine, the tables, the
 * stream runners of the aggregator and the stream log, and Next.js) as one command that one Ctrl-C stops.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { serverEnv } from "@streamboard/core/env";
import {
  asUserError,
  EXIT_FAILED,
  processIo,
  runAsMain,
  runCommand,
  UserError,
  type Io,
} from "./cli.ts";
import { localEnv } from "./env.ts";
import { parsePort } from "./operator-cli.ts";
import {
  checkPortFree,
  checkProductionBuild,
  LOG_RUNNER_DIR,
  resolveOperatorToken,
  ROOT,
  startLocalStack,
  startWeb,
  type LocalStack,
  type WebServer,
} from "./stack.ts";

export interface DevOptions {
  port: number;
  /** The web server's interface: 127.0.0.1 unless `--host` says otherwise (0.0.0.0: all). */
  host: string;
  dynamodbPort: number;
  dataDir: string;
  inMemory: boolean;
  prod: boolean;
  help: boolean;
  /** From DYNAMODB_ENDPOINT: use that engine instead of the embedded one. */
  endpoint: string | undefined;
}

export const usage = `usage: npm run dev -- [options]      (npm start: the same with --prod)

  --port N            web port (env PORT, default 3000)
  --host H            web interface (default 127.0.0.1: this machine only; 0.0.0.0: every one)
  --dynamodb-port N   embedded engine port (env DYNAMODB_PORT, default 8000; 0 = any free port)
  --data-dir DIR      engine data and runner checkpoints (env DATA_DIR, default .data)
  --in-memory         keep nothing once stopped (meanwhile the runner's files are in a temp dir)
  --prod              serve the production build (next start) instead of next dev

  env DYNAMODB_ENDPOINT  use that DynamoDB (+ Streams) endpoint, no embedded engine
  env OPERATOR_TOKEN     the operator token (default: generated once, kept in the data dir)`;

/** The flags, over the documented variables (PORT, DYNAMODB_PORT, DATA_DIR, DYNAMODB_ENDPOINT). */
export function parseDevArgs(
  argv: string[],
  source?: Record<string, string | undefined>,
): DevOptions {
  const env = localEnv(source);
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "dynamodb-port": { type: "string" },
        "data-dir": { type: "string" },
        "in-memory": { type: "boolean", default: false },
        prod: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    throw asUserError(error);
  }
  if (values["in-memory"] && values["data-dir"] !== undefined) {
    throw new UserError("--data-dir and --in-memory exclude each other");
  }
  const host = values.host?.trim() ?? "127.0.0.1";
  if (host === "" || /[\s/]/.test(host)) {
    throw new UserError("--host must be an interface address or name, such as 0.0.0.0");
  }
  return {
    port: values.port === undefined ? (env.PORT ?? 3000) : parsePort("--port", values.port, false),
    host,
    dynamodbPort:
      values["dynamodb-port"] === undefined
        ? (env.DYNAMODB_PORT ?? 8000)
        : parsePort("--dynamodb-port", values["dynamodb-port"], true),
    dataDir: values["data-dir"] ?? env.DATA_DIR ?? ".data",
    inMemory: values["in-memory"],
    prod: values.prod,
    help: values.help,
    endpoint: env.DYNAMODB_ENDPOINT,
  };
}

export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runCommand(argv, io, { usage, parse: parseDevArgs, run: dev, prefix: "[dev] " });
}

async function dev(options: DevOptions): Promise<number> {
  const say = (line: string) => console.log(`[dev] ${line}`);

  const state: {
    stack?: LocalStack;
    web?: WebServer;
    startingUp: boolean;
    stopping: boolean;
    /** A signal that came while starting; acted on once the stack is up. */
    stopRequested?: NodeJS.Signals;
    firstSignalAt: number;
  } = { startingUp: true, stopping: false, firstSignalAt: 0 };
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));

  // In order: Next.js (no new requests), the runner (its batch in flight finishes and is
  // checkpointed), the engine (its requests drain).
  const shutdown = async (reason: string, code: number) => {
    if (state.stopping) return;
    state.stopping = true;
    say(`Stopping (${reason})…`);
    try {
      if (state.web?.running()) {
        say("Stopping Next.js…");
        await state.web.stop();
      }
      await state.stack?.stop();
      say("Stopped.");
      resolveDone(code);
    } catch (error) {
      console.error("[dev] Stopping failed:", error);
      resolveDone(EXIT_FAILED);
    }
  };

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (!state.stopping && !state.stopRequested) {
        state.firstSignalAt = Date.now();
        if (state.startingUp) state.stopRequested = signal;
        else void shutdown(signal, 0);
        return;
      }
      // One Ctrl-C can arrive twice (from the terminal, and relayed by npm and tsx); a later
      // one means the user is done waiting.
      if (Date.now() - state.firstSignalAt < 1000) return;
      say("Forced exit: the batch in flight will be delivered again on the next start.");
      if (state.web?.running()) state.web.process.kill("SIGKILL");
      process.exit(130);
    });
  }
  process.on("exit", () => {
    // Never leave Next.js behind, even when this process dies of an error.
    if (state.web?.running()) state.web.process.kill("SIGKILL");
  });

  let stack: LocalStack;
  try {
    if (options.prod) checkProductionBuild(ROOT);
    await checkPortFree(options.port);
    stack = state.stack = await startLocalStack({
      dynamodbPort: options.dynamodbPort,
      dataDir: options.dataDir,
      inMemory: options.inMemory,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      region: serverEnv().AWS_REGION,
      log: say,
    });
  } catch (error) {
    if (error instanceof UserError) throw error;
    console.error("[dev] Starting failed:", error);
    return EXIT_FAILED;
  } finally {
    state.startingUp = false;
  }
  if (state.stopRequested) {
    await shutdown(state.stopRequested, 0);
    return done;
  }

  const { token, source } = resolveOperatorToken(serverEnv().OPERATOR_TOKEN, stack.dataDir);
  say(`Starting Next.js (next ${options.prod ? "start" : "dev"}) on port ${options.port}…`);
  const web = (state.web = startWeb({
    port: options.port,
    host: options.host,
    prod: options.prod,
    env: { ...stack.env, OPERATOR_TOKEN: token },
  }));
  web.process.once("error", (error) => {
    console.error(`[dev] Could not start Next.js: ${error.message}`);
    void shutdown("Next.js did not start", EXIT_FAILED);
  });
  web.process.once("exit", (code, signal) => {
    // A Ctrl-C reaches Next.js and this process at once; if Next.js wins the race, give our
    // own signal handler a moment before calling its exit a crash.
    setTimeout(() => {
      if (state.stopping || state.stopRequested) return;
      say(`Next.js exited (${signal ?? `code ${code}`}); stopping the rest.`);
      void shutdown("Next.js exited", code ? code : EXIT_FAILED);
    }, 250);
  });

  if (await web.ready(() => state.stopping)) {
    const url = web.url;
    const lines = [
      "",
      `Streamboard is running${options.prod ? " (production build)" : ""}`,
      `  App:              ${url}`,
      ...(web.exposed
        ? [`                    listening on ${options.host}: other machines can reach it too`]
        : []),
      `  Stream inspector: ${url}/inspector`,
      `  Operator token:   ${token}${source === "env" ? "  (from OPERATOR_TOKEN)" : ""}`,
      `                    Authorization: Bearer <token>, or sign in at ${url}/login`,
      `  DynamoDB:         ${stack.endpoint}${stack.engine ? "  (embedded engine)" : ""}`,
      `  Data:             ${stack.dataDir ?? "in memory (gone on exit)"}`,
      `  Stream runners:   ${"aggregator → GameScoresByUser".padEnd(31)}${stack.runnerDir}  (failures.jsonl, status.json)`,
      ...(stack.logRunner
        ? [
            `                    ${"stream log → StreamLog".padEnd(31)}${path.join(stack.runnerDir, LOG_RUNNER_DIR)}`,
          ]
        : []),
      `                    npm run replay -- --since 1h · npm run reconcile [-- --fix]`,
      "Press Ctrl-C to stop.",
      "",
    ];
    console.log(lines.join("\n"));
  }
  return done;
}

await runAsMain(import.meta.url, main);
