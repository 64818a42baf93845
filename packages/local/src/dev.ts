/**
 * `npm run dev` / `npm start`: the embedded engine, the tables, the stream runner with the
 * aggregator, and Next.js, as one command that one Ctrl-C stops.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { dynamo } from "@streamboard/core/infra";
import { describeRecordProblem, FAILURES_DIR_ENV } from "@streamboard/core/ops";
import { localResourceEnvironment, tableName } from "@streamboard/core/infra";
import { RUNNER_STATUS_ENV } from "@streamboard/core/ops";
import { aggregatorSubscription } from "@streamboard/core/aggregator";
import { ensureTables } from "./bootstrap.ts";
import { DataDirInUseError, lockDataDir } from "./data-dir-lock.ts";
import { startLocalEngine, type LocalEngine } from "./engine/index.ts";
import {
  startStatusFile,
  startStreamRunner,
  STATUS_FILE,
  type StreamHandler,
  type StreamRunner,
  type StreamRunnerOptions,
  type StreamSubscription,
} from "./runner/index.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const TOKEN_FILE = "operator-token";

// --- the stack without Next.js: engine, tables, runner (also for integration and e2e tests) -----

export interface LocalStackOptions {
  /** Port of the embedded engine; 0 picks a free one. Default 8000. */
  dynamodbPort?: number;
  /** Engine files (`<dataDir>/engine`) and runner checkpoints (`<dataDir>/runner`). */
  dataDir?: string;
  /** Keep everything in memory (the engine's tables and the runner's checkpoints). */
  inMemory?: boolean;
  /** Use this DynamoDB (+ Streams) endpoint instead of starting the embedded engine. */
  endpoint?: string;
  /** Default: the aggregator from @streamboard/functions. */
  handler?: StreamHandler;
  /** Default: the aggregator's subscription, as deployed. */
  settings?: StreamSubscription;
  /** Anything else for the runner (poll interval, logger, onBatch…). */
  runner?: Partial<Omit<StreamRunnerOptions, "tableName" | "handler" | "settings">>;
  /** Progress lines. Default: none. */
  log?: (line: string) => void;
}

export interface LocalStack {
  /** The DynamoDB + DynamoDB Streams endpoint everything talks to. */
  endpoint: string;
  /** The embedded engine, unless `endpoint` pointed elsewhere. */
  engine: LocalEngine | undefined;
  runner: StreamRunner;
  /** Absolute data directory, or undefined in memory. */
  dataDir: string | undefined;
  /**
   * The runner's checkpoints, `failures.jsonl` (its on-failure destination) and `status.json`:
   * `<dataDir>/runner`, or in memory a temporary directory removed on stop.
   */
  runnerDir: string;
  /**
   * What a process needs to use this stack: `DYNAMODB_ENDPOINT`, the `SST_RESOURCE_*` links, and
   * where the runner's failures and status are (`STREAMBOARD_FAILURES_DIR`,
   * `STREAMBOARD_RUNNER_STATUS`).
   */
  env: Record<string, string>;
  /** Stops the runner (after its batch in flight), then the engine (after its requests). */
  stop(): Promise<void>;
}

