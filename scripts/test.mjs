// `npm test`: every suite in turn (unit + integration with vitest; the AWS artifacts, built by
// `npm run build:aws` and then invoked as Lambda would; e2e with Playwright), ending with one
// line that sums them: "N passed, N failed". Each suite says how long it took.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const only = process.argv[2]; // "unit", "aws" or "e2e" to run one suite
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "streamboard-test-"));
const totals = { passed: 0, failed: 0, skipped: 0 };
let broken = false;

const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(0)} s`;

function run(name, command, args, readCounts) {
  console.log(`\n▶ ${name}: ${command} ${args.join(" ")}`);
  const started = performance.now();
  const result = spawnSync(command, args, { stdio: "inherit", env: process.env });
  let counts;
  try {
    counts = readCounts();
  } catch {
    counts = undefined;
  }
  if (!counts) {
    // The runner died before reporting: count the suite as one failure so it cannot pass silently.
    console.error(`✖ ${name}: no results (exit ${result.status ?? result.signal})`);
    totals.failed += 1;
    broken = true;
    return;
  }
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  if (result.status !== 0 && counts.failed === 0) broken = true;
  console.log(`${name}: ${counts.passed} passed, ${counts.failed} failed (${seconds(started)})`);
}

if (!only || only === "unit") {
  const out = path.join(tmp, "vitest.json");
  run(
    "unit + integration",
    "npx",
    ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile=${out}`],
    () => vitestCounts(out),
  );
}

if (!only || only === "aws") {
  // What `sst deploy` would upload, built offline; its build is part of the suite.
  console.log("\n▶ AWS artifacts: npm run build:aws");
  const started = performance.now();
  const build = spawnSync("npm", ["run", "build:aws"], { stdio: "inherit", env: process.env });
  if (build.status !== 0) {
    console.error(
      `✖ AWS artifacts: npm run build:aws failed (exit ${build.status ?? build.signal})`,
    );
    totals.failed += 1;
    broken = true;
  } else {
    console.log(`build:aws took ${seconds(started)}`);
    const out = path.join(tmp, "vitest-aws.json");
    run(
      "AWS artifacts",
      "npx",
      [
        "vitest",
        "run",
        "--config",
        "vitest.aws.config.ts",
        "--reporter=default",
        "--reporter=json",
        `--outputFile=${out}`,
      ],
      () => vitestCounts(out),
    );
  }
}

if ((!only || only === "e2e") && fs.existsSync("playwright.config.ts")) {
  const out = path.join(tmp, "playwright.json");
  process.env.PLAYWRIGHT_JSON_OUTPUT_NAME = out;
  run("e2e", "npx", ["playwright", "test", "--reporter=list,json"], () => {
    const report = JSON.parse(fs.readFileSync(out, "utf8"));
    const { expected = 0, unexpected = 0, flaky = 0, skipped = 0 } = report.stats;
    return { passed: expected + flaky, failed: unexpected + (report.errors?.length ?? 0), skipped };
  });
}

// A vitest JSON report's counts.
function vitestCounts(out) {
  const report = JSON.parse(fs.readFileSync(out, "utf8"));
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + filesThatFailedToLoad(report),
    skipped: report.numPendingTests + report.numTodoTests,
  };
}

// A test file that failed to load has no tests of its own to count; count it as one failure.
function filesThatFailedToLoad(report) {
  return report.testResults.filter((r) => r.status === "failed" && r.assertionResults.length === 0)
    .length;
}

console.log(
  `\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ""}`,
);
process.exit(totals.failed > 0 || broken ? 1 : 0);
