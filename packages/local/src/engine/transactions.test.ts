// Transactions in the embedded engine (TransactWriteItems, TransactGetItems), through the SDK only.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  IdempotentParameterMismatchException,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { type _Record } from "@aws-sdk/client-dynamodb-streams";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalEngine, type LocalEngine } from "./index.ts";
import { until } from "../testing.ts";
import { clientsFor, readStream, startEngineCli, tableActive, tableGone } from "./test-support.ts";

type Item = Record<string, AttributeValue>;

const key = (pk: string): Item => ({ pk: { S: pk } });
const n = (value: number): AttributeValue => ({ N: String(value) });

let tableCounter = 0;
async function createTable(
  db: DynamoDBClient,
  stream = true,
  TableName = `Tx${++tableCounter}x`,
): Promise<string> {
  await db.send(
    new CreateTableCommand({
      TableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      ...(stream
        ? { StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" } }
        : {}),
    }),
  );
  await tableActive(db, TableName);
  return TableName;
}

/** Every record on the table's stream, from the trim horizon. */
async function streamOf(
  db: DynamoDBClient,
  streams: DynamoDBStreamsClient,
  TableName: string,
): Promise<_Record[]> {
  const { Table } = await db.send(new DescribeTableCommand({ TableName }));
  return readStream(streams, Table!.LatestStreamArn!);
}

const summary = (records: _Record[]) =>
  records.map((r) => ({
    eventName: r.eventName,
    keys: r.dynamodb!.Keys,
    oldImage: r.dynamodb!.OldImage,
    newImage: r.dynamodb!.NewImage,
  }));

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}

