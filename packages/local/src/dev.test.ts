import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { periodsOf } from "@streamboard/core/contract";
import { submitScore } from "@streamboard/core/score";
import { documentClient } from "@streamboard/core/infra";
import { inspectorRecordOf, logKeyOf } from "@streamboard/core/stream";
import { dynamo } from "@streamboard/core/infra";
import { tableName } from "@streamboard/core/infra";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterEach, describe, expect, test } from "vitest";
import { UserError } from "./cli.ts";
import { parseDevArgs } from "./dev.ts";
import {
  checkProductionBuild,
  resolveOperatorToken,
  startLocalStack,
  type LocalStack,
} from "./stack.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamboard-dev-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("options", () => {
  test("defaults, environment, then flags", () => {
    expect(parseDevArgs([], {})).toEqual({
      port: 3000,
      host: "127.0.0.1",
      dynamodbPort: 8000,
      dataDir: ".data",
      inMemory: false,
      prod: false,
      help: false,
      endpoint: undefined,
    });
    const env = { PORT: "4000", DYNAMODB_PORT: "0", DATA_DIR: "/tmp/x" };
    expect(parseDevArgs([], env)).toMatchObject({ port: 4000, dynamodbPort: 0, dataDir: "/tmp/x" });
    expect(
      parseDevArgs(["--port", "5000", "--dynamodb-port", "9000", "--data-dir", "d", "--prod"], env),
    ).toMatchObject({ port: 5000, dynamodbPort: 9000, dataDir: "d", prod: true });
    // This machine only unless asked: Next.js alone would listen on every interface.
    expect(parseDevArgs(["--host", "0.0.0.0"], {})).toMatchObject({ host: "0.0.0.0" });
    expect(parseDevArgs([], { HOST: "0.0.0.0" })).toMatchObject({ host: "127.0.0.1" });
    expect(parseDevArgs(["--in-memory"], { DYNAMODB_ENDPOINT: "http://h:1" })).toMatchObject({
      inMemory: true,
      endpoint: "http://h:1",
    });
  });

  test.each([
    [["--port", "0"], "--port must be a port number"],
    [["--port", "http"], "--port must be a port number"],
    [["--dynamodb-port", "70000"], "--dynamodb-port must be a port number"],
    [["--in-memory", "--data-dir", "d"], "exclude each other"],
    [["--host", ""], "--host must be an interface address"],
    [["--host", "http://0.0.0.0"], "--host must be an interface address"],
    [["--nope"], "Unknown option"],
  ])("%j is refused", (argv, message) => {
    expect(() => parseDevArgs(argv, {})).toThrow(UserError);
    expect(() => parseDevArgs(argv, {})).toThrow(message);
  });

  test("the operator token: from the environment, else generated once per data dir", () => {
    const dir = tempDir();
    expect(resolveOperatorToken("set", dir)).toEqual({ token: "set", source: "env" });
    const first = resolveOperatorToken(undefined, dir);
    expect(first.source).toBe("generated");
    expect(first.token.length).toBeGreaterThanOrEqual(32);
    expect(resolveOperatorToken(undefined, dir)).toEqual({
      token: first.token,
      source: "data-dir",
    });
    expect(fs.statSync(path.join(dir, "operator-token")).mode & 0o077).toBe(0);
    expect(resolveOperatorToken(undefined, undefined).token).not.toBe(
      resolveOperatorToken(undefined, undefined).token,
    );
  });

  test("--prod without a build says to run the build first", () => {
    const dir = tempDir();
    expect(() => checkProductionBuild(dir)).toThrow("run `npm run build` first");
    fs.mkdirSync(path.join(dir, ".next"));
    fs.writeFileSync(path.join(dir, ".next", "BUILD_ID"), "abc");
    expect(() => checkProductionBuild(dir)).not.toThrow();
  });
});

