// Conformance of the embedded engine, through the AWS SDK clients only.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  type AttributeValue,
  type CreateTableCommandInput,
} from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  type _Record,
  type GetRecordsCommandOutput,
  type ShardIteratorType,
  type StreamViewType,
} from "@aws-sdk/client-dynamodb-streams";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startLocalEngine, type LocalEngineOptions } from "./index.ts";
import { clientsFor, tableActive, tableGone } from "./test-support.ts";

let tableCounter = 0;
function tableInput(
  viewType?: StreamViewType,
  name = `T${++tableCounter}x`,
): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "N" },
    ],
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ],
    ...(viewType ? { StreamSpecification: { StreamEnabled: true, StreamViewType: viewType } } : {}),
  };
}

const key = (pk: string, sk = 1): Record<string, AttributeValue> => ({
  pk: { S: pk },
  sk: { N: String(sk) },
});

/** Engine + clients + helpers to create a streamed table and read everything on its stream. */
async function harness(options: Partial<LocalEngineOptions> = {}) {
  const engine = await startLocalEngine({ port: 0, inMemory: true, ...options });
  const { db, streams } = clientsFor(engine.endpoint);

  async function createStreamed(viewType: StreamViewType = "NEW_AND_OLD_IMAGES") {
    const input = tableInput(viewType);
    const { TableDescription } = await db.send(new CreateTableCommand(input));
    await tableActive(db, input.TableName!);
    return { name: input.TableName!, streamArn: TableDescription!.LatestStreamArn! };
  }

  async function shards(streamArn: string) {
    const { StreamDescription } = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn }),
    );
    return StreamDescription!.Shards!;
  }

  async function iterator(
    streamArn: string,
    type: ShardIteratorType,
    sequenceNumber?: string,
    shardId?: string,
  ) {
    const shard = shardId ?? (await shards(streamArn))[0]!.ShardId!;
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard,
        ShardIteratorType: type,
        ...(sequenceNumber ? { SequenceNumber: sequenceNumber } : {}),
      }),
    );
    return ShardIterator!;
  }

  /** Every record on the stream, shard after shard, from the trim horizon. */
  async function readAll(streamArn: string): Promise<_Record[]> {
    const records: _Record[] = [];
    for (const shard of await shards(streamArn)) {
      let it: string | undefined = await iterator(
        streamArn,
        "TRIM_HORIZON",
        undefined,
        shard.ShardId,
      );
      while (it) {
        const page: GetRecordsCommandOutput = await streams.send(
          new GetRecordsCommand({ ShardIterator: it, Limit: 1000 }),
        );
        records.push(...page.Records!);
        if (page.Records!.length === 0) break;
        it = page.NextShardIterator;
      }
    }
    return records;
  }

  return { engine, db, streams, createStreamed, shards, iterator, readAll };
}

type Harness = Awaited<ReturnType<typeof harness>>;