describe("TransactWriteItems and TransactGetItems", () => {
  let now = Date.now();
  let engine: LocalEngine;
  let db: DynamoDBClient;
  let streams: DynamoDBStreamsClient;
  beforeAll(async () => {
    engine = await startLocalEngine({ port: 0, inMemory: true, clock: () => now });
    ({ db, streams } = clientsFor(engine.endpoint));
  });
  afterAll(() => engine.close());

  const get = async (TableName: string, pk: string) =>
    (await db.send(new GetItemCommand({ TableName, Key: key(pk), ConsistentRead: true }))).Item;

  it("applies Put, Update, Delete and ConditionCheck together, one stream record per changed item", async () => {
    const table = await createTable(db);
    await db.send(new PutItemCommand({ TableName: table, Item: { ...key("upd"), v: n(1) } }));
    await db.send(new PutItemCommand({ TableName: table, Item: { ...key("del"), v: n(2) } }));
    await db.send(new PutItemCommand({ TableName: table, Item: { ...key("chk"), v: n(3) } }));
    await db.send(new PutItemCommand({ TableName: table, Item: { ...key("same"), v: n(4) } }));
    const before = (await streamOf(db, streams, table)).length;

    await db.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Put: {
              TableName: table,
              Item: { ...key("new"), v: { N: "05.50" } },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Update: {
              TableName: table,
              Key: key("upd"),
              UpdateExpression: "ADD v :one SET t = :t",
              ExpressionAttributeValues: { ":one": n(1), ":t": { S: "x" } },
            },
          },
          {
            Delete: {
              TableName: table,
              Key: key("del"),
              ConditionExpression: "v = :two",
              ExpressionAttributeValues: { ":two": n(2) },
            },
          },
          {
            ConditionCheck: {
              TableName: table,
              Key: key("chk"),
              ConditionExpression: "v = :three",
              ExpressionAttributeValues: { ":three": n(3) },
            },
          },
          { Put: { TableName: table, Item: { ...key("same"), v: n(4) } } },
        ],
      }),
    );

    expect(await get(table, "new")).toEqual({ ...key("new"), v: { N: "5.5" } });
    expect(await get(table, "upd")).toEqual({ ...key("upd"), v: n(2), t: { S: "x" } });
    expect(await get(table, "del")).toBeUndefined();
    expect(await get(table, "chk")).toEqual({ ...key("chk"), v: n(3) });
    const records = (await streamOf(db, streams, table)).slice(before);
    expect(summary(records)).toEqual([
      {
        eventName: "INSERT",
        keys: key("new"),
        oldImage: undefined,
        newImage: { ...key("new"), v: { N: "5.5" } },
      },
      {
        eventName: "MODIFY",
        keys: key("upd"),
        oldImage: { ...key("upd"), v: n(1) },
        newImage: { ...key("upd"), v: n(2), t: { S: "x" } },
      },
      {
        eventName: "REMOVE",
        keys: key("del"),
        oldImage: { ...key("del"), v: n(2) },
        newImage: undefined,
      },
    ]);
  });

  it("cancels the whole transaction, reporting every failing condition in order", async () => {
    const table = await createTable(db);
    await db.send(new PutItemCommand({ TableName: table, Item: { ...key("a"), v: n(1) } }));
    await db.send(new PutItemCommand({ TableName: table, Item: { ...key("b"), v: n(2) } }));
    const before = (await streamOf(db, streams, table)).length;

    const error = await rejection(
      db.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { ...key("c"), v: n(3) } } },
            {
              Update: {
                TableName: table,
                Key: key("a"),
                UpdateExpression: "SET v = :v",
                ConditionExpression: "v = :wrong",
                ExpressionAttributeValues: { ":v": n(10), ":wrong": n(99) },
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              },
            },
            { Delete: { TableName: table, Key: key("b") } },
            {
              ConditionCheck: {
                TableName: table,
                Key: key("missing"),
                ConditionExpression: "attribute_exists(pk)",
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              },
            },
          ],
        }),
      ),
    );
    expect(error).toBeInstanceOf(TransactionCanceledException);
    const canceled = error as TransactionCanceledException;
    expect(canceled.$metadata.httpStatusCode).toBe(400);
    expect(canceled.message).toBe(
      "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, None, ConditionalCheckFailed]",
    );
    expect(canceled.CancellationReasons).toEqual([
      { Code: "None" },
      {
        Code: "ConditionalCheckFailed",
        Message: "The conditional request failed",
        Item: { ...key("a"), v: n(1) },
      },
      { Code: "None" },
      { Code: "ConditionalCheckFailed", Message: "The conditional request failed" },
    ]);
    // Nothing of it happened.
    expect(await get(table, "c")).toBeUndefined();
    expect(await get(table, "a")).toEqual({ ...key("a"), v: n(1) });
    expect(await get(table, "b")).toEqual({ ...key("b"), v: n(2) });
    expect((await streamOf(db, streams, table)).length).toBe(before);
  });

  it("an update the item cannot take cancels with a ValidationError reason", async () => {
    const table = await createTable(db);
    await db.send(
      new PutItemCommand({ TableName: table, Item: { ...key("s"), v: { S: "text" } } }),
    );
    const error = await rejection(
      db.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: table, Item: key("other") } },
            {
              Update: {
                TableName: table,
                Key: key("s"),
                UpdateExpression: "ADD v :one",
                ExpressionAttributeValues: { ":one": n(1) },
              },
            },
          ],
        }),
      ),
    );
    expect(error).toBeInstanceOf(TransactionCanceledException);
    const reasons = (error as TransactionCanceledException).CancellationReasons!;
    expect(reasons.map((r) => r.Code)).toEqual(["None", "ValidationError"]);
    expect(reasons[1]!.Message).toMatch(/incorrect data type|Type mismatch/);
    expect(error.message).toMatch(/\[None, ValidationError\]$/);
    expect(await get(table, "other")).toBeUndefined();
  });

  describe("validation", () => {
    let table: string;
    beforeAll(async () => (table = await createTable(db)));
    const put = (pk: string, extra: Item = {}): TransactWriteItem => ({
      Put: { TableName: table, Item: { ...key(pk), ...extra } },
    });

    it.each<[string, () => TransactWriteItem[], string, RegExp]>([
      [
        "an empty list",
        () => [],
        "ValidationException",
        /Member must have length greater than or equal to 1/,
      ],
      [
        "more than 100 items",
        () => Array.from({ length: 101 }, (_, i) => put(`p${i}`)),
        "ValidationException",
        /Member must have length less than or equal to 100/,
      ],
      [
        "one item twice",
        () => [put("twice"), { Delete: { TableName: table, Key: key("twice") } }],
        "ValidationException",
        /^Transaction request cannot include multiple operations on one item$/,
      ],
      [
        "two operations in one entry",
        () => [{ ...put("x"), Delete: { TableName: table, Key: key("x") } }],
        "ValidationException",
        /can only contain one of/,
      ],
      [
        "an Update without UpdateExpression",
        () => [{ Update: { TableName: table, Key: key("x"), UpdateExpression: undefined } }],
        "ValidationException",
        /updateExpression' failed to satisfy constraint: Member must not be null/,
      ],
      [
        "a key of the wrong type",
        () => [{ Delete: { TableName: table, Key: { pk: { N: "1" } } } }],
        "ValidationException",
        /key/i,
      ],
      [
        "an unused expression value",
        () => [
          {
            Put: {
              TableName: table,
              Item: key("x"),
              ConditionExpression: "attribute_not_exists(pk)",
              ExpressionAttributeValues: { ":unused": n(1) },
            },
          },
        ],
        "ValidationException",
        /unused/,
      ],
      [
        "a table that does not exist",
        () => [{ Put: { TableName: "NoSuchTable", Item: key("x") } }],
        "ResourceNotFoundException",
        /Requested resource not found/,
      ],
      [
        "more than 4 MB",
        () =>
          Array.from({ length: 11 }, (_, i) =>
            put(`big${i}`, { blob: { S: "x".repeat(390_000) } }),
          ),
        "ValidationException",
        /4 MB/,
      ],
    ])("rejects %s", async (_, items, name, message) => {
      const error = await rejection(
        db.send(new TransactWriteItemsCommand({ TransactItems: items() })),
      );
      expect(error.name).toBe(name);
      expect(error.message).toMatch(message);
      expect(await get(table, "x")).toBeUndefined();
      expect(await get(table, "twice")).toBeUndefined();
    });

    it("TransactGetItems rejects an empty list, one item twice and an unknown table", async () => {
      for (const [TransactItems, pattern] of [
        [[], /greater than or equal to 1/],
        [
          [
            { Get: { TableName: table, Key: key("a") } },
            { Get: { TableName: table, Key: key("a") } },
          ],
          /multiple operations on one item/,
        ],
        [[{ Get: { TableName: "NoSuchTable", Key: key("a") } }], /Requested resource not found/],
      ] as const) {
        const error = await rejection(
          db.send(new TransactGetItemsCommand({ TransactItems: [...TransactItems] })),
        );
        expect(error.message).toMatch(pattern);
      }
    });
  });

  it("a ClientRequestToken makes a retry a no-op for 10 minutes, and another body a mismatch", async () => {
    const table = await createTable(db);
    const increment = (by: number): TransactWriteItem[] => [
      {
        Update: {
          TableName: table,
          Key: key("counter"),
          UpdateExpression: "ADD c :by",
          ExpressionAttributeValues: { ":by": n(by) },
        },
      },
    ];
    const token = "token-1";
    await db.send(
      new TransactWriteItemsCommand({ TransactItems: increment(1), ClientRequestToken: token }),
    );
    await db.send(
      new TransactWriteItemsCommand({ TransactItems: increment(1), ClientRequestToken: token }),
    );
    expect(await get(table, "counter")).toEqual({ ...key("counter"), c: n(1) });
    expect((await streamOf(db, streams, table)).length).toBe(1);

    const mismatch = await rejection(
      db.send(
        new TransactWriteItemsCommand({ TransactItems: increment(2), ClientRequestToken: token }),
      ),
    );
    expect(mismatch).toBeInstanceOf(IdempotentParameterMismatchException);
    expect(await get(table, "counter")).toEqual({ ...key("counter"), c: n(1) });

    now += 10 * 60 * 1000 + 1;
    await db.send(
      new TransactWriteItemsCommand({ TransactItems: increment(1), ClientRequestToken: token }),
    );
    expect(await get(table, "counter")).toEqual({ ...key("counter"), c: n(2) });
    expect((await streamOf(db, streams, table)).length).toBe(2);
  });

  it("TransactGetItems reads several items, with projections, missing ones as empty", async () => {
    const table = await createTable(db, false);
    const other = await createTable(db);
    await db.send(
      new PutItemCommand({ TableName: table, Item: { ...key("a"), v: n(1), w: n(2) } }),
    );
    await db.send(new PutItemCommand({ TableName: other, Item: { ...key("b"), v: n(3) } }));
    const { Responses } = await db.send(
      new TransactGetItemsCommand({
        TransactItems: [
          {
            Get: {
              TableName: table,
              Key: key("a"),
              ProjectionExpression: "#w",
              ExpressionAttributeNames: { "#w": "w" },
            },
          },
          { Get: { TableName: other, Key: key("b") } },
          { Get: { TableName: table, Key: key("none") } },
        ],
      }),
    );
    expect(Responses).toEqual([{ Item: { w: n(2) } }, { Item: { ...key("b"), v: n(3) } }, {}]);
  });

  it("no reader ever sees half a transaction", async () => {
    const table = await createTable(db);
    await db.send(new PutItemCommand({ TableName: table, Item: { ...key("a"), v: n(100) } }));
    await db.send(new PutItemCommand({ TableName: table, Item: { ...key("b"), v: n(0) } }));
    const move = (from: string, to: string) =>
      db.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName: table,
                Key: key(from),
                UpdateExpression: "ADD v :m",
                ExpressionAttributeValues: { ":m": n(-1) },
              },
            },
            {
              Update: {
                TableName: table,
                Key: key(to),
                UpdateExpression: "ADD v :p",
                ExpressionAttributeValues: { ":p": n(1) },
              },
            },
          ],
        }),
      );
    const value = (item: Item | undefined) => Number(item?.v?.N);
    let done = false;
    const sums: number[] = [];
    const readers = Array.from({ length: 3 }, async () => {
      while (!done) {
        const [txGet, batch, scan] = await Promise.all([
          db.send(
            new TransactGetItemsCommand({
              TransactItems: [
                { Get: { TableName: table, Key: key("a") } },
                { Get: { TableName: table, Key: key("b") } },
              ],
            }),
          ),
          db.send(
            new BatchGetItemCommand({
              RequestItems: { [table]: { Keys: [key("a"), key("b")], ConsistentRead: true } },
            }),
          ),
          db.send(new ScanCommand({ TableName: table, ConsistentRead: true })),
        ]);
        sums.push(value(txGet.Responses![0]!.Item) + value(txGet.Responses![1]!.Item));
        sums.push(batch.Responses![table]!.reduce((sum, item) => sum + value(item), 0));
        sums.push(scan.Items!.reduce((sum, item) => sum + value(item), 0));
        await new Promise((resolve) => setTimeout(resolve, 1)); // leave the writers some CPU
      }
    });
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; i < 25; i++) await (w % 2 === 0 ? move("a", "b") : move("b", "a"));
    });
    await Promise.all(writers);
    done = true;
    await Promise.all(readers);
    expect(sums.length).toBeGreaterThan(30);
    expect(new Set(sums)).toEqual(new Set([100]));
    expect(value(await get(table, "a")) + value(await get(table, "b"))).toBe(100);
  });

  it("concurrent transactions on one item see each other's effects: a guarded balance never goes below zero", async () => {
    const table = await createTable(db);
    await db.send(new PutItemCommand({ TableName: table, Item: { ...key("acct"), v: n(20) } }));
    const withdraw = (i: number) =>
      db.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName: table,
                Key: key("acct"),
                UpdateExpression: "ADD v :minus",
                ConditionExpression: "v >= :one",
                ExpressionAttributeValues: { ":minus": n(-1), ":one": n(1) },
              },
            },
            { Put: { TableName: table, Item: { ...key(`w${i}`), by: n(i) } } },
          ],
        }),
      );
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => withdraw(i)));
    const ok = results.filter((r) => r.status === "fulfilled").length;
    expect(ok).toBe(20);
    for (const r of results) {
      if (r.status === "rejected") expect(r.reason).toBeInstanceOf(TransactionCanceledException);
    }
    expect(await get(table, "acct")).toEqual({ ...key("acct"), v: n(0) });
    const { Items } = await db.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
    expect(Items!.length).toBe(1 + 20);
    expect((await streamOf(db, streams, table)).length).toBe(1 + 2 * 20);
  });

  it("serialises with concurrent single-item writes, on tables with and without a stream", async () => {
    for (const stream of [true, false]) {
      const table = await createTable(db, stream);
      const add = (pk: string) => ({
        TableName: table,
        Key: key(pk),
        UpdateExpression: "ADD c :one",
        ExpressionAttributeValues: { ":one": n(1) },
      });
      // A transaction that only moves forward when its condition matches what it read.
      const transactions = Array.from({ length: 30 }, () =>
        db.send(
          new TransactWriteItemsCommand({
            TransactItems: [{ Update: add("x") }, { Update: add("y") }],
          }),
        ),
      );
      const singles = Array.from({ length: 30 }, (_, i) =>
        i % 2 === 0
          ? db.send(new UpdateItemCommand(add("x")))
          : db.send(new UpdateItemCommand(add("y"))),
      );
      await Promise.all([...transactions, ...singles]);
      expect(await get(table, "x")).toEqual({ ...key("x"), c: n(45) });
      expect(await get(table, "y")).toEqual({ ...key("y"), c: n(45) });
      if (!stream) continue;
      const records = await streamOf(db, streams, table);
      expect(records.length).toBe(90);
      for (const pk of ["x", "y"]) {
        const chain = records.filter((r) => r.dynamodb!.Keys!.pk!.S === pk);
        chain.forEach((r, i) => {
          expect(r.dynamodb!.NewImage!.c).toEqual(n(i + 1));
          if (i > 0) expect(r.dynamodb!.OldImage).toEqual(chain[i - 1]!.dynamodb!.NewImage);
        });
      }
    }
  });

  it("BatchWriteItem across tables with and without a stream does not deadlock with transactions", async () => {
    // Lock order: the streamed table's item sorts first; a batch must take both locks at once.
    const streamed = await createTable(db, true, "TxOrderA");
    const plain = await createTable(db, false, "TxOrderB");
    const both = (i: number) => [
      { Put: { TableName: streamed, Item: { ...key("k"), i: n(i) } } },
      { Put: { TableName: plain, Item: { ...key("k"), i: n(i) } } },
    ];
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? db.send(new TransactWriteItemsCommand({ TransactItems: both(i) }))
          : db.send(
              new BatchWriteItemCommand({
                RequestItems: Object.fromEntries(
                  both(i).map(({ Put }) => [Put.TableName, [{ PutRequest: { Item: Put.Item } }]]),
                ),
              }),
            ),
      ),
    );
    expect((await get(streamed, "k"))?.i).toBeDefined();
  }, 10_000);

  it("keeps a table's indexes right, and checks index key types as PutItem does", async () => {
    const TableName = "TxIndexed";
    await db.send(
      new CreateTableCommand({
        TableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "N" },
          { AttributeName: "player", AttributeType: "S" },
          { AttributeName: "score", AttributeType: "N" },
        ],
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: "ByPlayer",
            KeySchema: [
              { AttributeName: "player", KeyType: "HASH" },
              { AttributeName: "score", KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "ALL" },
          },
        ],
        LocalSecondaryIndexes: [
          {
            IndexName: "ByScore",
            KeySchema: [
              { AttributeName: "pk", KeyType: "HASH" },
              { AttributeName: "score", KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "KEYS_ONLY" },
          },
        ],
      }),
    );
    await tableActive(db, TableName);
    const item = (sk: number, score: AttributeValue) => ({
      pk: { S: "p" },
      sk: n(sk),
      player: { S: "ann" },
      score,
    });
    await db.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName, Item: item(1, n(10)) } },
          { Put: { TableName, Item: item(2, n(20)) } },
        ],
      }),
    );
    const { Items } = await db.send(
      new QueryCommand({
        TableName,
        IndexName: "ByPlayer",
        KeyConditionExpression: "player = :p",
        ExpressionAttributeValues: { ":p": { S: "ann" } },
      }),
    );
    expect(Items!.map((i) => i.score)).toEqual([n(10), n(20)]);
    const error = await rejection(
      db.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName, Item: item(3, { S: "high" }) } }],
        }),
      ),
    );
    expect(error.name).toBe("ValidationException");
    expect(error.message).toMatch(/Type mismatch for Index Key/);
  });

  it("works on a table deleted and created again with other keys", async () => {
    const TableName = "TxRecreated";
    const create = async (attribute: string, type: "S" | "N") => {
      await db.send(
        new CreateTableCommand({
          TableName,
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: [{ AttributeName: attribute, AttributeType: type }],
          KeySchema: [{ AttributeName: attribute, KeyType: "HASH" }],
        }),
      );
      await tableActive(db, TableName);
    };
    await create("pk", "S");
    // With a ConditionCheck, a transaction is tried out on scratch copies (Puts alone run on the
    // real items: the fast path).
    await db.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName, Item: key("s") } },
          {
            ConditionCheck: {
              TableName,
              Key: key("t"),
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
        ],
      }),
    );
    // dynalite's own endpoint shows what the engine hides: a table's scratch goes with it.
    const raw = clientsFor(engine.dynaliteEndpoint).db;
    const scratchTables = async () =>
      (await raw.send(new ListTablesCommand({}))).TableNames!.filter((t) =>
        t.startsWith("__streamboard_tx_"),
      ).length;
    const withScratch = await scratchTables();
    await db.send(new DeleteTableCommand({ TableName }));
    await until(async () => (await scratchTables()) < withScratch, {
      what: "the table's scratch table to go",
    });
    expect(await scratchTables()).toBe(withScratch - 1);
    await tableGone(db, TableName);
    await create("id", "N");
    await db.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName, Item: { id: n(7), v: n(1) } } },
          {
            ConditionCheck: {
              TableName,
              Key: { id: n(8) },
              ConditionExpression: "attribute_not_exists(id)",
            },
          },
        ],
      }),
    );
    const { Item } = await db.send(new GetItemCommand({ TableName, Key: { id: n(7) } }));
    expect(Item).toEqual({ id: n(7), v: n(1) });
    const missingKey = await rejection(
      db.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName, Item: { v: n(1) } } }],
        }),
      ),
    );
    expect(missingKey.message).toMatch(/Missing the key id in the item/);
  });

  it("hides its scratch tables from ListTables and DescribeTable", async () => {
    const { TableNames } = await db.send(new ListTablesCommand({}));
    expect(TableNames!.length).toBeGreaterThan(0);
    expect(TableNames!.filter((name) => name.startsWith("__streamboard"))).toEqual([]);
    const error = await rejection(
      db.send(new DescribeTableCommand({ TableName: "__streamboard_tx_0123456789abcdef" })),
    );
    expect(error.name).toBe("ResourceNotFoundException");
  });
});

