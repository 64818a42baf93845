/*
 * A Lambda function run from its built bundle, offline: what the artifact tests
 * (`*.artifact.test.ts`, `npm run test:aws`) invoke instead of AWS.
 *
 * Each function is one child process (lambda-host.mjs, under plain `node`) with the environment
 * Lambda gives a function (`AWS_LAMBDA_FUNCTION_NAME`, `AWS_REGION`, `LAMBDA_TASK_ROOT`, `_HANDLER`,
 * credentials) plus what SST sets on it (the `SST_RESOURCE_*` links, its `environment`), and its
 * working directory at the task root. The module is loaded once and invoked warm, event after
 * event, as an execution environment is. Everything the function prints is kept, and every
 * connection it tries, so a test can say "it logged no error and reached no host but the engine".
 *
 * It is not the Lambda runtime: no freeze between invocations, no memory limit, Node as this
 * machine has it (docs/deploy.md says which runtime AWS runs).
 */
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HOST = path.join(path.dirname(fileURLToPath(import.meta.url)), "lambda-host.mjs");

/** A TCP connection the function tried: the host (name or address) and port it asked for. */
export type Connection = { host: string; port: number | null };

export type LambdaOptions = {
  /** The function's name (`AWS_LAMBDA_FUNCTION_NAME`), for its logs and context. */
  name: string;
  /** The unzipped bundle: what Lambda would have in /var/task. */
  taskRoot: string;
  /** `file.export`, as in the function's configuration; default `index.handler`. */
  handler?: string;
  /** The function's own variables (SST's `environment` and links). */
  environment?: Record<string, string>;
  region?: string;
  memoryMb?: number;
  /** Per invocation, as the function's timeout: past it, `invoke` rejects. Default 30 s. */
  timeoutMs?: number;
};

export type Invocation<R> = { result: R; logs: string };

export type LambdaFunction = {
  /** Sends one event; resolves with the handler's result (or rejects with its error). */
  invoke<E, R = unknown>(event: E): Promise<R>;
  /** Like `invoke`, with what the function printed during this invocation. */
  invokeWithLogs<E, R = unknown>(event: E): Promise<Invocation<R>>;
  /** Everything the function printed so far (stdout and stderr, interleaved). */
  logs(): string;
  /** Every connection the function tried so far. */
  connections(): Connection[];
  /** How long the cold start (importing the module) took. */
  initMs(): Promise<number>;
  /** Each invocation's duration so far, in ms (as this machine ran it: not Lambda's billed ms). */
  durations(): number[];
  stop(): Promise<void>;
};

type Pending = {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  started: number;
};

/** Starts one execution environment of a function and loads its module (the cold start). */
export function startLambda(options: LambdaOptions): LambdaFunction {
  const region = options.region ?? "us-east-1";
  const timeoutMs = options.timeoutMs ?? 30_000;
  const env: Record<string, string> = {
    // What the Node.js managed runtime sets (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    LAMBDA_TASK_ROOT: options.taskRoot,
    LAMBDA_RUNTIME_DIR: options.taskRoot,
    _HANDLER: options.handler ?? "index.handler",
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs",
    AWS_LAMBDA_FUNCTION_NAME: options.name,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb ?? 1024),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${options.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: "2026/12/02/[$LATEST]artifact-test",
    // The execution role's temporary credentials (any will do for the engine).
    AWS_ACCESS_KEY_ID: "ASIAARTIFACTTEST",
    AWS_SECRET_ACCESS_KEY: "artifact-test-secret",
    AWS_SESSION_TOKEN: "artifact-test-session",
    NODE_OPTIONS: "",
    ...options.environment,
  };
  const child: ChildProcess = fork(HOST, [], {
    cwd: options.taskRoot,
    // Only these: nothing of this process's environment (its DYNAMODB_ENDPOINT, its links) leaks in.
    env: env as NodeJS.ProcessEnv,
    execArgv: [],
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });

  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));

  const connections: Connection[] = [];
  const pending = new Map<number, Pending>();
  const durations: number[] = [];
  let nextId = 1;
  let exited: Error | undefined;
  let resolveInit!: (ms: number) => void;
  let rejectInit!: (error: Error) => void;
  const init = new Promise<number>((resolve, reject) => {
    resolveInit = resolve;
    rejectInit = reject;
  });
  init.catch(() => {});

  child.on("message", (message: HostMessage) => {
    if (message.type === "connection") connections.push(message);
    else if (message.type === "ready") resolveInit(message.initMs);
    else if (message.type === "init-error") rejectInit(toError(message.error, output));
    else if (message.type === "result") {
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      clearTimeout(waiting.timer);
      durations.push(performance.now() - waiting.started);
      if (message.error) waiting.reject(toError(message.error, output));
      else waiting.resolve(message.result);
    }
  });
  child.on("exit", (code, signal) => {
    exited = new Error(
      `${options.name} exited (${signal ?? `code ${code}`}) — its output:\n${output}`,
    );
    rejectInit(exited);
    for (const waiting of pending.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(exited);
    }
    pending.clear();
  });

  async function invoke<E, R>(event: E): Promise<R> {
    if (exited) throw exited;
    await init;
    const id = nextId++;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${options.name} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (value) => resolve(value as R),
        reject,
        timer,
        started: performance.now(),
      });
      child.send({ id, event, timeoutMs });
    });
  }

  return {
    invoke,
    async invokeWithLogs<E, R>(event: E) {
      await init;
      const from = output.length;
      const result = await invoke<E, R>(event);
      // Let the last lines of this invocation's output arrive over the pipe.
      await new Promise((resolve) => setImmediate(resolve));
      return { result, logs: output.slice(from) };
    },
    logs: () => output,
    connections: () => [...connections],
    initMs: () => init,
    durations: () => [...durations],
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });
    },
  };
}

type HostMessage =
  | ({ type: "connection" } & Connection)
  | { type: "ready"; initMs: number }
  | { type: "init-error"; error: HostError }
  | { type: "result"; id: number; result?: unknown; error?: HostError };

type HostError = { errorType: string; errorMessage: string; stack?: string };

function toError(error: HostError, output: string): Error {
  const e = new Error(`${error.errorType}: ${error.errorMessage}`);
  e.name = error.errorType;
  if (error.stack) e.stack = `${error.stack}\n--- function output ---\n${output.slice(-4000)}`;
  return e;
}
