import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { dynamo } from "@streamboard/core/infra";
import { localResourceEnvironment, tableName } from "@streamboard/core/infra";
import { deleteScore, submitScore, updateScore } from "@streamboard/core/score";
import { aggregatorSubscription, scanAggregates } from "@streamboard/core/aggregator";
import { GameScoreRecords, GameScoresByUser, toCreateTableInput } from "@streamboard/core/infra";
import { handler as aggregator } from "@streamboard/functions/aggregator";
import { afterEach, describe, expect, test } from "vitest";
import { ensureTables } from "./bootstrap.ts";
import { startLocalStack } from "./stack.ts";
import { startLocalEngine } from "./engine/index.ts";
import { UserError } from "./cli.ts";
import { main, parseReconcileArgs } from "./reconcile.ts";
import { startStreamRunner } from "./runner/index.ts";
import { compareAggregatesWithRecords, runWorkload } from "./workload.ts";
import { capture } from "./testing.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const quiet = { info() {}, warn() {}, error() {} };

/** The local runner with the deployed aggregator and settings, stopped after the test. */
function startAggregatorRunner() {
  const runner = startStreamRunner({
    tableName: tableName("GameScoreRecords"),
    handler: aggregator,
    settings: aggregatorSubscription,
    pollIntervalMs: 20,
    logger: quiet,
  });
  cleanups.push(() => runner.stop());
  return runner;
}

async function run(...argv: string[]) {
  const { io, out, err } = capture();
  const code = await main(argv, io);
  return { code, out: out(), err: err() };
}

async function damage(playerName: string, points: number) {
  await dynamo().send(
    new UpdateItemCommand({
      TableName: tableName("GameScoresByUser"),
      Key: { PlayerName: { S: playerName }, Period: { S: "ALL" } },
      // A writer of aggregates bumps Version, as reconcile does: the aggregator's cached copy of
      // the item is then stale, and its next write reads the item instead of overwriting it.
      UpdateExpression: "SET TotalScore = TotalScore + :d, Version = Version + :one",
      ExpressionAttributeValues: { ":d": { N: String(points) }, ":one": { N: "1" } },
    }),
  );
}

describe("the command line", () => {
  test("flags", () => {
    expect(parseReconcileArgs([])).toEqual({ fix: false, settleMs: 1000, help: false });
    expect(parseReconcileArgs(["--fix", "--settle-ms", "0"])).toEqual({
      fix: true,
      settleMs: 0,
      help: false,
    });
    expect(() => parseReconcileArgs(["--settle-ms", "soon"])).toThrow(UserError);
    expect(() => parseReconcileArgs(["--fixx"])).toThrow("Unknown option");
  });
});

