import fs from "node:fs";
import path from "node:path";
import { PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { dynamo } from "@streamboard/core/infra";
import { listFailures } from "@streamboard/core/ops";
import { getPlayer } from "@streamboard/core/leaderboard";
import { tableName } from "@streamboard/core/infra";
import { getRunnerStatus } from "@streamboard/core/ops";
import { submitScore } from "@streamboard/core/score";
import { afterEach, expect, test, vi } from "vitest";
import { startLocalStack, type LocalStack } from "./stack.ts";
import { readFailures } from "./runner/index.ts";
import { until } from "./testing.ts";

// Bad data written around the API must neither block the shard nor corrupt an aggregate: the
// aggregator quarantines it at once, with the reason, and the records after it are applied.

const stacks: LocalStack[] = [];
afterEach(async () => {
  while (stacks.length > 0) await stacks.pop()!.stop();
  vi.restoreAllMocks();
});

async function start() {
  const warnings: string[] = [];
  const stack = await startLocalStack({
    inMemory: true,
    dynamodbPort: 0,
    runner: {
      pollIntervalMs: 20,
      retryBackoff: { initialMs: 1, maxMs: 5 },
      logger: { info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
    },
  });
  stacks.push(stack);
  // The aggregator names each record it quarantines.
  vi.spyOn(console, "warn").mockImplementation(() => {});
  return { stack, warnings };
}

async function writeRaw(item: Record<string, { S: string } | { N: string }>) {
  await dynamo().send(new PutItemCommand({ TableName: tableName("GameScoreRecords"), Item: item }));
}

test("poison records are quarantined at once with their reason; the shard keeps flowing", async () => {
  const { stack, warnings } = await start();
  const now = new Date().toISOString();
  await submitScore({ playerName: "ann", score: 10 });
  // No PlayerName, and a Score that is no integer (a string is impossible: Score keys an index).
  await writeRaw({ RecordID: { S: "poison-1" }, Score: { N: "12.5" }, CreatedAt: { S: now } });
  await submitScore({ playerName: "bob", score: 20 });
  const good = await submitScore({ playerName: "ann", score: 5 });
  await stack.runner.idle();

  expect(await getPlayer("ann")).toMatchObject({ totalScore: 15, gamesPlayed: 2 });
  expect(await getPlayer("bob")).toMatchObject({ totalScore: 20, gamesPlayed: 1 });
  const failures = await listFailures();
  expect(failures).toEqual([
    {
      id: expect.any(String) as string,
      eventId: expect.any(String) as string,
      // The stream log (the runner's second subscriber) has it: the inspector opens it by this.
      logId: expect.any(String) as string,
      state: "open",
      recordId: "poison-1",
      eventName: "INSERT",
      sequenceNumber: expect.stringMatching(/^\d+$/) as string,
      // Lambda's records do not name their shard.
      shardId: "",
      reason: expect.stringMatching(
        /^NewImage: PlayerName: .*Score: score must be an integer/,
      ) as string,
      cause: "quarantined",
      time: expect.any(String) as string,
      // Tried once, not retried: no retry could ever apply it.
      attempts: 1,
    },
  ]);
  // Not a failure of the batch: the runner retried nothing and gave up on nothing.
  expect(warnings.filter((w) => w.includes("gave up"))).toEqual([]);
  expect(stack.runner.status().totals).toMatchObject({ failed: 0 });

  // A good record spoilt by a direct write: that change cannot be applied either.
  await dynamo().send(
    new UpdateItemCommand({
      TableName: tableName("GameScoreRecords"),
      Key: { RecordID: { S: good.record.recordId } },
      UpdateExpression: "SET Score = :score",
      ExpressionAttributeValues: { ":score": { N: "-5" } },
    }),
  );
  await submitScore({ playerName: "cyd", score: 7 });
  await stack.runner.idle();
  expect(await getPlayer("cyd")).toMatchObject({ totalScore: 7 });
  // Its new state counts as nothing: it left ann's aggregate, and is quarantined.
  expect(await getPlayer("ann")).toMatchObject({ totalScore: 10, gamesPlayed: 1 });
  const [spoilt] = await listFailures({ limit: 1 });
  expect(spoilt).toMatchObject({
    recordId: good.record.recordId,
    eventName: "MODIFY",
    reason: expect.stringContaining("NewImage: Score: score must be an integer") as string,
  });

  // The runner's on-failure destination holds nothing: the quarantine took both.
  expect(readFailures(stack.runnerDir)).toEqual([]);
  expect(await listFailures()).toHaveLength(2);
});

test("the runner's status reaches the web process through status.json", async () => {
  const { stack } = await start();
  expect(process.env.STREAMBOARD_RUNNER_STATUS).toBe(path.join(stack.runnerDir, "status.json"));
  expect(stack.env).toMatchObject({
    STREAMBOARD_FAILURES_DIR: stack.runnerDir,
    STREAMBOARD_RUNNER_STATUS: path.join(stack.runnerDir, "status.json"),
  });
  await writeRaw({ RecordID: { S: "poison-2" }, Score: { N: "-1" } });
  await submitScore({ playerName: "ann", score: 1 });
  await stack.runner.idle();

  // Rewritten every second. The poison was quarantined, not failed: the runner counts no failure.
  let status = await getRunnerStatus();
  await until(async () => ((status = await getRunnerStatus())?.totals.delivered ?? 0) >= 2, {
    timeoutMs: 4000,
    what: "status.json to count both records",
  });
  expect(status).toMatchObject({
    running: true,
    stale: false,
    iteratorAgeMs: expect.any(Number) as number,
    pending: 0,
    failures: 0,
    totals: { delivered: 2, failed: 0 },
  });
  expect(await listFailures()).toEqual([
    expect.objectContaining({ recordId: "poison-2", cause: "quarantined" }),
  ]);

  // In memory, the runner's directory is a temporary one, gone with the stack.
  await stack.stop();
  expect(fs.existsSync(stack.runnerDir)).toBe(false);
});
