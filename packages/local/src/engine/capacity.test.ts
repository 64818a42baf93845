// Consumed capacity as AWS bills it, through the AWS SDK only.
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type ConsumedCapacity,
  type GlobalSecondaryIndex,
  type CreateTableCommandInput,
  type ReturnConsumedCapacity,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startLocalEngine, type LocalEngine } from "./index.ts";
import { itemSize } from "./item-size.ts";
import { tableActive } from "./test-support.ts";

type Item = Record<string, AttributeValue>;
type Projection = NonNullable<GlobalSecondaryIndex["Projection"]>;

const credentials = { accessKeyId: "local", secretAccessKey: "local" };
let engine: LocalEngine;
let db: DynamoDBClient;

/** An item of exactly `size` bytes as DynamoDB counts them (attribute names plus values). */
function sized(pk: string, size: number, extra: Item = {}): Item {
  const base: Item = { pk: { S: pk }, ...extra, pad: { S: "" } };
  const pad = size - itemSize(base);
  if (pad < 0) throw new Error(`cannot make an item of ${size} bytes`);
  return { ...base, pad: { S: "x".repeat(pad) } };
}

const PLAIN = "CapPlain";
const INDEXED = "CapIndexed";
const LOCAL = "CapLocal";

const tables: CreateTableCommandInput[] = [
  {
    TableName: PLAIN,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
  },
  {
    TableName: INDEXED,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "g", AttributeType: "S" },
      { AttributeName: "s", AttributeType: "N" },
    ],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    GlobalSecondaryIndexes: (
      [
        ["gAll", { ProjectionType: "ALL" }],
        ["gKeys", { ProjectionType: "KEYS_ONLY" }],
        ["gIncl", { ProjectionType: "INCLUDE", NonKeyAttributes: ["p"] }],
      ] as const
    ).map(([IndexName, Projection]) => ({
      IndexName,
      Projection: { ...Projection } as Projection,
      KeySchema: [
        { AttributeName: "g", KeyType: "HASH" as const },
        { AttributeName: "s", KeyType: "RANGE" as const },
      ],
    })),
  },
  {
    TableName: LOCAL,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "N" },
      { AttributeName: "l", AttributeType: "N" },
    ],
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ],
    LocalSecondaryIndexes: [
      {
        IndexName: "byL",
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "l", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "KEYS_ONLY" },
      },
    ],
  },
];

beforeAll(async () => {
  engine = await startLocalEngine({ inMemory: true, port: 0 });
  db = new DynamoDBClient({
    endpoint: engine.endpoint,
    region: "us-east-1",
    credentials,
    maxAttempts: 1,
  });
  for (const input of tables) {
    await db.send(new CreateTableCommand(input));
    await tableActive(db, input.TableName!);
  }
});
afterAll(async () => {
  db.destroy();
  await engine.close();
});

const put = async (
  TableName: string,
  Item: Item,
  ReturnConsumedCapacity: ReturnConsumedCapacity = "INDEXES",
) =>
  (await db.send(new PutItemCommand({ TableName, Item, ReturnConsumedCapacity }))).ConsumedCapacity;

const update = async (key: string, UpdateExpression: string, values?: Item) =>
  (
    await db.send(
      new UpdateItemCommand({
        TableName: INDEXED,
        Key: { pk: { S: key } },
        UpdateExpression,
        ...(values ? { ExpressionAttributeValues: values } : {}),
        ReturnConsumedCapacity: "INDEXES",
      }),
    )
  ).ConsumedCapacity;

const w = (n: number) => ({ CapacityUnits: n, WriteCapacityUnits: n });
const r = (n: number) => ({ CapacityUnits: n, ReadCapacityUnits: n });

