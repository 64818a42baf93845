import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { getRunnerStatus, type RunnerStatusFile } from "./runner-status.ts";

let dir: string;
const saved = Object.fromEntries(
  ["STREAMBOARD_RUNNER_STATUS"].map((name) => [name, process.env[name]]),
);
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamboard-status-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  vi.restoreAllMocks();
});

const status: RunnerStatusFile = {
  version: 1,
  updatedAt: "2025-01-01T00:00:10.000Z",
  running: true,
  iteratorAgeMs: 1200,
  pending: 3,
  lastBatch: {
    time: "2025-01-01T00:00:09.500Z",
    records: 3,
    outcome: "partial_failure",
    attempt: 2,
    durationMs: 12,
    error: "handler reported 1 failed record(s), lowest 7",
  },
  failures: 1,
  totals: { invocations: 9, delivered: 40, failed: 1 },
};

test("on AWS (no file named): undefined, the lag is CloudWatch's IteratorAge", async () => {
  delete process.env.STREAMBOARD_RUNNER_STATUS;
  expect(await getRunnerStatus()).toBeUndefined();
});

test("reads the runner's file; stale once the runner stops rewriting it", async () => {
  const file = path.join(dir, "status.json");
  process.env.STREAMBOARD_RUNNER_STATUS = file;
  expect(await getRunnerStatus()).toBeUndefined(); // not written yet
  fs.writeFileSync(file, JSON.stringify(status));
  const written = Date.parse(status.updatedAt);
  expect(await getRunnerStatus(written + 1000)).toEqual({ ...status, stale: false });
  expect(await getRunnerStatus(written + 6000)).toMatchObject({ stale: true });
  fs.writeFileSync(file, JSON.stringify({ ...status, running: false }));
  expect(await getRunnerStatus(written + 60_000)).toMatchObject({ running: false, stale: false });

  vi.spyOn(console, "error").mockImplementation(() => {});
  fs.writeFileSync(file, JSON.stringify({ version: 2 }));
  expect(await getRunnerStatus()).toBeUndefined();
});

test("the stream log runner's file is in stream-log/ beside the aggregator's", async () => {
  const file = path.join(dir, "status.json");
  process.env.STREAMBOARD_RUNNER_STATUS = file;
  fs.writeFileSync(file, JSON.stringify(status));
  const written = Date.parse(status.updatedAt);
  expect(await getRunnerStatus(written, "stream-log")).toBeUndefined(); // not written yet
  fs.mkdirSync(path.join(dir, "stream-log"));
  const log = { ...status, iteratorAgeMs: 7, totals: { invocations: 1, delivered: 2, failed: 0 } };
  fs.writeFileSync(path.join(dir, "stream-log", "status.json"), JSON.stringify(log));
  expect(await getRunnerStatus(written, "stream-log")).toEqual({ ...log, stale: false });
  expect(await getRunnerStatus(written, "aggregator")).toEqual({ ...status, stale: false });
});