/**
 * Starts the engine (or uses `endpoint`), creates the tables where missing, and starts the
 * runner on GameScoreRecords. Points this process at the stack (`DYNAMODB_ENDPOINT`,
 * `SST_RESOURCE_*`), since the handler runs here and reaches its tables through core.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  const dataDir = options.inMemory ? undefined : path.resolve(options.dataDir ?? ".data");
  const unlock = dataDir ? lockStackDir(dataDir) : () => {};
  let engine: LocalEngine | undefined;
  // In memory the runner still gets a directory: the web process reads its failures and status
  // from files. A temporary one, so nothing outlives the stack.
  const temporaryRunnerDir =
    options.runner?.checkpointDir === undefined && !dataDir
      ? fs.mkdtempSync(path.join(os.tmpdir(), "streamboard-runner-"))
      : undefined;
  const removeTemporaryRunnerDir = () => {
    if (temporaryRunnerDir) fs.rmSync(temporaryRunnerDir, { recursive: true, force: true });
  };
  try {
    let endpoint = options.endpoint;
    if (!endpoint) {
      const port = options.dynamodbPort ?? 8000;
      log(`Starting the DynamoDB engine (dynalite + streams) on port ${port}…`);
      engine = await startEngine(port, dataDir);
      endpoint = engine.endpoint;
    } else {
      log(`Using the DynamoDB endpoint ${endpoint}…`);
    }

    const runnerDir =
      options.runner?.checkpointDir ?? temporaryRunnerDir ?? path.join(dataDir!, "runner");
    const env = {
      DYNAMODB_ENDPOINT: endpoint,
      ...localResourceEnvironment(),
      [FAILURES_DIR_ENV]: runnerDir,
      [RUNNER_STATUS_ENV]: path.join(runnerDir, STATUS_FILE),
    };
    Object.assign(process.env, env);
    log("Creating the tables where missing…");
    await ensureTables(dynamo());

    // Loaded only when needed: a stack with a test handler does not pull in the aggregator.
    const handler = options.handler ?? (await import("@streamboard/functions/aggregator")).handler;
    const table = tableName("GameScoreRecords");
    log(`Starting the stream runner on ${table}…`);
    const runner = startStreamRunner({
      tableName: table,
      handler,
      settings: options.settings ?? aggregatorSubscription,
      // The aggregator only reports which records failed; its decoder says why, for the file.
      explainFailure: describeRecordProblem,
      ...options.runner,
      checkpointDir: runnerDir,
    });
    const statusFile = startStatusFile(runner, runnerDir);

    let stopping: Promise<void> | undefined;
    return {
      endpoint,
      engine,
      runner,
      dataDir,
      runnerDir,
      env,
      stop() {
        stopping ??= (async () => {
          log("Stopping the stream runner (finishing its batch in flight)…");
          await runner.stop();
          statusFile.stop();
          if (engine) {
            log("Stopping the DynamoDB engine…");
            await engine.close();
          }
          removeTemporaryRunnerDir();
          unlock();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await engine?.close();
    removeTemporaryRunnerDir();
    unlock();
    throw error;
  }
}

async function startEngine(port: number, dataDir: string | undefined): Promise<LocalEngine> {
  try {
    return await startLocalEngine(
      dataDir ? { port, dataDir: path.join(dataDir, "engine") } : { port, inMemory: true },
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new UserError(
        `Port ${port} is in use. Stop what uses it, or pick another with --dynamodb-port ` +
          `(DYNAMODB_PORT; 0 = any free port).`,
      );
    }
    throw error;
  }
}

// --- options, token ------------------------------------------------------------------------------

export interface DevOptions {
  port: number;
  dynamodbPort: number;
  dataDir: string;
  inMemory: boolean;
  prod: boolean;
  help: boolean;
  /** From DYNAMODB_ENDPOINT: use that engine instead of the embedded one. */
  endpoint: string | undefined;
}

/** A problem the user can fix; printed without a stack. */
/** One stack per data dir, whether or not it runs the engine (the runner's checkpoints too). */
function lockStackDir(dir: string): () => void {
  try {
    return lockDataDir(
      dir,
      "dev.pid",
      " (another `npm run dev`?). Stop it, or use another --data-dir",
    );
  } catch (error) {
    throw error instanceof DataDirInUseError ? new UserError(error.message) : error;
  }
}

export class UserError extends Error {
  override name = "UserError";
}

export const usage = `usage: npm run dev -- [options]      (npm start: the same with --prod)

  --port N            web port (env PORT, default 3000)
  --dynamodb-port N   embedded engine port (env DYNAMODB_PORT, default 8000; 0 = any free port)
  --data-dir DIR      engine data and runner checkpoints (env DATA_DIR, default .data)
  --in-memory         keep nothing once stopped (meanwhile the runner's files are in a temp dir)
  --prod              serve the production build (next start) instead of next dev

  env DYNAMODB_ENDPOINT  use that DynamoDB (+ Streams) endpoint, no embedded engine
  env OPERATOR_TOKEN     the operator token (default: generated once, kept in the data dir)`;

