/*
 * The artifacts `npm run build:aws` left (scripts/build-aws.ts), as the artifact tests read them:
 * its manifest, and each function ready to start from its folder.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Manifest } from "../../../../scripts/build-aws.ts";
import { streamFunctions, type StreamFunctionId } from "../../../../stacks/functions.ts";
import { startLambda, type LambdaFunction } from "./lambda.ts";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const MANIFEST = path.join(REPO_ROOT, ".aws-build", "manifest.json");

/** The last build's manifest; a clear error when there is none. */
export function readManifest(): Manifest {
  if (!fs.existsSync(MANIFEST)) {
    throw new Error(
      "No AWS build: run `npm run build:aws` first (`npm run test:aws` and `npm test` do).",
    );
  }
  return JSON.parse(fs.readFileSync(MANIFEST, "utf8")) as Manifest;
}

/** MB from SST's "512 MB". */
const megabytes = (memory: string) => Number.parseInt(memory, 10);
/** ms from SST's "30 seconds". */
const milliseconds = (timeout: string) => Number.parseInt(timeout, 10) * 1000;

/** One stream subscriber's bundle, started as Lambda would with `environment`. */
export function startStreamFunction(
  id: StreamFunctionId,
  environment: Record<string, string>,
): LambdaFunction {
  const artifact = readManifest().functions.find((f) => f.id === id);
  if (!artifact) throw new Error(`The AWS build has no ${id} function: run \`npm run build:aws\``);
  const spec = streamFunctions[id];
  return startLambda({
    name: `streamboard-ci-${id}`,
    taskRoot: path.join(REPO_ROOT, artifact.taskRoot),
    handler: artifact.handler,
    memoryMb: megabytes(spec.memory),
    timeoutMs: milliseconds(spec.timeout),
    environment,
  });
}

/** The OpenNext server function, started as Lambda would with `environment`. */
export function startServerFunction(environment: Record<string, string>): LambdaFunction {
  const openNext = readManifest().openNext;
  if (!openNext) {
    throw new Error("The AWS build skipped OpenNext (--functions-only): run `npm run build:aws`");
  }
  return startLambda({
    name: "streamboard-ci-WebServer",
    taskRoot: path.join(REPO_ROOT, openNext.server.taskRoot),
    handler: openNext.server.handler,
    memoryMb: 1024,
    // SST's default for the server (ssr-site.ts): 20 s.
    timeoutMs: 20_000,
    environment,
  });
}