describe("npm run reconcile", () => {
  test("clean: exit 0; injected drift: the table and exit 1; --fix repairs it", async () => {
    const stack = await startLocalStack({
      inMemory: true,
      dynamodbPort: 0,
      runner: { pollIntervalMs: 20, logger: quiet },
    });
    cleanups.push(() => stack.stop());
    await runWorkload({ writers: 3, scores: 90, players: 6, seed: 11 });
    await stack.runner.idle();

    const clean = await run("--settle-ms", "0");
    expect(clean.code).toBe(0);
    // 6 players, each in four periods: all time, today, this week, this month.
    expect(clean.out).toMatch(/^Compared 24 aggregate\(s\) with \d+ score record\(s\)/);
    expect(clean.out).toContain("No drift: every aggregate equals the sum of its records.");
    expect(clean.err).toContain("scanning records:");

    await damage("player 2", 17);
    const drift = await run("--settle-ms", "0");
    expect(drift.code).toBe(1);
    const table = drift.out.slice(drift.out.indexOf("Drift in 1 aggregate(s):"));
    const lines = table.split("\n");
    expect(lines[1]).toMatch(/^player\s+period\s+field\s+aggregate\s+records\s+drift$/);
    expect(lines[3]).toMatch(/^player 2\s+ALL\s+TotalScore\s+\d+\s+\d+\s+\+17$/);
    expect(drift.out).toContain("npm run reconcile -- --fix");

    const fixed = await run("--fix", "--settle-ms", "0");
    expect(fixed.code).toBe(0);
    expect(fixed.out).toContain("Fixed 1 aggregate(s).");
    expect((await run("--settle-ms", "0")).code).toBe(0);
  }, 120_000); // Four aggregates (periods) and their markers per record: slow on a loaded machine.

  test("--fix while writers and the runner are busy: exact once the runner catches up", async () => {
    const stack = await startLocalStack({
      inMemory: true,
      dynamodbPort: 0,
      runner: { pollIntervalMs: 20, logger: quiet },
    });
    cleanups.push(() => stack.stop());
    await runWorkload({ writers: 3, scores: 60, players: 6, seed: 5 });
    await stack.runner.idle();
    for (let i = 1; i <= 6; i++) await damage(`player ${i}`, 1000 * i);

    // The same players keep playing while the fix runs; its writes race the runner's.
    const busy = runWorkload({ writers: 4, scores: 200, players: 6, seed: 6, durationMs: 2500 });
    const fixed = await run("--fix", "--settle-ms", "300");
    await busy;
    await stack.runner.idle();
    // The 6 damaged all-time aggregates at least; the runner's lag behind the busy writers (four
    // aggregates a record) may still show in others, up to all 6 players × 4 periods.
    const drifted = Number(/Drift in (\d+) aggregate\(s\)/.exec(fixed.out)?.[1]);
    expect(drifted).toBeGreaterThanOrEqual(6);
    expect(drifted).toBeLessThanOrEqual(24);
    for (let i = 1; i <= 6; i++) {
      expect(fixed.out).toMatch(new RegExp(`^player ${i}\\s+ALL\\s+TotalScore\\s`, "m"));
    }
    // Its own after-check may still see the runner's lag behind the busy writers (exit 1 then,
    // and on a loaded machine every fixed aggregate may count as still off: "Fixed 0");
    // what counts is that once the runner catches up, nothing is off: only the fix can have
    // undone the damage, which the runner never sees.
    const fixedCount = Number(/Fixed (\d+) aggregate\(s\)\./.exec(fixed.out)?.[1]);
    expect(fixedCount).toBeLessThanOrEqual(drifted);
    expect((await compareAggregatesWithRecords()).mismatches).toEqual([]);
    expect((await run("--settle-ms", "0")).code).toBe(0);
  }, 120_000); // Four aggregates (periods) and their markers per record: slow on a loaded machine.

  test("bootstrap: records from before the stream and before the runner, then the runner on top", async () => {
    const engine = await startLocalEngine({ port: 0, inMemory: true });
    cleanups.push(() => engine.close());
    Object.assign(process.env, localResourceEnvironment(), { DYNAMODB_ENDPOINT: engine.endpoint });
    // GameScoreRecords as it was before anyone turned its stream on.
    const withoutStream = { ...GameScoreRecords, stream: undefined };
    await dynamo().send(
      new CreateTableCommand(toCreateTableInput(tableName("GameScoreRecords"), withoutStream)),
    );
    await ensureTables(dynamo());
    const early = [];
    for (let i = 0; i < 30; i++) {
      early.push((await submitScore({ playerName: `p${i % 4}`, score: 10 + i })).record);
    }
    await dynamo().send(
      new UpdateTableCommand({
        TableName: tableName("GameScoreRecords"),
        StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
      }),
    );
    await waitUntilTableExists(
      { client: dynamo(), maxWaitTime: 30, minDelay: 1, maxDelay: 1 },
      { TableName: tableName("GameScoreRecords") },
    );
    // On the stream, before any runner: new games and edits of games from before the stream.
    for (let i = 0; i < 10; i++) await submitScore({ playerName: `p${i % 5}`, score: 100 + i });
    await updateScore(early[0]!.recordId, { score: 1 });
    await updateScore(early[1]!.recordId, { playerName: "p9" });
    await deleteScore(early[2]!.recordId);

    const first = await run("--settle-ms", "0");
    expect(first.code).toBe(1);
    // 6 players (p0–p4, p9), each in the four periods their games count towards.
    expect(first.out).toContain("Drift in 24 aggregate(s)");
    const fixed = await run("--fix", "--settle-ms", "0");
    expect(fixed.out).toContain("Fixed 24 aggregate(s).");
    expect((await compareAggregatesWithRecords()).mismatches).toEqual([]);

    // The runner starts at TRIM_HORIZON: the fix's marks skip what it already counted.
    const runner = startAggregatorRunner();
    await runner.idle();
    expect(runner.status().totals.delivered).toBe(13);
    expect((await compareAggregatesWithRecords()).mismatches).toEqual([]);

    // Later changes, to records from before and after the stream, apply on top exactly once.
    await updateScore(early[3]!.recordId, { score: 500 });
    await deleteScore(early[4]!.recordId);
    await submitScore({ playerName: "p0", score: 7 });
    await runner.idle();
    const { mismatches, records } = await compareAggregatesWithRecords();
    expect(mismatches).toEqual([]);
    expect(records).toBe(30 + 10 + 1 - 2);
    expect((await run("--settle-ms", "0")).code).toBe(0);
  }, 120_000); // Four aggregates (periods) and their markers per record: slow on a loaded machine.

  test("a data dir from before AggregatorMarks: marks on the items, an index projecting all; --fix upgrades it", async () => {
    const engine = await startLocalEngine({ port: 0, inMemory: true });
    cleanups.push(() => engine.close());
    Object.assign(process.env, localResourceEnvironment(), { DYNAMODB_ENDPOINT: engine.endpoint });
    // GameScoresByUser as an old version created it: its board index (ByPeriodTotal, before
    // ByRank) projected everything.
    const old = {
      ...GameScoresByUser,
      fields: { PlayerName: "string", Period: "string", TotalScore: "number" },
      globalIndexes: { ByPeriodTotal: { hashKey: "Period", rangeKey: "TotalScore" } },
    } as const;
    await dynamo().send(
      new CreateTableCommand(toCreateTableInput(tableName("GameScoresByUser"), old)),
    );
    await ensureTables(dynamo());
    const runner = startAggregatorRunner();
    await runWorkload({ writers: 2, scores: 40, players: 4, seed: 3 });
    await runner.idle();
    // The old aggregator kept its marks on the item: give one aggregate such marks.
    const [legacy] = await scanAggregates();
    await dynamo().send(
      new UpdateItemCommand({
        TableName: tableName("GameScoresByUser"),
        Key: { PlayerName: { S: legacy!.playerName }, Period: { S: legacy!.period } },
        UpdateExpression: "SET Applied = :marks",
        ExpressionAttributeValues: { ":marks": { M: {} } },
      }),
    );

    const check = await run("--settle-ms", "0");
    expect(check.code).toBe(1);
    expect(check.out).toContain("GameScoresByUser is from an older version");
    expect(check.out).toContain("npm run reconcile -- --fix");

    const fixed = await run("--fix", "--settle-ms", "0");
    expect(fixed.err).toContain("Rebuilding GameScoresByUser");
    expect(fixed.code).toBe(0);
    const { Table } = await dynamo().send(
      new DescribeTableCommand({ TableName: tableName("GameScoresByUser") }),
    );
    expect(Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(["ByRank"]);
    expect(Table?.GlobalSecondaryIndexes?.[0]?.Projection).toEqual({
      ProjectionType: "INCLUDE",
      NonKeyAttributes: [
        "TotalScore",
        "GamesPlayed",
        "BestScore",
        "LastScore",
        "UpdatedAt",
        "ReachedAt",
      ],
    });
    expect((await compareAggregatesWithRecords()).mismatches).toEqual([]);
    const after = await scanAggregates();
    expect(after.some(({ item }) => item.Applied !== undefined)).toBe(false);

    // The whole stream again (a runner from its start): the new markers skip all of it.
    const replayed = startAggregatorRunner();
    await replayed.idle();
    expect(replayed.status().totals.delivered).toBeGreaterThan(0);
    expect((await compareAggregatesWithRecords()).mismatches).toEqual([]);
    expect((await run("--settle-ms", "0")).code).toBe(0);
  });
});