export function parseDevArgs(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): DevOptions {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        port: { type: "string" },
        "dynamodb-port": { type: "string" },
        "data-dir": { type: "string" },
        "in-memory": { type: "boolean", default: false },
        prod: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  if (values["in-memory"] && values["data-dir"] !== undefined) {
    throw new UserError("--data-dir and --in-memory exclude each other");
  }
  return {
    port: parsePort("--port", values.port ?? env.PORT ?? "3000", false),
    dynamodbPort: parsePort(
      "--dynamodb-port",
      values["dynamodb-port"] ?? env.DYNAMODB_PORT ?? "8000",
      true,
    ),
    dataDir: values["data-dir"] ?? env.DATA_DIR ?? ".data",
    inMemory: values["in-memory"],
    prod: values.prod,
    help: values.help,
    endpoint: env.DYNAMODB_ENDPOINT || undefined,
  };
}

function parsePort(flag: string, raw: string, allowZero: boolean): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535 || (port === 0 && !allowZero)) {
    throw new UserError(`${flag} must be a port number${allowZero ? " (or 0)" : ""}, got "${raw}"`);
  }
  return port;
}

/**
 * OPERATOR_TOKEN if set; otherwise one generated on the first run and kept in the data dir, so
 * the token (and the operator's session cookie) survive restarts. In memory: a new one each run.
 */
export function resolveOperatorToken(
  fromEnv: string | undefined,
  dataDir: string | undefined,
): { token: string; source: "env" | "data-dir" | "generated" } {
  if (fromEnv) return { token: fromEnv, source: "env" };
  if (!dataDir) return { token: newToken(), source: "generated" };
  const file = path.join(dataDir, TOKEN_FILE);
  const saved = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() : "";
  if (saved) return { token: saved, source: "data-dir" };
  const token = newToken();
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, source: "generated" };
}

const newToken = () => randomBytes(24).toString("base64url");

/** `next start` serves `.next`; without a build it fails late and obscurely, so check first. */
export function checkProductionBuild(root: string): void {
  if (!fs.existsSync(path.join(root, ".next", "BUILD_ID"))) {
    throw new UserError(
      "No production build (.next/BUILD_ID is missing): run `npm run build` first.",
    );
  }
}

// --- the command ---------------------------------------------------------------------------------

