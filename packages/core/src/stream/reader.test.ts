// The stream reader against the embedded engine, through the SDK clients, on a clock it controls.
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  PutItemCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBStreamsClient, Shard } from "@aws-sdk/client-dynamodb-streams";
import { startLocalEngine, type LocalEngine } from "@streamboard/local/engine/index";
import { clientsFor } from "@streamboard/local/engine/test-support";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  describeShards,
  findLatestStream,
  latestOf,
  listTableStreams,
  parentsFirst,
  readShard,
  ShardCursor,
} from "./reader.ts";

let now = Date.UTC(2026, 0, 1);
let engine: LocalEngine;
let db: DynamoDBClient;
let streams: DynamoDBStreamsClient;
/** The same endpoint, one entry a ListStreams or DescribeStream page. */
let paged: DynamoDBStreamsClient;
const pageCalls: string[] = [];
let tables = 0;

/** A client whose every ListStreams and DescribeStream page holds one entry. */
function pagedClient(endpoint: string): DynamoDBStreamsClient {
  const client = clientsFor(endpoint).streams;
  client.middlewareStack.add(
    (next, context) => (args) => {
      const input = args.input as { Limit?: number };
      if (
        context.commandName === "ListStreamsCommand" ||
        context.commandName === "DescribeStreamCommand"
      ) {
        input.Limit = 1;
        pageCalls.push(context.commandName);
      }
      return next(args);
    },
    { step: "initialize" },
  );
  return client;
}

beforeAll(async () => {
  engine = await startLocalEngine({
    port: 0,
    inMemory: true,
    clock: () => now,
    ttlSweepIntervalMs: 0,
  });
  ({ db, streams } = clientsFor(engine.endpoint));
  paged = pagedClient(engine.endpoint);
});
afterAll(() => engine.close());

async function createTable(name = `Reader${++tables}`) {
  await db.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
    }),
  );
  await waitUntilTableExists({ client: db, maxWaitTime: 30 }, { TableName: name });
  const { Table } = await db.send(new DescribeTableCommand({ TableName: name }));
  return { name, streamArn: Table!.LatestStreamArn! };
}

const put = async (TableName: string, ...pks: string[]) => {
  for (const pk of pks) await db.send(new PutItemCommand({ TableName, Item: { pk: { S: pk } } }));
};

const pks = (records: { dynamodb?: { Keys?: Record<string, { S?: string }> } }[]) =>
  records.map((r) => r.dynamodb?.Keys?.pk?.S);

describe("finding the stream", () => {
  test("the latest stream by label, across ListStreams pages, after the table was recreated", async () => {
    const { name, streamArn: first } = await createTable();
    now += 1000; // labels are creation times to the millisecond
    await db.send(new DeleteTableCommand({ TableName: name }));
    await waitUntilTableNotExists({ client: db, maxWaitTime: 30 }, { TableName: name });
    const { streamArn: second } = await createTable(name);
    now += 1000;

    pageCalls.length = 0;
    const listed = await listTableStreams(name, { client: paged });
    expect(listed.map((s) => s.streamArn).sort()).toEqual([first, second].sort());
    // One entry a page: the second page came from ExclusiveStartStreamArn.
    expect(pageCalls.filter((c) => c === "ListStreamsCommand").length).toBeGreaterThanOrEqual(2);
    expect((await findLatestStream(name, { client: paged }))?.streamArn).toBe(second);
    expect(first).not.toBe(second);
  });

  test("latestOf goes by label, not by where the stream is in the list", () => {
    const newest = { streamArn: "arn:b", label: "2026-01-02T00:00:00.000" };
    const older = { streamArn: "arn:a", label: "2026-01-01T00:00:00.000" };
    expect(latestOf([newest, older])).toBe(newest);
    expect(latestOf([older, newest])).toBe(newest);
    expect(latestOf([])).toBeUndefined();
  });

  test("a table without a stream has none; a stream that is gone has no shards", async () => {
    expect(await findLatestStream("NoSuchTable", { client: streams })).toBeUndefined();
    const { streamArn } = await createTable();
    const gone = streamArn.replace(/stream\/.*$/, "stream/2000-01-01T00:00:00.000");
    expect(await describeShards(gone, { client: streams })).toBeUndefined();
  });
});

