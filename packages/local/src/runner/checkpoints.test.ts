import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, expect, test } from "vitest";
import { CheckpointStore, FAILURES_FILE, readFailures, type FailureLine } from "./checkpoints.ts";

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length > 0) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

const failure = (sequenceNumber: string): FailureLine => ({
  time: new Date().toISOString(),
  tableName: "T",
  streamArn: "arn",
  shardId: "shard",
  sequenceNumber,
  eventName: "INSERT",
  keys: { id: { S: sequenceNumber } },
  reason: "retries_exhausted",
  attempts: 1,
  record: {},
});

test("an entry appended after a line torn by a crash starts on a line of its own", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamboard-checkpoints-"));
  dirs.push(dir);
  const file = path.join(dir, FAILURES_FILE);
  fs.writeFileSync(file, `${JSON.stringify(failure("1"))}\n{"time":"2025-01-01T00:0`);

  const store = new CheckpointStore(dir, "T");
  store.appendFailure(failure("3"));
  store.appendFailure(failure("4"));
  expect(readFailures(dir).map((f) => f.sequenceNumber)).toEqual(["1", "3", "4"]);
  expect(fs.readFileSync(file, "utf8").endsWith("\n")).toBe(true);
});
