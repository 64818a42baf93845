/*
 * `npm run build:aws`: what `sst deploy` would upload, built here, offline.
 *
 * 1. The web app with OpenNext, the version sst.config.ts pins (stacks/functions.ts), from the
 *    devDependency of that same version (no `npx` download): `.open-next/`, where SST takes it
 *    from (the server function, the image optimiser, the static assets).
 * 2. Each stream subscriber's handler (stacks/functions.ts `streamFunctions`) bundled the way SST
 *    bundles a Node function: esbuild, one ESM file, minified, for the Lambda runtime's Node,
 *    with the `require` banner SST adds: `.aws-build/functions/<id>/`, and the handler string
 *    Lambda would get.
 * 3. `.aws-build/manifest.json`: what was built, by which versions, how big, how long it took.
 *    The artifact tests (`npm run test:aws`) read it.
 *
 * Both folders are git-ignored. `--functions-only` skips OpenNext (seconds instead of a minute)
 * and keeps the last OpenNext build in the manifest, if there is one.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import {
  LAMBDA_ARCHITECTURE,
  LAMBDA_RUNTIME,
  NODE_TARGET,
  OPEN_NEXT_VERSION,
  streamFunctions,
  type StreamFunctionId,
} from "../stacks/functions.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outDir = path.join(root, ".aws-build");
const openNextDir = path.join(root, ".open-next");
// Its package.json is not among its exports (`./*` → `dist/*`): read it from the install.
const openNextPackage = path.join(root, "node_modules", "@opennextjs", "aws");

export type FunctionArtifact = {
  id: StreamFunctionId;
  /** The unzipped bundle's folder (what Lambda has in /var/task), from the repo root. */
  taskRoot: string;
  /** `file.export` within taskRoot. */
  handler: string;
  bytes: number;
};

export type Manifest = {
  builtAt: string;
  runtime: string;
  architecture: string;
  openNext: {
    version: string;
    /** The server function's folder and handler (OpenNext's `origins.default`). */
    server: { taskRoot: string; handler: string; bytes: number };
    imageOptimizer: { taskRoot: string; handler: string; bytes: number };
    seconds: number;
  } | null;
  functions: FunctionArtifact[];
  functionsSeconds: number;
};