// --- crash atomicity: kill -9 in the middle of a transaction's apply phase ---------------------

/** The engine CLI on a data dir, on any port. */
const startCli = (dataDir: string, env: Record<string, string> = {}) =>
  startEngineCli(["--port", "0", "--data-dir", dataDir], env);

describe("a transaction cut by kill -9", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-tx-"));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("is whole after the restart, its stream records included", async () => {
    const first = startCli(dataDir, { STREAMBOARD_ENGINE_CRASH_AFTER_WRITES: "2" });
    const { db } = clientsFor(await first.endpoint);
    const table = await createTable(db);
    for (const pk of ["a", "b", "c", "d"]) {
      await db.send(new PutItemCommand({ TableName: table, Item: { ...key(pk), v: n(1) } }));
    }
    // With a ConditionCheck: decided on scratch copies, then applied (the crash cuts the apply).
    const increment = new TransactWriteItemsCommand({
      ClientRequestToken: "crash-1",
      TransactItems: [
        ...["a", "b", "c"].map((pk) => ({
          Update: {
            TableName: table,
            Key: key(pk),
            UpdateExpression: "ADD v :one",
            ExpressionAttributeValues: { ":one": n(1) },
          },
        })),
        {
          ConditionCheck: {
            TableName: table,
            Key: key("d"),
            ConditionExpression: "attribute_exists(pk)",
          },
        },
      ],
    });
    await expect(db.send(increment)).rejects.toThrow();
    expect(await first.exited).toBe("SIGKILL");

    const second = startCli(dataDir);
    const after = clientsFor(await second.endpoint);
    try {
      for (const pk of ["a", "b", "c"]) {
        const { Item } = await after.db.send(
          new GetItemCommand({ TableName: table, Key: key(pk), ConsistentRead: true }),
        );
        expect(Item).toEqual({ ...key(pk), v: n(2) });
      }
      const records = await streamOf(after.db, after.streams, table);
      expect(summary(records.slice(4))).toEqual(
        ["a", "b", "c"].map((pk) => ({
          eventName: "MODIFY",
          keys: key(pk),
          oldImage: { ...key(pk), v: n(1) },
          newImage: { ...key(pk), v: n(2) },
        })),
      );
      expect(records.length).toBe(7);
      // The client retries with its token: the restarted engine knows it was spent.
      await after.db.send(increment);
      for (const pk of ["a", "b", "c"]) {
        const { Item } = await after.db.send(
          new GetItemCommand({ TableName: table, Key: key(pk), ConsistentRead: true }),
        );
        expect(Item).toEqual({ ...key(pk), v: n(2) });
      }
      expect(await streamOf(after.db, after.streams, table)).toHaveLength(7);
      // The scratch table left by the first run is made anew for the second.
      await after.db.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Delete: {
                TableName: table,
                Key: key("a"),
                ConditionExpression: "v = :v",
                ExpressionAttributeValues: { ":v": n(2) },
              },
            },
          ],
        }),
      );
      expect(await streamOf(after.db, after.streams, table)).toHaveLength(8);
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
  }, 30_000);

  it("tried on the real items (no ConditionCheck) and cut short: none of it after the restart", async () => {
    const first = startCli(dataDir, { STREAMBOARD_ENGINE_CRASH_AFTER_WRITES: "2" });
    const { db } = clientsFor(await first.endpoint);
    const table = await createTable(db);
    for (const pk of ["a", "b", "c"]) {
      await db.send(new PutItemCommand({ TableName: table, Item: { ...key(pk), v: n(1) } }));
    }
    const increment = new TransactWriteItemsCommand({
      ClientRequestToken: "crash-2",
      TransactItems: ["a", "b", "c"].map((pk) => ({
        Update: {
          TableName: table,
          Key: key(pk),
          UpdateExpression: "ADD v :one",
          ExpressionAttributeValues: { ":one": n(1) },
        },
      })),
    });
    await expect(db.send(increment)).rejects.toThrow();
    expect(await first.exited).toBe("SIGKILL");

    const second = startCli(dataDir);
    const after = clientsFor(await second.endpoint);
    try {
      // Two of the three writes had landed: undone, and no record of any.
      for (const pk of ["a", "b", "c"]) {
        const { Item } = await after.db.send(
          new GetItemCommand({ TableName: table, Key: key(pk), ConsistentRead: true }),
        );
        expect(Item).toEqual({ ...key(pk), v: n(1) });
      }
      expect(await streamOf(after.db, after.streams, table)).toHaveLength(3);
      // Never taken effect, so the token is not spent: the retry applies it, once.
      await after.db.send(increment);
      await after.db.send(increment);
      for (const pk of ["a", "b", "c"]) {
        const { Item } = await after.db.send(
          new GetItemCommand({ TableName: table, Key: key(pk), ConsistentRead: true }),
        );
        expect(Item).toEqual({ ...key(pk), v: n(2) });
      }
      expect(summary((await streamOf(after.db, after.streams, table)).slice(3))).toEqual(
        ["a", "b", "c"].map((pk) => ({
          eventName: "MODIFY",
          keys: key(pk),
          oldImage: { ...key(pk), v: n(1) },
          newImage: { ...key(pk), v: n(2) },
        })),
      );
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
  }, 30_000);
});