describe("writes", () => {
  it.each([
    [1000, 1],
    [1024, 1],
    [1025, 2],
    [2048, 2],
    [2049, 3],
  ])("a put of %i bytes costs %i unit(s) (TOTAL)", async (size, units) => {
    expect(await put(PLAIN, sized(`w${size}`, size), "TOTAL")).toEqual({
      TableName: PLAIN,
      ...w(units),
    });
  });

  it("an overwrite costs the larger of the old and new item; a delete the old item", async () => {
    await put(PLAIN, sized("big", 3000));
    expect(await put(PLAIN, sized("big", 10))).toEqual({
      TableName: PLAIN,
      ...w(3),
      Table: w(3),
    });
    const deleted = await db.send(
      new DeleteItemCommand({
        TableName: PLAIN,
        Key: { pk: { S: "big" } },
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    expect(deleted.ConsumedCapacity).toEqual({ TableName: PLAIN, ...w(1) });
    const missing = await db.send(
      new DeleteItemCommand({
        TableName: PLAIN,
        Key: { pk: { S: "never" } },
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    expect(missing.ConsumedCapacity).toEqual({ TableName: PLAIN, ...w(1) });
  });

  it("NONE or no ReturnConsumedCapacity: no field; ReturnValues answered as asked", async () => {
    await put(PLAIN, sized("rv", 100));
    const none = await db.send(
      new PutItemCommand({
        TableName: PLAIN,
        Item: sized("rv", 200),
        ReturnConsumedCapacity: "NONE",
      }),
    );
    expect(none.ConsumedCapacity).toBeUndefined();
    expect(none.Attributes).toBeUndefined();
    const old = await db.send(
      new PutItemCommand({ TableName: PLAIN, Item: sized("rv", 300), ReturnValues: "ALL_OLD" }),
    );
    expect(old.ConsumedCapacity).toBeUndefined();
    expect(old.Attributes).toEqual(sized("rv", 200));
  });

  it("UpdateItem answers the ReturnValues asked for, beside its capacity", async () => {
    await put(PLAIN, { pk: { S: "upd" }, a: { N: "1" }, b: { S: "b" } });
    const send = (ReturnValues: "ALL_OLD" | "UPDATED_NEW" | "NONE", a: string) =>
      db.send(
        new UpdateItemCommand({
          TableName: PLAIN,
          Key: { pk: { S: "upd" } },
          UpdateExpression: "SET a = :a",
          ExpressionAttributeValues: { ":a": { N: a } },
          ReturnValues,
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
    const allOld = await send("ALL_OLD", "2");
    expect(allOld.Attributes).toEqual({ pk: { S: "upd" }, a: { N: "1" }, b: { S: "b" } });
    expect(allOld.ConsumedCapacity).toEqual({ TableName: PLAIN, ...w(1) });
    const updatedNew = await send("UPDATED_NEW", "3");
    expect(updatedNew.Attributes).toEqual({ a: { N: "3" } });
    expect(updatedNew.ConsumedCapacity).toEqual({ TableName: PLAIN, ...w(1) });
    const none = await send("NONE", "4");
    expect(none.Attributes).toBeUndefined();
  });

  it("a failed conditional write is billed, and answers no capacity", async () => {
    await put(PLAIN, sized("cond", 1500));
    engine.capacity.reset();
    await expect(
      db.send(
        new PutItemCommand({
          TableName: PLAIN,
          Item: sized("cond", 100),
          ConditionExpression: "attribute_not_exists(pk)",
          ReturnConsumedCapacity: "TOTAL",
        }),
      ),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await expect(
      db.send(
        new UpdateItemCommand({
          TableName: PLAIN,
          Key: { pk: { S: "absent" } },
          UpdateExpression: "SET a = :a",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":a": { S: "a" } },
        }),
      ),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(engine.capacity.snapshot()[PLAIN]).toMatchObject({ writeUnits: 3, writeRequests: 2 });
  });
});

describe("global secondary indexes", () => {
  const keys = { g: { S: "a" }, s: { N: "1" } };

  it("an item entering ALL, KEYS_ONLY and INCLUDE indexes: one write each", async () => {
    expect(await put(INDEXED, sized("i1", 1500, { ...keys, p: { S: "p" } }))).toEqual({
      TableName: INDEXED,
      ...w(2 + 2 + 1 + 1),
      Table: w(2),
      GlobalSecondaryIndexes: { gAll: w(2), gKeys: w(1), gIncl: w(1) },
    });
  });

  it("a projected attribute changed: the indexes projecting it only", async () => {
    await put(INDEXED, sized("i2", 100, { ...keys, p: { S: "p" } }));
    expect(await update("i2", "SET p = :p", { ":p": { S: "P" } })).toEqual({
      TableName: INDEXED,
      ...w(3),
      Table: w(1),
      GlobalSecondaryIndexes: { gAll: w(1), gIncl: w(1) },
    });
  });

  it("an unprojected attribute changed: ALL only; KEYS_ONLY and INCLUDE cost 0", async () => {
    await put(INDEXED, sized("i3", 100, { ...keys, p: { S: "p" } }));
    expect(await update("i3", "SET q = :q", { ":q": { S: "q" } })).toEqual({
      TableName: INDEXED,
      ...w(2),
      Table: w(1),
      GlobalSecondaryIndexes: { gAll: w(1) },
    });
  });

  it("an index key changed: a delete and a put in each index", async () => {
    await put(INDEXED, sized("i4", 100, { ...keys, p: { S: "p" } }));
    expect(await update("i4", "SET s = :s", { ":s": { N: "2" } })).toEqual({
      TableName: INDEXED,
      ...w(7),
      Table: w(1),
      GlobalSecondaryIndexes: { gAll: w(2), gKeys: w(2), gIncl: w(2) },
    });
  });

  it("an item leaving the indexes: one delete each", async () => {
    await put(INDEXED, sized("i5", 100, { ...keys, p: { S: "p" } }));
    expect(await update("i5", "REMOVE g")).toEqual({
      TableName: INDEXED,
      ...w(4),
      Table: w(1),
      GlobalSecondaryIndexes: { gAll: w(1), gKeys: w(1), gIncl: w(1) },
    });
  });

  it("sparse: an item without the index keys costs no index", async () => {
    expect(await put(INDEXED, sized("i6", 100, { g: { S: "a" } }))).toEqual({
      TableName: INDEXED,
      ...w(1),
      Table: w(1),
    });
  });

  it("a failed conditional write bills the table only", async () => {
    await put(INDEXED, sized("i8", 1500, { ...keys, p: { S: "p" } }));
    engine.capacity.reset();
    await expect(
      db.send(
        new UpdateItemCommand({
          TableName: INDEXED,
          Key: { pk: { S: "i8" } },
          UpdateExpression: "SET s = :s",
          ConditionExpression: "attribute_not_exists(pk)",
          ExpressionAttributeValues: { ":s": { N: "9" } },
        }),
      ),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(engine.capacity.snapshot()[INDEXED]).toEqual({
      readUnits: 0,
      writeUnits: 2,
      readRequests: 0,
      writeRequests: 1,
      indexes: {},
    });
  });

  it("TOTAL reports the sum, indexes included, without the breakdown", async () => {
    expect(await put(INDEXED, sized("i7", 100, keys), "TOTAL")).toEqual({
      TableName: INDEXED,
      ...w(4),
    });
  });

  it("a Query on an index is charged to the index, by its entries' size", async () => {
    for (let i = 0; i < 8; i++) {
      await put(INDEXED, sized(`q${i}`, 2000, { g: { S: "query" }, s: { N: String(i) } }));
    }
    const all = await db.send(
      new QueryCommand({
        TableName: INDEXED,
        IndexName: "gAll",
        KeyConditionExpression: "g = :g",
        ExpressionAttributeValues: { ":g": { S: "query" } },
        ReturnConsumedCapacity: "INDEXES",
      }),
    );
    // 8 × 2000 bytes = 16,000 bytes → 4 units of 4 KB, halved: eventually consistent.
    expect(all.ConsumedCapacity).toEqual({
      TableName: INDEXED,
      ...r(2),
      Table: r(0),
      GlobalSecondaryIndexes: { gAll: r(2) },
    });
    const keysOnly = await db.send(
      new QueryCommand({
        TableName: INDEXED,
        IndexName: "gKeys",
        KeyConditionExpression: "g = :g",
        ExpressionAttributeValues: { ":g": { S: "query" } },
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    expect(keysOnly.Count).toBe(8);
    expect(keysOnly.ConsumedCapacity).toEqual({ TableName: INDEXED, ...r(0.5) });
  });
});

describe("local secondary indexes", () => {
  it("are reported apart from global ones, for writes and for a Query", async () => {
    const item = { pk: { S: "l" }, sk: { N: "1" }, l: { N: "5" } };
    expect(await put(LOCAL, item)).toEqual({
      TableName: LOCAL,
      ...w(2),
      Table: w(1),
      LocalSecondaryIndexes: { byL: w(1) },
    });
    const { ConsumedCapacity } = await db.send(
      new QueryCommand({
        TableName: LOCAL,
        IndexName: "byL",
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: "l" } },
        ConsistentRead: true,
        ReturnConsumedCapacity: "INDEXES",
      }),
    );
    expect(ConsumedCapacity).toEqual({
      TableName: LOCAL,
      ...r(1),
      Table: r(0),
      LocalSecondaryIndexes: { byL: r(1) },
    });
  });
});

describe("reads", () => {
  beforeAll(async () => {
    await put(PLAIN, sized("r4096", 4096));
    await put(PLAIN, sized("r4097", 4097));
    await put(PLAIN, sized("r1500", 1536));
    await put(PLAIN, sized("r6500", 6656));
  });

  it.each([
    ["r4096", true, 1],
    ["r4096", false, 0.5],
    ["r4097", true, 2],
    ["r4097", false, 1],
    ["missing", true, 1],
    ["missing", false, 0.5],
  ])("GetItem %s, consistent %s: %d", async (pk, ConsistentRead, units) => {
    const { ConsumedCapacity } = await db.send(
      new GetItemCommand({
        TableName: PLAIN,
        Key: { pk: { S: pk } },
        ConsistentRead,
        ReturnConsumedCapacity: "INDEXES",
      }),
    );
    expect(ConsumedCapacity).toEqual({ TableName: PLAIN, ...r(units), Table: r(units) });
  });

  it("GetItem with a projection costs the whole item", async () => {
    const { ConsumedCapacity, Item } = await db.send(
      new GetItemCommand({
        TableName: PLAIN,
        Key: { pk: { S: "r4097" } },
        ProjectionExpression: "pk",
        ConsistentRead: true,
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    expect(Item).toEqual({ pk: { S: "r4097" } });
    expect(ConsumedCapacity).toEqual({ TableName: PLAIN, ...r(2) });
  });

  it("BatchGetItem rounds each item up, a missing one included", async () => {
    const keys = ["r1500", "r6500", "missing"].map((pk) => ({ pk: { S: pk } }));
    const strong = await db.send(
      new BatchGetItemCommand({
        RequestItems: { [PLAIN]: { Keys: keys, ConsistentRead: true } },
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    expect(strong.Responses?.[PLAIN]).toHaveLength(2);
    expect(strong.ConsumedCapacity).toEqual([{ TableName: PLAIN, ...r(1 + 2 + 1) }]);
    const eventual = await db.send(
      new BatchGetItemCommand({
        RequestItems: { [PLAIN]: { Keys: keys } },
        ReturnConsumedCapacity: "INDEXES",
      }),
    );
    expect(eventual.ConsumedCapacity).toEqual([{ TableName: PLAIN, ...r(2), Table: r(2) }]);
  });

  it("Scan: the items evaluated, filtered out or not, rounded up once per page", async () => {
    const scanned = await db.send(new ScanCommand({ TableName: LOCAL, ConsistentRead: true }));
    const size = scanned.Items!.reduce((sum, item) => sum + itemSize(item), 0);
    const expected = Math.max(1, Math.ceil(size / 4096));
    const whole = await db.send(
      new ScanCommand({ TableName: LOCAL, ConsistentRead: true, ReturnConsumedCapacity: "TOTAL" }),
    );
    expect(whole.ConsumedCapacity).toEqual({ TableName: LOCAL, ...r(expected) });
    const all = await db.send(
      new ScanCommand({ TableName: PLAIN, ReturnConsumedCapacity: "TOTAL" }),
    );
    const filtered = await db.send(
      new ScanCommand({
        TableName: PLAIN,
        FilterExpression: "pk = :none",
        ExpressionAttributeValues: { ":none": { S: "none" } },
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    expect(filtered.Count).toBe(0);
    expect(filtered.ScannedCount).toBe(all.Count);
    expect(all.ConsumedCapacity!.CapacityUnits).toBeGreaterThanOrEqual(2);
    expect(filtered.ConsumedCapacity).toEqual(all.ConsumedCapacity);
  });
});

describe("BatchWriteItem", () => {
  it("rounds each item up and answers one ConsumedCapacity per table", async () => {
    const { ConsumedCapacity } = await db.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [PLAIN]: [
            { PutRequest: { Item: sized("b1", 500) } },
            { PutRequest: { Item: sized("b2", 3584) } },
          ],
          [INDEXED]: [
            { PutRequest: { Item: sized("b3", 100, { g: { S: "b" }, s: { N: "1" } }) } },
            { DeleteRequest: { Key: { pk: { S: "none" } } } },
          ],
        },
        ReturnConsumedCapacity: "INDEXES",
      }),
    );
    expect(ConsumedCapacity).toEqual([
      { TableName: PLAIN, ...w(5), Table: w(5) },
      {
        TableName: INDEXED,
        ...w(5),
        Table: w(2),
        GlobalSecondaryIndexes: { gAll: w(1), gKeys: w(1), gIncl: w(1) },
      },
    ]);
  });
});

describe("the meter", () => {
  beforeEach(() => engine.capacity.reset());

  it("bills every call, asked or not, per table and index", async () => {
    await db.send(
      new PutItemCommand({
        TableName: INDEXED,
        Item: sized("m1", 1500, { g: { S: "m" }, s: { N: "1" } }),
      }),
    );
    await db.send(new GetItemCommand({ TableName: INDEXED, Key: { pk: { S: "m1" } } }));
    await db.send(
      new QueryCommand({
        TableName: INDEXED,
        IndexName: "gKeys",
        KeyConditionExpression: "g = :g",
        ExpressionAttributeValues: { ":g": { S: "m" } },
      }),
    );
    await db.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [PLAIN]: [
            { PutRequest: { Item: sized("m2", 100) } },
            { PutRequest: { Item: sized("m3", 100) } },
          ],
        },
      }),
    );
    expect(engine.capacity.snapshot()).toEqual({
      [INDEXED]: {
        readUnits: 1,
        writeUnits: 6,
        readRequests: 2,
        writeRequests: 1,
        indexes: {
          gAll: { readUnits: 0, writeUnits: 2 },
          gKeys: { readUnits: 0.5, writeUnits: 1 },
          gIncl: { readUnits: 0, writeUnits: 1 },
        },
      },
      [PLAIN]: { readUnits: 0, writeUnits: 2, readRequests: 0, writeRequests: 1, indexes: {} },
    });
  });
});

describe("transactions", () => {
  it("bills 2 units per KB per item written, 2 read units per 4 KB checked; indexes as standard writes", async () => {
    await db.send(new PutItemCommand({ TableName: PLAIN, Item: sized("tx-check", 5000) }));
    engine.capacity.reset();
    const out = await db.send(
      new TransactWriteItemsCommand({
        ReturnConsumedCapacity: "INDEXES",
        TransactItems: [
          // 1.5 KB: 2 KB billed, twice.
          { Put: { TableName: PLAIN, Item: sized("tx-a", 1500) } },
          // Enters gAll (its whole 300 bytes: 1 unit) and gKeys (1 unit); gIncl lacks nothing.
          {
            Put: {
              TableName: INDEXED,
              Item: sized("tx-b", 300, { g: { S: "g" }, s: { N: "1" } }),
            },
          },
          // 5,000 bytes checked: two 4 KB units, twice.
          {
            ConditionCheck: {
              TableName: PLAIN,
              Key: { pk: { S: "tx-check" } },
              ConditionExpression: "attribute_exists(pk)",
            },
          },
        ],
      }),
    );
    const byTable: Record<string, ConsumedCapacity> = Object.fromEntries(
      (out.ConsumedCapacity ?? []).map((c) => [c.TableName!, c]),
    );
    expect(byTable[PLAIN]).toMatchObject({
      CapacityUnits: 8,
      ReadCapacityUnits: 4,
      WriteCapacityUnits: 4,
    });
    expect(byTable[INDEXED]).toMatchObject({ CapacityUnits: 5, WriteCapacityUnits: 5 });
    expect(byTable[INDEXED]!.GlobalSecondaryIndexes).toMatchObject({
      gAll: { CapacityUnits: 1 },
      gKeys: { CapacityUnits: 1 },
      gIncl: { CapacityUnits: 1 },
    });
    const usage = engine.capacity.snapshot();
    expect(usage[PLAIN]).toMatchObject({ readUnits: 4, writeUnits: 4 });
    expect(usage[INDEXED]).toMatchObject({ writeUnits: 5, writeRequests: 1 });

    const got = await db.send(
      new TransactGetItemsCommand({
        ReturnConsumedCapacity: "TOTAL",
        TransactItems: [{ Get: { TableName: PLAIN, Key: { pk: { S: "tx-a" } } } }],
      }),
    );
    expect(got.ConsumedCapacity).toEqual([
      { TableName: PLAIN, CapacityUnits: 2, ReadCapacityUnits: 2 },
    ]);
  });
});