describe("startLocalStack", () => {
  function recorder() {
    const records: DynamoDBRecord[] = [];
    return {
      records,
      handler: (event: DynamoDBStreamEvent) => {
        records.push(...event.Records);
        return Promise.resolve();
      },
    };
  }

  async function start(options: Parameters<typeof startLocalStack>[0]): Promise<LocalStack> {
    const stack = await startLocalStack({
      dynamodbPort: 0,
      runner: { pollIntervalMs: 20, logger: { info() {}, warn() {}, error() {} } },
      ...options,
    });
    cleanups.push(() => stack.stop());
    return stack;
  }

  async function submit(recordId: string) {
    await dynamo().send(
      new PutItemCommand({
        TableName: tableName("GameScoreRecords"),
        Item: { RecordID: { S: recordId }, PlayerName: { S: "ada" }, Score: { N: "10" } },
      }),
    );
  }

  test("engine, tables and runner in memory; this process points at them", async () => {
    const seen = recorder();
    const stack = await start({ inMemory: true, handler: seen.handler });
    expect(stack.engine).toBeDefined();
    expect(stack.dataDir).toBeUndefined();
    expect(process.env.DYNAMODB_ENDPOINT).toBe(stack.endpoint);
    expect(stack.env).toMatchObject({
      DYNAMODB_ENDPOINT: stack.endpoint,
      SST_RESOURCE_GameScoreRecords: expect.any(String) as string,
    });

    await submit("r1");
    await stack.runner.idle();
    expect(seen.records.map((r) => [r.eventName, r.dynamodb?.Keys?.RecordID?.S])).toEqual([
      ["INSERT", "r1"],
    ]);
    await stack.stop();
    expect(stack.runner.status().running).toBe(false);
  });

  test("a second start on the same data dir keeps the data and resumes the stream", async () => {
    const dir = tempDir();
    const first = recorder();
    const stack1 = await start({ dataDir: dir, handler: first.handler });
    await submit("r1");
    await stack1.runner.idle();
    await stack1.stop();

    const second = recorder();
    const stack2 = await start({ dataDir: dir, handler: second.handler });
    await submit("r2");
    await stack2.runner.idle();
    expect(first.records.map((r) => r.dynamodb?.Keys?.RecordID?.S)).toEqual(["r1"]);
    expect(second.records.map((r) => r.dynamodb?.Keys?.RecordID?.S)).toEqual(["r2"]);
    expect(fs.existsSync(path.join(dir, "engine"))).toBe(true);
    expect(fs.readdirSync(path.join(dir, "runner"))).toContain("checkpoints.GameScoreRecords.json");
  });

  test("the stream log runner reads the stream beside the aggregator, with its own checkpoints", async () => {
    const dir = tempDir();
    const aggregator = recorder();
    const stack = await start({ dataDir: dir, handler: aggregator.handler });
    expect(stack.logRunner).toBeDefined();
    await submit("r-log");
    await stack.idle();
    const [record] = aggregator.records;
    const { Item } = await documentClient().send(
      new GetCommand({ TableName: tableName("StreamLog"), Key: logKeyOf(record!) }),
    );
    expect(Item).toMatchObject({ EventName: "INSERT", RecordID: "r-log", PlayerKey: "ada" });
    expect(stack.logRunner!.status().totals.delivered).toBe(1);
    await stack.stop();
    expect(stack.logRunner!.status().running).toBe(false);
    // Apart from the aggregator's, which stay where existing data dirs have them.
    expect(fs.readdirSync(path.join(dir, "runner"))).toContain("checkpoints.GameScoreRecords.json");
    expect(fs.readdirSync(path.join(dir, "runner", "stream-log")).sort()).toEqual([
      "checkpoints.GameScoreRecords.json",
      "status.json",
    ]);
  });

  test("with the real handlers, a score's log entry carries the aggregator's effect", async () => {
    const stack = await start({ inMemory: true });
    const { record } = await submitScore({ playerName: "Effie", score: 21 });
    await stack.idle();
    const { Items } = await documentClient().send(
      new QueryCommand({
        TableName: tableName("StreamLog"),
        IndexName: "ByRecord",
        KeyConditionExpression: "RecordID = :id",
        ExpressionAttributeValues: { ":id": record.recordId },
      }),
    );
    expect(Items).toHaveLength(1);
    const { Item } = await documentClient().send(
      new GetCommand({
        TableName: tableName("StreamLog"),
        Key: { Bucket: Items![0]!.Bucket as string, Position: Items![0]!.Position as string },
      }),
    );
    const shown = inspectorRecordOf(Item!);
    expect(shown).toMatchObject({ eventName: "INSERT", recordId: record.recordId });
    // One change per period the score counts towards: all time, its day, week and month.
    expect(shown?.aggregator).toMatchObject({
      outcome: "applied",
      changes: periodsOf(record.createdAt).map((period) => ({
        playerName: "Effie",
        period,
        totalBefore: null,
        totalAfter: 21,
      })),
    });
  });

  test("logHandler null: the aggregator alone reads the stream", async () => {
    const stack = await start({ inMemory: true, handler: recorder().handler, logHandler: null });
    expect(stack.logRunner).toBeUndefined();
    await stack.idle();
  });

  test("one stack per data dir; a stale pid file is taken over", async () => {
    const dir = tempDir();
    const stack = await start({ dataDir: dir, handler: recorder().handler });
    await expect(start({ dataDir: dir, handler: recorder().handler })).rejects.toThrow(
      "already in use by this process",
    );
    await stack.stop();
    expect(fs.existsSync(path.join(dir, "dev.pid"))).toBe(false);

    fs.writeFileSync(path.join(dir, "dev.pid"), String(process.ppid)); // alive, not us
    await expect(start({ dataDir: dir, handler: recorder().handler })).rejects.toThrow(
      `in use by process ${process.ppid}`,
    );
    fs.writeFileSync(path.join(dir, "dev.pid"), "999999999"); // no such process
    await (await start({ dataDir: dir, handler: recorder().handler })).stop();
  });

  test("a busy engine port is reported plainly", async () => {
    const stack = await start({ inMemory: true, handler: recorder().handler });
    await expect(
      startLocalStack({ inMemory: true, dynamodbPort: stack.engine!.port }),
    ).rejects.toThrow(`Port ${stack.engine!.port} is in use`);
  });
});