describe("shards", () => {
  test("all shards across DescribeStream pages, parents before their children", async () => {
    // Two records a shard: seven records make four shards, each the child of the one before.
    const small = await startLocalEngine({ port: 0, inMemory: true, shardMaxRecords: 2 });
    const saved = { db, streams };
    ({ db, streams } = clientsFor(small.endpoint));
    try {
      await shardsInOrder(pagedClient(small.endpoint));
    } finally {
      ({ db, streams } = saved);
      await small.close();
    }
  });

  async function shardsInOrder(paged: DynamoDBStreamsClient) {
    const { name, streamArn } = await createTable();
    await put(name, "a", "b", "c", "d", "e", "f", "g");
    pageCalls.length = 0;
    const shards = (await describeShards(streamArn, { client: paged }))!;
    expect(shards.length).toBeGreaterThanOrEqual(4);
    expect(pageCalls.filter((c) => c === "DescribeStreamCommand").length).toBe(shards.length);

    const ordered = parentsFirst([...shards].reverse());
    const at = new Map(ordered.map((s, i) => [s.ShardId, i]));
    for (const shard of ordered) {
      if (shard.ParentShardId)
        expect(at.get(shard.ParentShardId)).toBeLessThan(at.get(shard.ShardId)!);
    }
    const all = [];
    for (const shard of ordered) {
      all.push(
        ...(await readShard(streamArn, shard.ShardId!, "TRIM_HORIZON", { client: streams }))
          .records,
      );
    }
    expect(pks(all)).toEqual(["a", "b", "c", "d", "e", "f", "g"]);
  }

  test("parentsFirst: a parent no longer listed does not hold its child back", () => {
    const shard = (id: string, parent?: string): Shard => ({
      ShardId: id,
      ...(parent ? { ParentShardId: parent } : {}),
    });
    const ordered = parentsFirst([shard("c", "b"), shard("b", "a"), shard("x", "trimmed")]);
    expect(ordered.map((s) => s.ShardId)).toEqual(["b", "x", "c"]);
  });
});

describe("reading a shard", () => {
  async function openShard() {
    const { name, streamArn } = await createTable();
    await put(name, "a");
    const [shard] = (await describeShards(streamArn, { client: streams }))!;
    return { name, streamArn, shardId: shard!.ShardId! };
  }

  test("page after page, each after the last record returned; empty at the tip", async () => {
    const { name, streamArn, shardId } = await openShard();
    const cursor = new ShardCursor(streamArn, shardId, "TRIM_HORIZON", { client: streams });
    expect(pks((await cursor.next()).records)).toEqual(["a"]);
    expect((await cursor.next()).records).toEqual([]);
    await put(name, "b");
    const page = await cursor.next();
    expect(pks(page.records)).toEqual(["b"]);
    expect(page).toMatchObject({ expired: false, trimmed: false, gone: false });
  });

  test("an expired iterator is replaced after the last record read: nothing skipped or repeated", async () => {
    const { name, streamArn, shardId } = await openShard();
    const cursor = new ShardCursor(streamArn, shardId, "TRIM_HORIZON", { client: streams });
    expect(pks((await cursor.next()).records)).toEqual(["a"]);
    now += 16 * 60 * 1000; // iterators live 15 minutes
    await put(name, "b");
    const page = await cursor.next();
    expect(page.expired).toBe(true);
    expect(pks(page.records)).toEqual(["b"]);
  });

  /** "a" and "b" now, "c" 3 hours later (one shard: it rolls over after 4 hours). */
  async function agingShard() {
    const { name, streamArn, shardId } = await openShard();
    now += 1000;
    await put(name, "b");
    now += 3 * 60 * 60 * 1000;
    await put(name, "c");
    return { name, streamArn, shardId, t0: now - 3 * 60 * 60 * 1000 - 1000 };
  }

  test("a position past the trim restarts at TRIM_HORIZON and says so", async () => {
    const { streamArn, shardId, t0 } = await agingShard();
    const [a] = (await readShard(streamArn, shardId, "TRIM_HORIZON", { client: streams })).records;
    now = t0 + 24 * 60 * 60 * 1000 + 5000; // "a" and "b" are past 24 hours, "c" is not

    const read = await readShard(
      streamArn,
      shardId,
      { after: a!.dynamodb!.SequenceNumber! },
      { client: streams },
    );
    expect(read.trimmed).toBe(true);
    expect(pks(read.records)).toEqual(["c"]);
  });

  test("an iterator whose position was trimmed while it was held restarts at TRIM_HORIZON", async () => {
    const { streamArn, shardId, t0 } = await agingShard();
    now = t0 + 24 * 60 * 60 * 1000 - 5 * 60 * 1000; // "a" is 5 minutes short of 24 hours old
    const cursor = new ShardCursor(streamArn, shardId, "TRIM_HORIZON", { client: streams });
    expect(pks((await cursor.next(1)).records)).toEqual(["a"]);
    now += 10 * 60 * 1000; // "a" and "b" trimmed now; the iterator (after "a") is still young
    const page = await cursor.next();
    expect(page).toMatchObject({ trimmed: true, expired: false });
    expect(pks(page.records)).toEqual(["c"]);
  });
});
