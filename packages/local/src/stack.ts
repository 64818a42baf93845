/**
 * The local stack as a library: the embedded engine, the tables, the two stream runners (the
 * aggregator, and the stream log that fills the inspector's StreamLog table), and the Next.js
 * server. `npm run dev` (dev.ts) is a thin command around it; tests,
 * e2e and benchmarks start the parts they need from here.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { dynamo } from "@streamboard/core/infra";
import { describeRecordProblem, FAILURES_DIR_ENV } from "@streamboard/core/ops";
import { localResourceEnvironment, tableName } from "@streamboard/core/infra";
import { LOG_RUNNER_DIR, RUNNER_STATUS_ENV } from "@streamboard/core/ops";
import { aggregatorSubscription } from "@streamboard/core/aggregator";
import { streamLogSubscription } from "@streamboard/core/stream";
import { ensureTables, outdatedTables } from "./bootstrap.ts";
import { UserError } from "./cli.ts";
import { DataDirInUseError, lockDataDir } from "./data-dir-lock.ts";
import { startLocalEngine, type LocalEngine } from "./engine/index.ts";
import { childEnv } from "./env.ts";
import {
  startStatusFile,
  startStreamRunner,
  STATUS_FILE,
  type RunnerLogger,
  type StreamHandler,
  type StreamRunner,
  type StreamRunnerOptions,
  type StreamSubscription,
} from "./runner/index.ts";

export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const TOKEN_FILE = "operator-token";
/** The stream log runner's checkpoints, failures and status, under the runner dir (core/ops reads its status there). */
export { LOG_RUNNER_DIR };

/** A runner logger whose lines start with `prefix` (over the console by default). */
function prefixed(prefix: string, logger: RunnerLogger | undefined): RunnerLogger {
  return {
    info: (message) => (logger ? logger.info(prefix + message) : console.log(prefix + message)),
    warn: (message) => (logger ? logger.warn(prefix + message) : console.warn(prefix + message)),
    error: (message, error) =>
      logger
        ? logger.error(prefix + message, error)
        : error === undefined
          ? console.error(prefix + message)
          : console.error(prefix + message, error),
  };
}

function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(
    keys.filter((k) => from[k] !== undefined).map((k) => [k, from[k]]),
  ) as Pick<T, K>;
}

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
  /**
   * Anything else for the aggregator's runner (poll interval, logger, onBatch…). The stream log's
   * runner shares its clock, logger, discovery and backoff intervals, nothing else (it polls at
   * the runner's default, 5 times a second per shard, roughly as Lambda does).
   */
  runner?: Partial<Omit<StreamRunnerOptions, "tableName" | "handler" | "settings">>;
  /**
   * The stream log's handler. Default: the stream log function from @streamboard/functions;
   * `null`: no stream log runner (a test that wants the aggregator alone on the stream).
   */
  logHandler?: StreamHandler | null;
  /** Progress lines. Default: none. */
  log?: (line: string) => void;
  /**
   * Milliseconds since the epoch for the engine (record times, iterator expiry, trimming) and
   * the runner (record ages); tests pass one they control. Default: `Date.now`.
   */
  clock?: () => number;
  /** The engine's region in ARNs (default us-east-1); `npm run dev` passes AWS_REGION. */
  region?: string;
}

export interface LocalStack {
  /** The DynamoDB + DynamoDB Streams endpoint everything talks to. */
  endpoint: string;
  /** The embedded engine, unless `endpoint` pointed elsewhere. */
  engine: LocalEngine | undefined;
  /** The aggregator's runner. */
  runner: StreamRunner;
  /**
   * The stream log's runner: the stream's second reader, with `streamLogSubscription`, its own
   * checkpoints, failures and status in `<runnerDir>/stream-log/`. Undefined with `logHandler: null`.
   */
  logRunner: StreamRunner | undefined;
  /** Resolves once both runners have caught up with everything written before the call. */
  idle(): Promise<void>;
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
  /** Stops the runners (after their batches in flight), then the engine (after its requests). */
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
      engine = await startEngine(port, dataDir, options.clock, options.region);
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
    const outdated = await outdatedTables(dynamo());
    if (outdated.length > 0) {
      log(
        `${outdated.join(", ")} is from an older version of the board (its index differs): ` +
          "stop and run `npm run reconcile -- --fix` to rebuild it from the records (or start with a fresh DATA_DIR).",
      );
    }

    // Loaded only when needed: a stack with a test handler does not pull in the aggregator.
    const handler = options.handler ?? (await import("@streamboard/functions/aggregator")).handler;
    const table = tableName("GameScoreRecords");
    log(`Starting the aggregator's stream runner on ${table}…`);
    const runner = startStreamRunner({
      tableName: table,
      handler,
      settings: options.settings ?? aggregatorSubscription,
      // The aggregator only reports which records failed; its decoder says why, for the file.
      explainFailure: describeRecordProblem,
      ...(options.clock ? { clock: options.clock } : {}),
      ...options.runner,
      checkpointDir: runnerDir,
    });
    const statusFile = startStatusFile(runner, runnerDir);

