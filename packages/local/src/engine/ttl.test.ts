// TTL in the embedded engine, through the AWS SDK clients only.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateTimeToLiveCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { toLambdaRecord } from "@streamboard/core/stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { until } from "../testing.ts";
import { clientsFor, readStream, tableActive, tableGone } from "./test-support.ts";
import { startLocalEngine, type LocalEngine, type LocalEngineOptions } from "./index.ts";

const NOW = Date.parse("2026-06-01T12:00:00Z");
const nowSeconds = () => Math.floor(NOW / 1000);

let tableCounter = 0;

async function harness(options: Partial<LocalEngineOptions> = {}) {
  const engine = await startLocalEngine({
    port: 0,
    inMemory: true,
    clock: () => NOW,
    ttlSweepIntervalMs: 0,
    ...options,
  });
  const { db, streams } = clientsFor(engine.endpoint);

  async function createTable(name = `Ttl${++tableCounter}x`, withStream = true) {
    const { TableDescription } = await db.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        ...(withStream
          ? { StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" } }
          : {}),
      }),
    );
    await tableActive(db, name);
    return {
      name,
      streamArn: TableDescription!.LatestStreamArn,
      tableArn: TableDescription!.TableArn!,
    };
  }

  const enableTtl = (TableName: string, AttributeName = "expiresAt") =>
    db.send(
      new UpdateTimeToLiveCommand({
        TableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName },
      }),
    );

  const put = (TableName: string, id: string, extra: Record<string, AttributeValue> = {}) =>
    db.send(new PutItemCommand({ TableName, Item: { id: { S: id }, ...extra } }));

  const ids = async (TableName: string) =>
    ((await db.send(new ScanCommand({ TableName }))).Items ?? []).map((i) => i.id!.S!).sort();

  const readAll = (streamArn: string) => readStream(streams, streamArn);

  return { engine, db, createTable, enableTtl, put, ids, readAll };
}

type Harness = Awaited<ReturnType<typeof harness>>;
const n = (value: number): AttributeValue => ({ N: String(value) });

describe("UpdateTimeToLive and DescribeTimeToLive", () => {
  let h: Harness;
  beforeAll(async () => (h = await harness()));
  afterAll(() => h.engine.close());

  const describeTtl = async (TableName: string) =>
    (await h.db.send(new DescribeTimeToLiveCommand({ TableName }))).TimeToLiveDescription;

  it("a table starts without TTL; enabling and disabling answer as AWS does", async () => {
    const { name } = await h.createTable();
    expect(await describeTtl(name)).toEqual({ TimeToLiveStatus: "DISABLED" });
    const enabled = await h.enableTtl(name);
    expect(enabled.TimeToLiveSpecification).toEqual({ Enabled: true, AttributeName: "expiresAt" });
    expect(await describeTtl(name)).toEqual({
      TimeToLiveStatus: "ENABLED",
      AttributeName: "expiresAt",
    });
    const disabled = await h.db.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { Enabled: false, AttributeName: "expiresAt" },
      }),
    );
    expect(disabled.TimeToLiveSpecification).toEqual({
      Enabled: false,
      AttributeName: "expiresAt",
    });
    expect(await describeTtl(name)).toEqual({ TimeToLiveStatus: "DISABLED" });
  });

  const refusals: [string, (name: string) => Promise<unknown>, string, RegExp][] = [
    [
      "enabling twice",
      async (name) => {
        await h.enableTtl(name);
        return h.enableTtl(name);
      },
      "ValidationException",
      /^TimeToLive is already enabled$/,
    ],
    [
      "enabling another attribute while enabled",
      async (name) => {
        await h.enableTtl(name);
        return h.enableTtl(name, "other");
      },
      "ValidationException",
      /^TimeToLive is active on a different AttributeName: current AttributeName is expiresAt$/,
    ],
    [
      "disabling with another attribute name",
      async (name) => {
        await h.enableTtl(name);
        return h.db.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { Enabled: false, AttributeName: "other" },
          }),
        );
      },
      "ValidationException",
      /^TimeToLive is active on a different AttributeName/,
    ],
    [
      "disabling when disabled",
      (name) =>
        h.db.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { Enabled: false, AttributeName: "expiresAt" },
          }),
        ),
      "ValidationException",
      /^TimeToLive is already disabled$/,
    ],
    [
      "a specification without Enabled and AttributeName",
      (name) =>
        h.db.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: {} as never,
          }),
        ),
      "ValidationException",
      /^2 validation errors detected: Value null at 'timeToLiveSpecification.enabled'.*; Value null at 'timeToLiveSpecification.attributeName'/,
    ],
    [
      "no specification",
      (name) => h.db.send(new UpdateTimeToLiveCommand({ TableName: name } as never)),
      "ValidationException",
      /^1 validation error detected: Value null at 'timeToLiveSpecification'/,
    ],
    [
      "UpdateTimeToLive of an unknown table",
      () => h.enableTtl("NoSuchTable"),
      "ResourceNotFoundException",
      /NoSuchTable/,
    ],
    [
      "DescribeTimeToLive of an unknown table",
      () => h.db.send(new DescribeTimeToLiveCommand({ TableName: "NoSuchTable" })),
      "ResourceNotFoundException",
      /NoSuchTable/,
    ],
  ];

  it.each(refusals)("%s is refused", async (_, call, errorName, message) => {
    const { name } = await h.createTable();
    const error = (await call(name).then(
      () => undefined,
      (e: unknown) => e,
    )) as { name: string; message: string; $metadata: { httpStatusCode: number } } | undefined;
    expect(error?.name).toBe(errorName);
    expect(error?.message).toMatch(message);
    expect(error?.$metadata.httpStatusCode).toBe(400);
  });

  it("a refused update changes nothing", async () => {
    const { name } = await h.createTable();
    await h.enableTtl(name);
    await expect(h.enableTtl(name, "other")).rejects.toThrow();
    expect(await describeTtl(name)).toEqual({
      TimeToLiveStatus: "ENABLED",
      AttributeName: "expiresAt",
    });
  });

  it("a table deleted and created again starts without TTL", async () => {
    const { name } = await h.createTable();
    await h.enableTtl(name);
    await h.db.send(new DeleteTableCommand({ TableName: name }));
    await tableGone(h.db, name);
    await h.createTable(name);
    expect(await describeTtl(name)).toEqual({ TimeToLiveStatus: "DISABLED" });
  });
});