async function main(argv: string[]): Promise<number> {
  let options: DevOptions;
  try {
    options = parseDevArgs(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (options.help) {
    console.log(usage);
    return 0;
  }
  const say = (line: string) => console.log(`[dev] ${line}`);

  const state: {
    stack?: LocalStack;
    next?: ChildProcess;
    nextExited?: Promise<void>;
    startingUp: boolean;
    stopping: boolean;
    /** A signal that came while starting; acted on once the stack is up. */
    stopRequested?: NodeJS.Signals;
    firstSignalAt: number;
  } = { startingUp: true, stopping: false, firstSignalAt: 0 };
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  const nextRunning = () =>
    state.next?.pid !== undefined && state.next.exitCode === null && state.next.signalCode === null;

  // In order: Next.js (no new requests), the runner (its batch in flight finishes and is
  // checkpointed), the engine (its requests drain).
  const shutdown = async (reason: string, code: number) => {
    if (state.stopping) return;
    state.stopping = true;
    say(`Stopping (${reason})…`);
    try {
      if (state.next && nextRunning()) {
        say("Stopping Next.js…");
        await stopChild(state.next, state.nextExited!);
      }
      await state.stack?.stop();
      say("Stopped.");
      resolveDone(code);
    } catch (error) {
      console.error("[dev] Stopping failed:", error);
      resolveDone(1);
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
      if (nextRunning()) state.next?.kill("SIGKILL");
      process.exit(130);
    });
  }
  process.on("exit", () => {
    // Never leave Next.js behind, even when this process dies of an error.
    if (nextRunning()) state.next?.kill("SIGKILL");
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
      log: say,
    });
  } catch (error) {
    if (error instanceof UserError) console.error(`[dev] ${error.message}`);
    else console.error("[dev] Starting failed:", error);
    return 1;
  } finally {
    state.startingUp = false;
  }
  if (state.stopRequested) {
    await shutdown(state.stopRequested, 0);
    return done;
  }

  const { token, source } = resolveOperatorToken(process.env.OPERATOR_TOKEN, stack.dataDir);
  const mode = options.prod ? "start" : "dev";
  say(`Starting Next.js (next ${mode}) on port ${options.port}…`);
  const bin = path.join(ROOT, "node_modules", ".bin", "next");
  const next = spawn(bin, [mode, "-p", String(options.port)], {
    cwd: ROOT,
    stdio: "inherit",
    // Same process group on purpose: a Ctrl-C, or a test runner killing the group, reaches
    // Next.js too, so it can never outlive this command.
    env: { ...process.env, ...stack.env, OPERATOR_TOKEN: token, PORT: String(options.port) },
  });
  state.next = next;
  state.nextExited = new Promise<void>((resolve) => next.once("exit", () => resolve()));
  next.once("error", (error) => {
    console.error(`[dev] Could not start Next.js (${bin}): ${error.message}`);
    void shutdown("Next.js did not start", 1);
  });
  next.once("exit", (code, signal) => {
    // A Ctrl-C reaches Next.js and this process at once; if Next.js wins the race, give our
    // own signal handler a moment before calling its exit a crash.
    setTimeout(() => {
      if (state.stopping || state.stopRequested) return;
      say(`Next.js exited (${signal ?? `code ${code}`}); stopping the rest.`);
      void shutdown("Next.js exited", code ? code : 1);
    }, 250);
  });

  const url = `http://localhost:${options.port}`;
  if (await waitForPort(options.port, () => state.stopping)) {
    const lines = [
      "",
      `Streamboard is running${options.prod ? " (production build)" : ""}`,
      `  App:              ${url}`,
      `  Stream inspector: ${url}/inspector`,
      `  Operator token:   ${token}${source === "env" ? "  (from OPERATOR_TOKEN)" : ""}`,
      `                    Authorization: Bearer <token>, or sign in at ${url}/login`,
      `  DynamoDB:         ${stack.endpoint}${stack.engine ? "  (embedded engine)" : ""}`,
      `  Data:             ${stack.dataDir ?? "in memory (gone on exit)"}`,
      `  Stream runner:    ${stack.runnerDir}  (failures.jsonl, status.json)`,
      `                    npm run replay -- --since 1h · npm run reconcile [-- --fix]`,
      "Press Ctrl-C to stop.",
      "",
    ];
    console.log(lines.join("\n"));
  }
  return done;
}

/** SIGTERM to Next.js (it stops its own workers); SIGKILL if it has not gone after 10 s. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  child.kill("SIGTERM");
  const timeout = new Promise<"timeout">((resolve) =>
    setTimeout(() => resolve("timeout"), 10_000).unref(),
  );
  if ((await Promise.race([exited, timeout])) === "timeout") {
    child.kill("SIGKILL");
    await exited;
  }
}

function checkPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new UserError(
              `Port ${port} is in use. Stop what uses it, or pick another with --port (PORT).`,
            )
          : error,
      ),
    );
    server.listen(port, () => server.close(() => resolve()));
  });
}

/** True once something accepts connections on the port; false if `give up` turns true first. */
async function waitForPort(port: number, giveUp: () => boolean): Promise<boolean> {
  while (!giveUp()) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host: "localhost" });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

const invokedDirectly =
  process.argv[1] !== undefined &&
  pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url;
if (invokedDirectly) {
  // Exit explicitly: idle keep-alive sockets of the SDK clients would otherwise hold the process.
  process.exit(await main(process.argv.slice(2)));
}