describe("tables with streams", () => {
  let h: Harness;
  beforeAll(async () => (h = await harness()));
  afterAll(() => h.engine.close());

  it("CreateTable and DescribeTable report the stream as AWS does", async () => {
    const input = tableInput("NEW_AND_OLD_IMAGES");
    const { TableDescription } = await h.db.send(new CreateTableCommand(input));
    expect(TableDescription!.StreamSpecification).toEqual({
      StreamEnabled: true,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    });
    expect(TableDescription!.LatestStreamLabel).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
    expect(TableDescription!.LatestStreamArn).toBe(
      `${TableDescription!.TableArn}/stream/${TableDescription!.LatestStreamLabel}`,
    );
    const { Table } = await h.db.send(new DescribeTableCommand({ TableName: input.TableName }));
    expect(Table!.LatestStreamArn).toBe(TableDescription!.LatestStreamArn);
    expect(Table!.StreamSpecification?.StreamViewType).toBe("NEW_AND_OLD_IMAGES");
  });

  it("a table without StreamSpecification has no stream", async () => {
    const input = tableInput();
    const { TableDescription } = await h.db.send(new CreateTableCommand(input));
    expect(TableDescription!.LatestStreamArn).toBeUndefined();
    expect(TableDescription!.StreamSpecification).toBeUndefined();
    const { Streams } = await h.streams.send(
      new ListStreamsCommand({ TableName: input.TableName }),
    );
    expect(Streams).toEqual([]);
  });

  it("UpdateTable enables a stream, and disabling keeps its records readable", async () => {
    const input = tableInput();
    await h.db.send(new CreateTableCommand(input));
    await tableActive(h.db, input.TableName!);
    await h.db.send(new PutItemCommand({ TableName: input.TableName, Item: key("before") }));
    const { TableDescription } = await h.db.send(
      new UpdateTableCommand({
        TableName: input.TableName,
        StreamSpecification: { StreamEnabled: true, StreamViewType: "KEYS_ONLY" },
      }),
    );
    const arn = TableDescription!.LatestStreamArn!;
    expect(arn).toContain(`table/${input.TableName}/stream/`);
    await h.db.send(new PutItemCommand({ TableName: input.TableName, Item: key("after") }));

    await h.db.send(
      new UpdateTableCommand({
        TableName: input.TableName,
        StreamSpecification: { StreamEnabled: false },
      }),
    );
    await h.db.send(new PutItemCommand({ TableName: input.TableName, Item: key("disabled") }));
    const { StreamDescription } = await h.streams.send(
      new DescribeStreamCommand({ StreamArn: arn }),
    );
    expect(StreamDescription!.StreamStatus).toBe("DISABLED");
    const records = await h.readAll(arn);
    expect(records.map((r) => r.dynamodb!.Keys!.pk!.S)).toEqual(["after"]);
  });

  it("rejects a bad StreamSpecification and creates nothing", async () => {
    const input = tableInput();
    await expect(
      h.db.send(
        new CreateTableCommand({
          ...input,
          StreamSpecification: {
            StreamEnabled: true,
            StreamViewType: "EVERYTHING" as StreamViewType,
          },
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
    await expect(
      h.db.send(new DescribeTableCommand({ TableName: input.TableName })),
    ).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
  });

  it("enabling a second stream on a table fails like AWS", async () => {
    const { name } = await h.createStreamed();
    await expect(
      h.db.send(
        new UpdateTableCommand({
          TableName: name,
          StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" },
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
  });

  it("DeleteTable disables the stream; a new table of that name gets a new one", async () => {
    const { name, streamArn } = await h.createStreamed();
    await h.db.send(new PutItemCommand({ TableName: name, Item: key("a") }));
    await h.db.send(new DeleteTableCommand({ TableName: name }));
    await tableGone(h.db, name);
    const { TableDescription } = await h.db.send(
      new CreateTableCommand(tableInput("NEW_IMAGE", name)),
    );
    expect(TableDescription!.LatestStreamArn).not.toBe(streamArn);
    const { StreamDescription } = await h.streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn }),
    );
    expect(StreamDescription!.StreamStatus).toBe("DISABLED");
    expect(await h.readAll(streamArn)).toHaveLength(1);
  });
});

describe("DynamoDB calls go to dynalite unchanged", () => {
  let h: Harness;
  let plain: ReturnType<typeof clientsFor>;
  beforeAll(async () => {
    h = await harness();
    plain = clientsFor(h.engine.dynaliteEndpoint);
  });
  afterAll(() => h.engine.close());

  const badCalls: [
    string,
    (table: string) => PutItemCommand | UpdateItemCommand | GetItemCommand,
  ][] = [
    [
      "PutItem without the range key",
      (t) => new PutItemCommand({ TableName: t, Item: { pk: { S: "x" } } }),
    ],
    [
      "PutItem with a key of the wrong type",
      (t) => new PutItemCommand({ TableName: t, Item: { pk: { N: "1" }, sk: { N: "1" } } }),
    ],
    [
      "PutItem to a missing table",
      () => new PutItemCommand({ TableName: "NoSuchTable", Item: key("x") }),
    ],
    [
      "UpdateItem with a bad expression",
      (t) => new UpdateItemCommand({ TableName: t, Key: key("x"), UpdateExpression: "SET = 1" }),
    ],
    [
      "GetItem with an extra key attribute",
      (t) => new GetItemCommand({ TableName: t, Key: { ...key("x"), other: { S: "y" } } }),
    ],
  ];

  it.each(badCalls)("%s: same error as dynalite alone", async (_, command) => {
    const { name } = await h.createStreamed();
    const viaEngine = await h.db.send(command(name) as PutItemCommand).then(
      () => undefined,
      (e: Error) => e,
    );
    const viaDynalite = await plain.db.send(command(name) as PutItemCommand).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(viaEngine).toBeInstanceOf(Error);
    expect({ name: viaEngine!.name, message: viaEngine!.message }).toEqual({
      name: viaDynalite!.name,
      message: viaDynalite!.message,
    });
    expect(
      await h.readAll(
        (await h.db.send(new DescribeTableCommand({ TableName: name }))).Table!.LatestStreamArn!,
      ),
    ).toEqual([]);
  });

  it("answers reads and ReturnValues as dynalite does", async () => {
    const { name } = await h.createStreamed();
    await h.db.send(new PutItemCommand({ TableName: name, Item: { ...key("r"), n: { N: "1" } } }));
    const put = await h.db.send(
      new PutItemCommand({
        TableName: name,
        Item: { ...key("r"), n: { N: "2" } },
        ReturnValues: "ALL_OLD",
      }),
    );
    expect(put.Attributes).toEqual({ ...key("r"), n: { N: "1" } });
    const update = await h.db.send(
      new UpdateItemCommand({
        TableName: name,
        Key: key("r"),
        UpdateExpression: "ADD n :one",
        ExpressionAttributeValues: { ":one": { N: "1" } },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    expect(update.Attributes).toEqual({ n: { N: "3" } });
    const get = await h.db.send(new GetItemCommand({ TableName: name, Key: key("r") }));
    expect(get.Item!.n).toEqual({ N: "3" });
  });
});

describe("ReturnValues on a streamed table answer as dynalite alone", () => {
  let h: Harness;
  let plain: ReturnType<typeof clientsFor>;
  beforeAll(async () => {
    h = await harness();
    plain = clientsFor(h.engine.dynaliteEndpoint);
  });
  afterAll(() => h.engine.close());

  // The same sequence of writes, once through the engine (captured) and once to dynalite alone.
  const steps = (t: string) => [
    new PutItemCommand({
      TableName: t,
      Item: { ...key("rv"), n: { N: "007.50" } },
      ReturnValues: "ALL_OLD",
    }),
    new PutItemCommand({
      TableName: t,
      Item: { ...key("rv"), n: { N: "1e2" }, s: { NS: ["01", "2.0"] } },
    }),
    new PutItemCommand({
      TableName: t,
      Item: { ...key("rv"), n: { N: "3" } },
      ReturnValues: "ALL_OLD",
    }),
    new UpdateItemCommand({
      TableName: t,
      Key: key("rv"),
      UpdateExpression: "ADD n :one",
      ExpressionAttributeValues: { ":one": { N: "1" } },
      ReturnValues: "ALL_NEW",
    }),
    new UpdateItemCommand({
      TableName: t,
      Key: key("rv"),
      UpdateExpression: "ADD n :one",
      ExpressionAttributeValues: { ":one": { N: "1" } },
      ReturnValues: "ALL_OLD",
    }),
    new UpdateItemCommand({
      TableName: t,
      Key: key("rv"),
      UpdateExpression: "SET m = :m",
      ExpressionAttributeValues: { ":m": { S: "x" } },
      ReturnValues: "UPDATED_OLD",
    }),
    new UpdateItemCommand({
      TableName: t,
      Key: key("rv"),
      UpdateExpression: "SET m = :m",
      ExpressionAttributeValues: { ":m": { S: "y" } },
      ReturnValues: "UPDATED_NEW",
    }),
    new UpdateItemCommand({ TableName: t, Key: key("rv"), UpdateExpression: "REMOVE m" }),
    new DeleteItemCommand({ TableName: t, Key: key("rv"), ReturnValues: "ALL_OLD" }),
    new DeleteItemCommand({ TableName: t, Key: key("rv"), ReturnValues: "ALL_OLD" }),
  ];

  it("every step returns the same Attributes, and the stream's images are what was stored", async () => {
    const { name, streamArn } = await h.createStreamed();
    const other = tableInput();
    await plain.db.send(new CreateTableCommand(other));
    await tableActive(plain.db, other.TableName!);
    const engineSteps = steps(name);
    const plainSteps = steps(other.TableName!);
    for (let i = 0; i < engineSteps.length; i++) {
      const viaEngine = await h.db.send(engineSteps[i] as PutItemCommand);
      const viaDynalite = await plain.db.send(plainSteps[i] as PutItemCommand);
      expect(viaEngine.Attributes, `step ${i}`).toEqual(viaDynalite.Attributes);
    }
    const records = await h.readAll(streamArn);
    expect(records.map((r) => r.eventName)).toEqual([
      "INSERT",
      "MODIFY",
      "MODIFY",
      "MODIFY",
      "MODIFY",
      "MODIFY",
      "MODIFY",
      "MODIFY",
      "REMOVE",
    ]);
    expect(records[0]!.dynamodb!.NewImage!.n).toEqual({ N: "7.5" });
    expect(records[1]!.dynamodb!.NewImage!.s).toEqual({ NS: ["1", "2"] });
    records
      .slice(1)
      .forEach((record, i) =>
        expect(record.dynamodb!.OldImage).toEqual(records[i]!.dynamodb!.NewImage),
      );
  });
});

describe("captured writes", () => {
  let h: Harness;
  beforeAll(async () => (h = await harness()));
  afterAll(() => h.engine.close());

  it("PutItem, UpdateItem and DeleteItem yield INSERT, MODIFY, REMOVE with the right images", async () => {
    const { name, streamArn } = await h.createStreamed();
    await h.db.send(
      new PutItemCommand({ TableName: name, Item: { ...key("p"), Score: { N: "999" } } }),
    );
    await h.db.send(
      new UpdateItemCommand({
        TableName: name,
        Key: key("p"),
        UpdateExpression: "SET Score = :s, Nick = :n",
        ExpressionAttributeValues: { ":s": { N: "1000" }, ":n": { S: "Ace" } },
      }),
    );
    await h.db.send(new DeleteItemCommand({ TableName: name, Key: key("p") }));

    const records = await h.readAll(streamArn);
    expect(records.map((r) => r.eventName)).toEqual(["INSERT", "MODIFY", "REMOVE"]);
    const [insert, modify, remove] = records.map((r) => r.dynamodb!);
    expect(insert!.NewImage).toEqual({ ...key("p"), Score: { N: "999" } });
    expect(insert!.OldImage).toBeUndefined();
    expect(modify!.OldImage).toEqual({ ...key("p"), Score: { N: "999" } });
    expect(modify!.NewImage).toEqual({ ...key("p"), Score: { N: "1000" }, Nick: { S: "Ace" } });
    expect(remove!.OldImage).toEqual(modify!.NewImage);
    expect(remove!.NewImage).toBeUndefined();
    for (const record of records) {
      expect(record).toMatchObject({
        eventVersion: "1.1",
        eventSource: "aws:dynamodb",
        awsRegion: "us-east-1",
      });
      expect(record.eventID).toMatch(/^[0-9a-f]{32}$/);
      expect(record.dynamodb!.Keys).toEqual(key("p"));
      expect(record.dynamodb!.SequenceNumber).toMatch(/^\d+$/);
      expect(record.dynamodb!.SizeBytes).toBeGreaterThan(0);
      expect(record.dynamodb!.StreamViewType).toBe("NEW_AND_OLD_IMAGES");
      expect(record.dynamodb!.ApproximateCreationDateTime).toBeInstanceOf(Date);
      expect(
        Math.abs(record.dynamodb!.ApproximateCreationDateTime!.getTime() - Date.now()),
      ).toBeLessThan(10_000);
    }
    const sequence = records.map((r) => BigInt(r.dynamodb!.SequenceNumber!));
    expect([...sequence].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequence);
  });

  it.each([
    ["KEYS_ONLY", false, false],
    ["NEW_IMAGE", true, false],
    ["OLD_IMAGE", false, true],
    ["NEW_AND_OLD_IMAGES", true, true],
  ] as const)(
    "StreamViewType %s carries new image: %s, old image: %s",
    async (viewType, hasNew, hasOld) => {
      const { name, streamArn } = await h.createStreamed(viewType);
      await h.db.send(
        new PutItemCommand({ TableName: name, Item: { ...key("v"), a: { S: "1" } } }),
      );
      await h.db.send(
        new PutItemCommand({ TableName: name, Item: { ...key("v"), a: { S: "2" } } }),
      );
      const [, modify] = await h.readAll(streamArn);
      expect(modify!.dynamodb!.StreamViewType).toBe(viewType);
      expect(modify!.dynamodb!.Keys).toEqual(key("v"));
      expect(modify!.dynamodb!.NewImage).toEqual(
        hasNew ? { ...key("v"), a: { S: "2" } } : undefined,
      );
      expect(modify!.dynamodb!.OldImage).toEqual(
        hasOld ? { ...key("v"), a: { S: "1" } } : undefined,
      );
    },
  );

  it("BatchWriteItem yields one record per changed item", async () => {
    const { name, streamArn } = await h.createStreamed();
    await h.db.send(
      new PutItemCommand({ TableName: name, Item: { ...key("old"), a: { S: "x" } } }),
    );
    await h.db.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [name]: [
            { PutRequest: { Item: { ...key("b1"), a: { S: "1" } } } },
            { PutRequest: { Item: { ...key("old"), a: { S: "y" } } } },
            { DeleteRequest: { Key: key("b2") } }, // missing: no record
            { PutRequest: { Item: { ...key("b3"), a: { S: "3" } } } },
          ],
        },
      }),
    );
    await h.db.send(
      new BatchWriteItemCommand({
        RequestItems: { [name]: [{ DeleteRequest: { Key: key("b1") } }] },
      }),
    );
    const records = (await h.readAll(streamArn)).slice(1);
    expect(records.map((r) => [r.eventName, r.dynamodb!.Keys!.pk!.S])).toEqual([
      ["INSERT", "b1"],
      ["MODIFY", "old"],
      ["INSERT", "b3"],
      ["REMOVE", "b1"],
    ]);
    expect(records[1]!.dynamodb!.OldImage!.a).toEqual({ S: "x" });
  });

  it("failed, conditional-failed and no-op writes yield no record", async () => {
    const { name, streamArn } = await h.createStreamed();
    await h.db.send(new PutItemCommand({ TableName: name, Item: { ...key("c"), a: { S: "1" } } }));
    await expect(
      h.db.send(
        new PutItemCommand({
          TableName: name,
          Item: { ...key("c"), a: { S: "2" } },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await h.db.send(new PutItemCommand({ TableName: name, Item: { ...key("c"), a: { S: "1" } } })); // same item
    await h.db.send(
      new UpdateItemCommand({
        TableName: name,
        Key: key("c"),
        UpdateExpression: "SET a = :a",
        ExpressionAttributeValues: { ":a": { S: "1" } },
      }),
    );
    await h.db.send(new DeleteItemCommand({ TableName: name, Key: key("missing") }));
    await expect(
      h.db.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "no range key" } } })),
    ).rejects.toMatchObject({ name: "ValidationException" });
    expect((await h.readAll(streamArn)).map((r) => r.eventName)).toEqual(["INSERT"]);
  });

  it("a record is readable as soon as its write has returned", async () => {
    const { name, streamArn } = await h.createStreamed();
    const latest = await h.iterator(streamArn, "LATEST");
    for (let i = 0; i < 20; i++) {
      await h.db.send(new PutItemCommand({ TableName: name, Item: { ...key("r", i) } }));
      const { Records } = await h.streams.send(new GetRecordsCommand({ ShardIterator: latest }));
      expect(Records).toHaveLength(i + 1);
    }
  });

  it("20 concurrent writers on one key: one record each, chained old → new", async () => {
    const { name, streamArn } = await h.createStreamed();
    await Promise.all(
      Array.from({ length: 20 }, (_, writer) =>
        h.db.send(
          new UpdateItemCommand({
            TableName: name,
            Key: key("hot"),
            UpdateExpression: "ADD n :one SET lastWriter = :w",
            ExpressionAttributeValues: { ":one": { N: "1" }, ":w": { N: String(writer) } },
          }),
        ),
      ),
    );
    const records = await h.readAll(streamArn);
    expect(records).toHaveLength(20);
    expect(records[0]!.eventName).toBe("INSERT");
    records.forEach((record, i) => {
      expect(record.dynamodb!.NewImage!.n).toEqual({ N: String(i + 1) });
      if (i > 0) expect(record.dynamodb!.OldImage).toEqual(records[i - 1]!.dynamodb!.NewImage);
    });
    expect(new Set(records.map((r) => r.dynamodb!.NewImage!.lastWriter!.N)).size).toBe(20);
  });

  it("hundreds of concurrent writes across many keys: every change once, in order per key", async () => {
    const { name, streamArn } = await h.createStreamed();
    const keys = 30;
    const writesPerKey = 12;
    const writes = Array.from({ length: keys * writesPerKey }, (_, i) => {
      const k = key(`k${i % keys}`);
      const step = Math.floor(i / keys);
      if (step === writesPerKey - 1 && i % 3 === 0)
        return new DeleteItemCommand({ TableName: name, Key: k });
      return new UpdateItemCommand({
        TableName: name,
        Key: k,
        UpdateExpression: "ADD n :one",
        ExpressionAttributeValues: { ":one": { N: "1" } },
      });
    });
    await Promise.all(writes.map((w) => h.db.send(w)));
    const records = await h.readAll(streamArn);
    expect(records).toHaveLength(keys * writesPerKey);
    const byKey = new Map<string, _Record[]>();
    for (const r of records)
      byKey.set(r.dynamodb!.Keys!.pk!.S!, [...(byKey.get(r.dynamodb!.Keys!.pk!.S!) ?? []), r]);
    expect(byKey.size).toBe(keys);
    for (const chain of byKey.values()) {
      chain.forEach((record, i) => {
        if (i > 0) expect(record.dynamodb!.OldImage).toEqual(chain[i - 1]!.dynamodb!.NewImage);
      });
    }
  });
});

describe("the Streams API", () => {
  let h: Harness;
  beforeAll(async () => (h = await harness({ shardMaxRecords: 4 })));
  afterAll(() => h.engine.close());

  it("ListStreams filters by table and pages with Limit", async () => {
    const a = await h.createStreamed();
    const b = await h.createStreamed();
    const { Streams } = await h.streams.send(new ListStreamsCommand({ TableName: a.name }));
    expect(Streams).toEqual([
      { StreamArn: a.streamArn, TableName: a.name, StreamLabel: a.streamArn.split("/stream/")[1] },
    ]);
    const first = await h.streams.send(new ListStreamsCommand({ Limit: 1 }));
    expect(first.Streams).toHaveLength(1);
    expect(first.LastEvaluatedStreamArn).toBeDefined();
    const rest = await h.streams.send(
      new ListStreamsCommand({ ExclusiveStartStreamArn: first.LastEvaluatedStreamArn }),
    );
    expect(rest.Streams!.map((s) => s.StreamArn)).toContain(b.streamArn);
  });

  it("every iterator type starts where AWS says", async () => {
    const { name, streamArn } = await h.createStreamed();
    for (let i = 1; i <= 3; i++)
      await h.db.send(new PutItemCommand({ TableName: name, Item: key("it", i) }));
    const all = await h.readAll(streamArn);
    const [s1, s2] = all.map((r) => r.dynamodb!.SequenceNumber!);
    const read = async (type: ShardIteratorType, seq?: string) =>
      (
        await h.streams.send(
          new GetRecordsCommand({ ShardIterator: await h.iterator(streamArn, type, seq) }),
        )
      ).Records!.map((r) => r.dynamodb!.Keys!.sk!.N);
    expect(await read("TRIM_HORIZON")).toEqual(["1", "2", "3"]);
    expect(await read("LATEST")).toEqual([]);
    expect(await read("AT_SEQUENCE_NUMBER", s2)).toEqual(["2", "3"]);
    expect(await read("AFTER_SEQUENCE_NUMBER", s1)).toEqual(["2", "3"]);
  });

  it("GetRecords honours Limit and hands on a NextShardIterator", async () => {
    const { name, streamArn } = await h.createStreamed();
    for (let i = 1; i <= 3; i++)
      await h.db.send(new PutItemCommand({ TableName: name, Item: key("lim", i) }));
    const first = await h.streams.send(
      new GetRecordsCommand({
        ShardIterator: await h.iterator(streamArn, "TRIM_HORIZON"),
        Limit: 2,
      }),
    );
    expect(first.Records).toHaveLength(2);
    const second = await h.streams.send(
      new GetRecordsCommand({ ShardIterator: first.NextShardIterator }),
    );
    expect(second.Records!.map((r) => r.dynamodb!.Keys!.sk!.N)).toEqual(["3"]);
    const third = await h.streams.send(
      new GetRecordsCommand({ ShardIterator: second.NextShardIterator }),
    );
    expect(third.Records).toEqual([]);
    expect(third.NextShardIterator).toBeDefined();
  });

  it("shards roll over: a closed shard ends, its child names it as parent", async () => {
    const { name, streamArn } = await h.createStreamed();
    for (let i = 1; i <= 10; i++)
      await h.db.send(new PutItemCommand({ TableName: name, Item: key("sh", i) }));
    const shards = await h.shards(streamArn);
    expect(shards).toHaveLength(3);
    expect(shards[0]!.SequenceNumberRange!.EndingSequenceNumber).toBeDefined();
    expect(shards[1]!.ParentShardId).toBe(shards[0]!.ShardId);
    expect(shards[2]!.SequenceNumberRange!.EndingSequenceNumber).toBeUndefined();
    const end = await h.streams.send(
      new GetRecordsCommand({
        ShardIterator: await h.iterator(streamArn, "TRIM_HORIZON", undefined, shards[0]!.ShardId),
      }),
    );
    expect(end.Records).toHaveLength(4);
    expect(end.NextShardIterator).toBeUndefined();
    expect((await h.readAll(streamArn)).map((r) => r.dynamodb!.Keys!.sk!.N)).toEqual(
      Array.from({ length: 10 }, (_, i) => String(i + 1)),
    );
  });

  const badCalls: [string, (arn: string, shardId: string) => Promise<unknown>, string][] = [
    [
      "DescribeStream of an unknown stream",
      (arn) => h.streams.send(new DescribeStreamCommand({ StreamArn: `${arn}x` })),
      "ResourceNotFoundException",
    ],
    [
      "GetShardIterator of an unknown shard",
      (arn) =>
        h.streams.send(
          new GetShardIteratorCommand({
            StreamArn: arn,
            ShardId: "shardId-nope",
            ShardIteratorType: "LATEST",
          }),
        ),
      "ResourceNotFoundException",
    ],
    [
      "AT_SEQUENCE_NUMBER without a sequence number",
      (arn, shardId) =>
        h.streams.send(
          new GetShardIteratorCommand({
            StreamArn: arn,
            ShardId: shardId,
            ShardIteratorType: "AT_SEQUENCE_NUMBER",
          }),
        ),
      "ValidationException",
    ],
    [
      "AFTER_SEQUENCE_NUMBER with a non-number",
      (arn, shardId) =>
        h.streams.send(
          new GetShardIteratorCommand({
            StreamArn: arn,
            ShardId: shardId,
            ShardIteratorType: "AFTER_SEQUENCE_NUMBER",
            SequenceNumber: "abc",
          }),
        ),
      "ValidationException",
    ],
    [
      "an unknown iterator type",
      (arn, shardId) =>
        h.streams.send(
          new GetShardIteratorCommand({
            StreamArn: arn,
            ShardId: shardId,
            ShardIteratorType: "OLDEST" as ShardIteratorType,
          }),
        ),
      "ValidationException",
    ],
    [
      "GetRecords with a malformed iterator",
      () => h.streams.send(new GetRecordsCommand({ ShardIterator: "not-an-iterator" })),
      "ValidationException",
    ],
    [
      "GetRecords with a tampered iterator",
      (arn) => h.streams.send(new GetRecordsCommand({ ShardIterator: `${arn}|1|bm9wZQ` })),
      "ValidationException",
    ],
    [
      "GetRecords with Limit 1001",
      async (arn) =>
        h.streams.send(
          new GetRecordsCommand({ ShardIterator: await h.iterator(arn, "LATEST"), Limit: 1001 }),
        ),
      "ValidationException",
    ],
    [
      "GetRecords on a stream that does not exist",
      (arn) =>
        h.streams.send(
          new GetRecordsCommand({
            ShardIterator: `${arn}x|1|${Buffer.from('["s","0",0]').toString("base64url")}`,
          }),
        ),
      "ResourceNotFoundException",
    ],
  ];

  it.each(badCalls)("%s fails with HTTP 400 %s", async (_, call, errorName) => {
    const { streamArn } = await h.createStreamed();
    const shardId = (await h.shards(streamArn))[0]!.ShardId!;
    const error = (await call(streamArn, shardId).then(
      () => undefined,
      (e: unknown) => e,
    )) as { name: string; $metadata: { httpStatusCode: number } } | undefined;
    expect(error?.name).toBe(errorName);
    expect(error?.$metadata.httpStatusCode).toBe(400);
  });
});

describe("time: iterator expiry and the 24-hour trim", () => {
  let h: Harness;
  let now = Date.parse("2026-01-01T00:00:00Z");
  beforeAll(async () => (h = await harness({ clock: () => now })));
  afterAll(() => h.engine.close());

  it("an iterator expires after 15 minutes", async () => {
    const { name, streamArn } = await h.createStreamed();
    await h.db.send(new PutItemCommand({ TableName: name, Item: key("e") }));
    const iterator = await h.iterator(streamArn, "TRIM_HORIZON");
    now += 15 * 60 * 1000;
    const page = await h.streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
    expect(page.Records).toHaveLength(1);
    now += 15 * 60 * 1000 + 1;
    await expect(
      h.streams.send(new GetRecordsCommand({ ShardIterator: page.NextShardIterator })),
    ).rejects.toMatchObject({
      name: "ExpiredIteratorException",
      $metadata: { httpStatusCode: 400 },
    });
  });

  it("records older than 24 hours are trimmed, and positions before the trim point refused", async () => {
    const { name, streamArn } = await h.createStreamed();
    await h.db.send(new PutItemCommand({ TableName: name, Item: key("old") }));
    const [old] = await h.readAll(streamArn);
    const staleIterator = await h.iterator(streamArn, "TRIM_HORIZON");
    now += 12 * 60 * 60 * 1000;
    await h.db.send(new PutItemCommand({ TableName: name, Item: key("young") }));
    now += 12 * 60 * 60 * 1000 + 1000;

    expect((await h.readAll(streamArn)).map((r) => r.dynamodb!.Keys!.pk!.S)).toEqual(["young"]);
    await expect(
      h.iterator(streamArn, "AT_SEQUENCE_NUMBER", old!.dynamodb!.SequenceNumber),
    ).rejects.toMatchObject({
      name: "TrimmedDataAccessException",
    });
    // Issued a day ago: past its 15 minutes as well as before the trim point.
    await expect(
      h.streams.send(new GetRecordsCommand({ ShardIterator: staleIterator })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 400 },
    });
  });

  it("an iterator issued before a trim that passed its position is refused as trimmed", async () => {
    const { name, streamArn } = await h.createStreamed();
    await h.db.send(new PutItemCommand({ TableName: name, Item: key("a") }));
    now += 24 * 60 * 60 * 1000 - 5 * 60 * 1000; // the record is 5 minutes short of 24 hours old
    const iterator = await h.iterator(streamArn, "TRIM_HORIZON");
    now += 10 * 60 * 1000; // trimmed now, iterator still young
    await expect(
      h.streams.send(new GetRecordsCommand({ ShardIterator: iterator })),
    ).rejects.toMatchObject({
      name: "TrimmedDataAccessException",
    });
  });
});

describe("persistence in a data dir", () => {
  const dirs: string[] = [];
  afterEach(() =>
    dirs.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })),
  );

  it("items, records and stream positions survive a restart", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-"));
    dirs.push(dataDir);
    let h = await harness({ inMemory: false, dataDir });
    const { name, streamArn } = await h.createStreamed();
    for (let i = 1; i <= 3; i++)
      await h.db.send(new PutItemCommand({ TableName: name, Item: key("p", i) }));
    const before = await h.readAll(streamArn);
    const lastSeq = before.at(-1)!.dynamodb!.SequenceNumber!;
    const savedIterator = (
      await h.streams.send(
        new GetRecordsCommand({ ShardIterator: await h.iterator(streamArn, "TRIM_HORIZON") }),
      )
    ).NextShardIterator!;
    await h.engine.close();

    h = await harness({ inMemory: false, dataDir });
    try {
      const { Table } = await h.db.send(new DescribeTableCommand({ TableName: name }));
      expect(Table!.LatestStreamArn).toBe(streamArn);
      expect(
        (await h.db.send(new GetItemCommand({ TableName: name, Key: key("p", 2) }))).Item,
      ).toEqual(key("p", 2));
      expect(await h.readAll(streamArn)).toEqual(before);

      await h.db.send(new PutItemCommand({ TableName: name, Item: key("p", 4) }));
      const after = await h.readAll(streamArn);
      expect(after).toHaveLength(4);
      expect(BigInt(after[3]!.dynamodb!.SequenceNumber!)).toBeGreaterThan(BigInt(lastSeq));
      // An iterator handed out before the restart still reads on from where it was.
      const resumed = await h.streams.send(new GetRecordsCommand({ ShardIterator: savedIterator }));
      expect(resumed.Records!.map((r) => r.dynamodb!.Keys!.sk!.N)).toEqual(["4"]);
      const afterSeq = await h.iterator(streamArn, "AFTER_SEQUENCE_NUMBER", lastSeq);
      expect(
        (await h.streams.send(new GetRecordsCommand({ ShardIterator: afterSeq }))).Records,
      ).toHaveLength(1);
    } finally {
      await h.engine.close();
    }
  });

  it("a second engine on the same data dir is refused with a clear error; the first keeps serving", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-"));
    dirs.push(dataDir);
    const h = await harness({ inMemory: false, dataDir });
    try {
      await expect(startLocalEngine({ port: 0, dataDir })).rejects.toThrow(
        `The data dir ${dataDir} is already in use by this process.`,
      );
      const { name } = await h.createStreamed();
      await h.db.send(new PutItemCommand({ TableName: name, Item: key("still-here") }));
    } finally {
      await h.engine.close();
    }
    // Released on close: the dir opens again, also after a start that failed on a taken port.
    const again = await startLocalEngine({ port: 0, dataDir });
    const busy = await startLocalEngine({
      port: again.port,
      dataDir: path.join(dataDir, "other"),
    }).catch((e: Error) => e);
    expect(busy).toBeInstanceOf(Error);
    await again.close();
    const reopened = await startLocalEngine({ port: 0, dataDir: path.join(dataDir, "other") });
    await reopened.close();
  });

  it("close() waits for writes in flight: none is half-written", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-"));
    dirs.push(dataDir);
    let h = await harness({ inMemory: false, dataDir });
    const { name, streamArn } = await h.createStreamed();
    const writes = Array.from({ length: 50 }, (_, i) =>
      h.db.send(new PutItemCommand({ TableName: name, Item: key("w", i) })).then(
        () => true,
        () => false,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    await h.engine.close();
    const acknowledged = (await Promise.all(writes)).filter(Boolean).length;

    h = await harness({ inMemory: false, dataDir });
    try {
      const records = await h.readAll(streamArn);
      // Every acknowledged write has its record; nothing is recorded twice.
      expect(records.length).toBeGreaterThanOrEqual(acknowledged);
      expect(new Set(records.map((r) => r.dynamodb!.SequenceNumber)).size).toBe(records.length);
      for (const record of records) {
        const { Item } = await h.db.send(
          new GetItemCommand({ TableName: name, Key: record.dynamodb!.Keys! }),
        );
        expect(Item).toEqual(record.dynamodb!.NewImage);
      }
    } finally {
      await h.engine.close();
    }
  });
});