describe("the TTL sweeper", () => {
  let h: Harness;
  beforeAll(async () => (h = await harness()));
  afterAll(() => h.engine.close());

  it("deletes expired Number TTLs only, each with a REMOVE record marked as the service's", async () => {
    const { name, streamArn } = await h.createTable();
    await h.enableTtl(name);
    const sixYears = 6 * 366 * 24 * 60 * 60;
    await h.put(name, "expired", { expiresAt: n(nowSeconds() - 60), score: n(7) });
    await h.put(name, "expires-now", { expiresAt: n(nowSeconds()) });
    await h.put(name, "future", { expiresAt: n(nowSeconds() + 60) });
    await h.put(name, "ancient", { expiresAt: n(nowSeconds() - sixYears) });
    await h.put(name, "string", { expiresAt: { S: String(nowSeconds() - 60) } });
    await h.put(name, "set", { expiresAt: { NS: [String(nowSeconds() - 60)] } });
    await h.put(name, "none", { score: n(1) });
    await h.put(name, "other-attribute", { ttl: n(nowSeconds() - 60) });

    expect(await h.engine.sweepExpired()).toBe(2);
    expect(await h.ids(name)).toEqual([
      "ancient",
      "future",
      "none",
      "other-attribute",
      "set",
      "string",
    ]);
    expect(await h.engine.sweepExpired()).toBe(0);

    const removes = (await h.readAll(streamArn!)).filter((r) => r.eventName === "REMOVE");
    expect(removes.map((r) => r.dynamodb!.Keys!.id!.S).sort()).toEqual(["expired", "expires-now"]);
    const expired = removes.find((r) => r.dynamodb!.Keys!.id!.S === "expired")!;
    expect(expired.userIdentity).toEqual({
      Type: "Service",
      PrincipalId: "dynamodb.amazonaws.com",
    });
    expect(expired.dynamodb!.OldImage).toEqual({
      id: { S: "expired" },
      expiresAt: n(nowSeconds() - 60),
      score: n(7),
    });
    expect(toLambdaRecord(expired, streamArn!).userIdentity).toEqual({
      type: "Service",
      principalId: "dynamodb.amazonaws.com",
    });
    // A caller's own writes carry no identity.
    const inserts = (await h.readAll(streamArn!)).filter((r) => r.eventName === "INSERT");
    expect(inserts.every((r) => r.userIdentity === undefined)).toBe(true);
  });

  it("tables without TTL, and tables without a stream, are swept or left as they should", async () => {
    const plain = await h.createTable(undefined, false);
    const untouched = await h.createTable();
    await h.enableTtl(plain.name);
    await h.put(plain.name, "gone", { expiresAt: n(nowSeconds() - 1) });
    await h.put(untouched.name, "kept", { expiresAt: n(nowSeconds() - 1) });
    expect(await h.engine.sweepExpired()).toBe(1);
    expect(await h.ids(plain.name)).toEqual([]);
    expect(await h.ids(untouched.name)).toEqual(["kept"]);
  });

  it("sweeps a big table page by page", async () => {
    const { name, streamArn } = await h.createTable();
    await h.enableTtl(name);
    for (let batch = 0; batch < 15; batch++) {
      await h.db.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [name]: Array.from({ length: 25 }, (_, i) => ({
              PutRequest: {
                Item: {
                  id: { S: `i${batch * 25 + i}` },
                  expiresAt: n(nowSeconds() - ((batch * 25 + i) % 2 === 0 ? 10 : -10)),
                  pad: { S: "x".repeat(2000) },
                },
              },
            })),
          },
        }),
      );
    }
    expect(await h.engine.sweepExpired()).toBe(188);
    expect(await h.ids(name)).toHaveLength(187);
    const removes = (await h.readAll(streamArn!)).filter((r) => r.eventName === "REMOVE");
    expect(removes).toHaveLength(188);
  });

  it("an item rewritten with a later expiry while the sweep runs is kept", async () => {
    const { name, streamArn } = await h.createTable();
    await h.enableTtl(name);
    for (let i = 0; i < 50; i++) await h.put(name, `r${i}`, { expiresAt: n(nowSeconds() - 1) });
    // Rewrites race with the sweep: each ends either before the sweep's delete (which then finds
    // the item unexpired) or after it (a new item). Either way the rewritten item is there.
    const [deleted] = await Promise.all([
      h.engine.sweepExpired(),
      ...Array.from({ length: 50 }, (_, i) =>
        h.put(name, `r${i}`, { expiresAt: n(nowSeconds() + 3600), v: n(2) }),
      ),
    ]);
    expect(await h.ids(name)).toHaveLength(50);
    for (let i = 0; i < 50; i++) {
      const { Item } = await h.db.send(
        new GetItemCommand({ TableName: name, Key: { id: { S: `r${i}` } } }),
      );
      expect(Item?.v).toEqual(n(2));
    }
    const records = await h.readAll(streamArn!);
    expect(records.filter((r) => r.eventName === "REMOVE")).toHaveLength(deleted);
    // Per item, each record's old image is the previous record's new image.
    for (let i = 0; i < 50; i++) {
      const own = records.filter((r) => r.dynamodb!.Keys!.id!.S === `r${i}`);
      for (let j = 1; j < own.length; j++)
        expect(own[j]!.dynamodb!.OldImage).toEqual(own[j - 1]!.dynamodb!.NewImage);
    }
  });
});