function fail(message: string): never {
  console.error(`build:aws: ${message}`);
  process.exit(1);
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

function installedOpenNextVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(openNextPackage, "package.json"), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

function buildOpenNext(): Manifest["openNext"] {
  const installed = installedOpenNextVersion();
  if (installed !== OPEN_NEXT_VERSION) {
    fail(
      `@opennextjs/aws ${installed} is installed, but sst.config.ts deploys with ${OPEN_NEXT_VERSION} ` +
        "(stacks/functions.ts). Pin the devDependency to the same version and run `npm install`.",
    );
  }
  console.log(`▶ OpenNext ${installed}: next build + bundle → .open-next/`);
  const started = performance.now();
  const bin = path.join(openNextPackage, "dist", "index.js");
  const result = spawnSync(process.execPath, [bin, "build"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) fail(`OpenNext's build failed (exit ${result.status ?? result.signal})`);
  const seconds = (performance.now() - started) / 1000;

  const output = JSON.parse(
    fs.readFileSync(path.join(openNextDir, "open-next.output.json"), "utf8"),
  ) as { origins: Record<string, { bundle?: string; handler?: string }> };
  const origin = (name: string) => {
    const o = output.origins[name];
    if (!o?.bundle || !o.handler) fail(`OpenNext's output has no ${name} function`);
    return {
      taskRoot: o.bundle,
      handler: o.handler,
      bytes: folderBytes(path.join(root, o.bundle)),
    };
  };
  return {
    version: installed,
    server: origin("default"),
    imageOptimizer: origin("imageOptimizer"),
    seconds,
  };
}

// What SST's Node build puts at the top of an ESM bundle: CommonJS dependencies (the AWS SDK's
// parts among them) call `require`, `__filename` and `__dirname`, which ESM lacks.
const BANNER = [
  `import { createRequire as topLevelCreateRequire } from "module";`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url";`,
  `const __filename = topLevelFileUrlToPath(import.meta.url);`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url));`,
].join("\n");

async function buildFunctions(): Promise<FunctionArtifact[]> {
  const artifacts: FunctionArtifact[] = [];
  for (const [id, spec] of Object.entries(streamFunctions) as [
    StreamFunctionId,
    (typeof streamFunctions)[StreamFunctionId],
  ][]) {
    const dot = spec.handler.lastIndexOf(".");
    const source = spec.handler.slice(0, dot);
    const exportName = spec.handler.slice(dot + 1);
    const entry = ["ts", "mts", "js", "mjs"]
      .map((ext) => path.join(root, `${source}.${ext}`))
      .find((p) => fs.existsSync(p));
    if (!entry) fail(`${id}: no source for handler ${spec.handler}`);
    const taskRoot = path.join(outDir, "functions", id);
    fs.rmSync(taskRoot, { recursive: true, force: true });
    const file = path.basename(source);
    const result = await esbuild.build({
      entryPoints: [entry],
      outfile: path.join(taskRoot, `${file}.mjs`),
      bundle: true,
      platform: "node",
      format: "esm",
      target: NODE_TARGET,
      // Packages' ESM builds first, as SST's Node build resolves them.
      mainFields: ["module", "main"],
      minify: true,
      keepNames: true,
      sourcemap: false,
      banner: { js: BANNER },
      metafile: true,
      logLevel: "warning",
    });
    if (result.errors.length > 0) fail(`${id}: esbuild failed`);
    artifacts.push({
      id,
      taskRoot: path.relative(root, taskRoot),
      handler: `${file}.${exportName}`,
      bytes: folderBytes(taskRoot),
    });
  }
  return artifacts;
}

function previousOpenNext(): Manifest["openNext"] {
  try {
    const previous = JSON.parse(
      fs.readFileSync(path.join(outDir, "manifest.json"), "utf8"),
    ) as Manifest;
    return previous.openNext && fs.existsSync(path.join(openNextDir, "open-next.output.json"))
      ? previous.openNext
      : null;
  } catch {
    return null;
  }
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

async function main() {
  const functionsOnly = process.argv.includes("--functions-only");
  fs.mkdirSync(outDir, { recursive: true });
  // --functions-only keeps the last OpenNext build, when there is one.
  const openNext = functionsOnly ? previousOpenNext() : buildOpenNext();

  console.log(`▶ stream functions: esbuild, ESM, ${NODE_TARGET} → .aws-build/functions/`);
  const started = performance.now();
  const functions = await buildFunctions();
  const functionsSeconds = (performance.now() - started) / 1000;

  const manifest: Manifest = {
    builtAt: new Date().toISOString(),
    runtime: LAMBDA_RUNTIME,
    architecture: LAMBDA_ARCHITECTURE,
    openNext,
    functions,
    functionsSeconds,
  };
  fs.writeFileSync(path.join(outDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);

  const rows: [string, string, string, string][] = [];
  if (openNext) {
    rows.push([
      "web server (OpenNext)",
      openNext.server.taskRoot,
      openNext.server.handler,
      kib(openNext.server.bytes),
    ]);
    rows.push([
      "image optimiser (OpenNext)",
      openNext.imageOptimizer.taskRoot,
      openNext.imageOptimizer.handler,
      kib(openNext.imageOptimizer.bytes),
    ]);
  }
  for (const f of functions) rows.push([f.id, f.taskRoot, f.handler, kib(f.bytes)]);
  console.log(`\nBuilt for ${LAMBDA_RUNTIME} on ${LAMBDA_ARCHITECTURE}:`);
  console.table(
    rows.map(([fn, folder, handler, size]) => ({ function: fn, folder, handler, size })),
  );
  console.log(
    `OpenNext ${functionsOnly ? (openNext ? "kept from the last build" : "skipped") : `${openNext!.seconds.toFixed(1)} s`}; ` +
      `stream functions ${functionsSeconds.toFixed(1)} s. Manifest: .aws-build/manifest.json`,
  );
}

await main();