    // The stream's second reader (DynamoDB Streams allows about two per shard; stacks/ says so
    // too). Its files live apart, so the aggregator's checkpoints stay where existing data
    // dirs have them.
    const logHandler =
      options.logHandler === undefined
        ? (await import("@streamboard/functions/stream-log")).handler
        : options.logHandler;
    let logRunner: StreamRunner | undefined;
    let logStatusFile: { stop(): void } | undefined;
    if (logHandler) {
      const logDir = path.join(runnerDir, LOG_RUNNER_DIR);
      fs.mkdirSync(logDir, { recursive: true });
      log(`Starting the stream log runner on ${table}…`);
      const shared = options.runner ?? {};
      logRunner = startStreamRunner({
        tableName: table,
        handler: logHandler,
        settings: streamLogSubscription,
        ...(options.clock ? { clock: options.clock } : {}),
        // Not the aggregator's poll interval: tests poll it fast to see aggregates soon, and a
        // second runner polling as fast takes CPU from the aggregator in the one process.
        // `idle()` wakes both runners anyway.
        ...pick(shared, ["clock", "discoveryIntervalMs", "retryBackoff"]),
        // Its lines say which runner they are of: both read the same table's stream.
        logger: prefixed("[stream log] ", shared.logger),
        checkpointDir: logDir,
      });
      logStatusFile = startStatusFile(logRunner, logDir);
    }

    let stopping: Promise<void> | undefined;
    return {
      endpoint,
      engine,
      runner,
      logRunner,
      idle: async () => {
        await Promise.all([runner.idle(), logRunner?.idle()]);
      },
      dataDir,
      runnerDir,
      env,
      stop() {
        stopping ??= (async () => {
          log("Stopping the stream runners (finishing their batches in flight)…");
          await Promise.all([runner.stop(), logRunner?.stop()]);
          statusFile.stop();
          logStatusFile?.stop();
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

async function startEngine(
  port: number,
  dataDir: string | undefined,
  clock: (() => number) | undefined,
  region: string | undefined,
): Promise<LocalEngine> {
  try {
    return await startLocalEngine({
      port,
      ...(dataDir ? { dataDir: path.join(dataDir, "engine") } : { inMemory: true }),
      ...(clock ? { clock } : {}),
      ...(region ? { region } : {}),
    });
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

// --- the web app ---------------------------------------------------------------------------------

export interface WebServer {
  process: ChildProcess;
  url: string;
  /** Listening on more than the loopback interface (`--host 0.0.0.0`, or a LAN address). */
  exposed: boolean;
  /** Resolves when Next.js has exited, for whatever reason. */
  exited: Promise<void>;
  /** True once the server accepts connections; false if `giveUp` turns true first. */
  ready(giveUp: () => boolean): Promise<boolean>;
  running(): boolean;
  /** SIGTERM (Next.js stops its own workers); SIGKILL if it has not gone after 10 s. */
  stop(): Promise<void>;
}

/** Addresses that mean "every interface". */
const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "[::]"]);
/** This machine only. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * `next dev` or, with `prod`, `next start` (the build must exist) on `host:port`, with the
 * stack's environment. Same process group on purpose: a Ctrl-C, or a test runner killing the
 * group, reaches Next.js too, so it can never outlive its parent.
 *
 * `host` is 127.0.0.1 unless the user asked otherwise (`--host`): Next.js's own default is every
 * interface, which put a dev server (and its operator token's sign-in page) on the network.
 */
export function startWeb(options: {
  port: number;
  host: string;
  prod: boolean;
  /** On top of this process's environment: the stack's, the operator token. */
  env: Record<string, string>;
}): WebServer {
  const mode = options.prod ? "start" : "dev";
  const bin = path.join(ROOT, "node_modules", ".bin", "next");
  const address = options.host.replace(/^\[(.*)\]$/, "$1");
  const child = spawn(bin, [mode, "-p", String(options.port), "-H", address], {
    cwd: ROOT,
    stdio: "inherit",
    // STREAMBOARD_DEV_HOST: next.config.ts lets `next dev` serve its HMR socket to that origin.
    env: childEnv({
      ...options.env,
      PORT: String(options.port),
      STREAMBOARD_DEV_HOST: options.host,
    }),
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const running = () =>
    child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  const wildcard = WILDCARD_HOSTS.has(options.host);
  const local = wildcard || LOOPBACK_HOSTS.has(options.host);
  // The URL printed and probed: localhost while this machine can reach it there.
  const urlHost = local ? "localhost" : address.includes(":") ? `[${address}]` : address;
  return {
    process: child,
    url: `http://${urlHost}:${options.port}`,
    exposed: !LOOPBACK_HOSTS.has(options.host),
    exited,
    ready: (giveUp) => waitForPort(options.port, wildcard ? "127.0.0.1" : address, giveUp),
    running,
    stop: () => stopChild(child, exited),
  };
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

export function checkPortFree(port: number): Promise<void> {
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
async function waitForPort(port: number, host: string, giveUp: () => boolean): Promise<boolean> {
  while (!giveUp()) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host });
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