describe("the sweeper in the background and across restarts", () => {
  const dirs: string[] = [];
  const engines: LocalEngine[] = [];
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
    dirs.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
  });

  it("deletes expired items on its own, every ttlSweepIntervalMs", async () => {
    const h = await harness({ ttlSweepIntervalMs: 20 });
    engines.push(h.engine);
    const { name } = await h.createTable();
    await h.enableTtl(name);
    await h.put(name, "soon-gone", { expiresAt: n(nowSeconds() - 1) });
    await until(async () => (await h.ids(name)).length === 0, {
      timeoutMs: 5000,
      what: "the sweeper to delete the expired item",
    });
    expect(await h.ids(name)).toEqual([]);
  });

  it("TTL settings survive a restart in the data dir", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-ttl-"));
    dirs.push(dataDir);
    let h = await harness({ inMemory: false, dataDir });
    const { name } = await h.createTable();
    await h.enableTtl(name);
    await h.engine.close();

    h = await harness({ inMemory: false, dataDir });
    engines.push(h.engine);
    const { TimeToLiveDescription } = await h.db.send(
      new DescribeTimeToLiveCommand({ TableName: name }),
    );
    expect(TimeToLiveDescription).toEqual({
      TimeToLiveStatus: "ENABLED",
      AttributeName: "expiresAt",
    });
    await h.put(name, "old", { expiresAt: n(nowSeconds() - 1) });
    expect(await h.engine.sweepExpired()).toBe(1);
  });

  it("close() waits for a sweep in flight: every deletion has its record", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-ttl-"));
    dirs.push(dataDir);
    let h = await harness({ inMemory: false, dataDir });
    const { name, streamArn } = await h.createTable();
    await h.enableTtl(name);
    for (let i = 0; i < 150; i++) await h.put(name, `c${i}`, { expiresAt: n(nowSeconds() - 1) });
    const sweep = h.engine.sweepExpired();
    // Under way: it has deleted something (and perhaps not everything yet).
    await until(async () => (await h.ids(name)).length < 150, { what: "the sweep to start" });
    await h.engine.close();
    const deleted = await sweep;
    expect(await h.engine.sweepExpired()).toBe(0); // closed: no more sweeps

    h = await harness({ inMemory: false, dataDir });
    engines.push(h.engine);
    expect(await h.ids(name)).toHaveLength(150 - deleted);
    const removes = (await h.readAll(streamArn!)).filter((r) => r.eventName === "REMOVE");
    expect(removes).toHaveLength(deleted);
  });
});
