// The child process of `startLambda` (lambda.ts): one Lambda execution environment, as the
// Node.js managed runtime runs a function. Plain JavaScript, run by plain `node` (no tsx loader),
// so a bundle resolves and loads here exactly as it would from /var/task.
//
// - Its environment and working directory are the function's (`LAMBDA_TASK_ROOT`), set by the
//   parent; the handler string `file.export` is resolved against the task root, `.mjs` first,
//   then `.js` and `.cjs`, as the runtime does.
// - The module is imported once (the cold start; its top-level await included) and the handler
//   is then invoked once per message, warm, with a Lambda-shaped context object.
// - Every outgoing connection the function tries is reported to the parent: which host and port,
//   resolved or not. On Lambda, a call to S3 or another service the function was not meant to
//   call costs money or fails; here it is caught by the test.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";

const send = (message) => process.send?.(message);

// Every outgoing TCP connection (http, https, the SDK's, fetch's undici) goes through
// net.Socket#connect, whatever module made the socket: report where it was asked to go before
// the name is even looked up, so one that never resolves (S3 here, offline) is reported too.
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const [first, second] = args;
  // Node calls it with its normalised [options, callback] array, or (port, host), or (options).
  const options = Array.isArray(first) ? first[0] : typeof first === "object" ? first : undefined;
  const host = options ? options.host : typeof second === "string" ? second : undefined;
  const port = options ? options.port : first;
  if (!options?.path) {
    send({ type: "connection", host: host ?? "localhost", port: Number(port) || null });
  }
  return connect.apply(this, args);
};

const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
const handlerSpec = process.env._HANDLER ?? "index.handler";

async function loadHandler() {
  const dot = handlerSpec.lastIndexOf(".");
  const file = handlerSpec.slice(0, dot);
  const name = handlerSpec.slice(dot + 1);
  const candidates = [".mjs", ".js", ".cjs"].map((ext) => path.join(taskRoot, file + ext));
  const modulePath = candidates.find((p) => fs.existsSync(p));
  if (!modulePath)
    throw new Error(`Runtime.ImportModuleError: no ${file}.mjs/.js/.cjs in ${taskRoot}`);
  const module = await import(pathToFileURL(modulePath).href);
  const handler = module[name] ?? module.default?.[name];
  if (typeof handler !== "function") {
    throw new Error(
      `Runtime.HandlerNotFound: ${path.basename(modulePath)}.${name} is not a function`,
    );
  }
  return handler;
}

function contextFor(requestId, deadline) {
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? "function";
  const region = process.env.AWS_REGION ?? "us-east-1";
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION ?? "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:123456789012:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? "128",
    awsRequestId: requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME ?? `/aws/lambda/${functionName}`,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
}

const started = performance.now();
const ready = loadHandler();
ready.then(
  () => send({ type: "ready", initMs: performance.now() - started }),
  (error) => send({ type: "init-error", error: describe(error) }),
);

process.on("message", async ({ id, event, timeoutMs }) => {
  try {
    const handler = await ready;
    const context = contextFor(`req-${id}`, Date.now() + timeoutMs);
    const result = await handler(event, context);
    send({ type: "result", id, result: result ?? null });
  } catch (error) {
    send({ type: "result", id, error: describe(error) });
  }
});

function describe(error) {
  return error instanceof Error
    ? { errorType: error.name, errorMessage: error.message, stack: error.stack }
    : { errorType: "Error", errorMessage: String(error) };
}
