// A table ARN is accepted wherever AWS accepts a table name, through the AWS SDK clients only.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
} from "@aws-sdk/client-dynamodb-streams";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalEngine, type LocalEngine } from "./index.ts";
import { clientsFor, tableActive } from "./test-support.ts";

let engine: LocalEngine;
let db: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let tableCounter = 0;

beforeAll(async () => {
  engine = await startLocalEngine({ port: 0, inMemory: true });
  ({ db, streams } = clientsFor(engine.endpoint));
});
afterAll(() => engine.close());

const arnOf = (name: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`;

const settled = (TableName: string) => tableActive(db, TableName);

async function createStreamed() {
  const name = `Arn${++tableCounter}x`;
  await db.send(
    new CreateTableCommand({
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
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
    }),
  );
  const table = await settled(name);
  return { name, arn: table.TableArn!, streamArn: table.LatestStreamArn! };
}

const key = (pk: string, sk = 1) => ({ pk: { S: pk }, sk: { N: String(sk) } });

async function eventsOn(streamArn: string) {
  const { StreamDescription } = await streams.send(
    new DescribeStreamCommand({ StreamArn: streamArn }),
  );
  const { ShardIterator } = await streams.send(
    new GetShardIteratorCommand({
      StreamArn: streamArn,
      ShardId: StreamDescription!.Shards![0]!.ShardId,
      ShardIteratorType: "TRIM_HORIZON",
    }),
  );
  const { Records } = await streams.send(new GetRecordsCommand({ ShardIterator }));
  return Records!.map((r) => `${r.eventName} ${r.dynamodb!.Keys!.pk!.S}`);
}

describe("table ARNs as table names", () => {
  it("the ARN the engine reports is the one it accepts", async () => {
    const { name, arn } = await createStreamed();
    expect(arn).toBe(arnOf(name));
    const { Table } = await db.send(new DescribeTableCommand({ TableName: arn }));
    expect(Table!.TableName).toBe(name);
    expect(Table!.LatestStreamArn).toBeDefined();
  });

  it("item writes and reads by ARN, each write captured on the stream", async () => {
    const { name, arn, streamArn } = await createStreamed();
    await db.send(new PutItemCommand({ TableName: arn, Item: { ...key("a"), n: { N: "1" } } }));
    const updated = await db.send(
      new UpdateItemCommand({
        TableName: arn,
        Key: key("a"),
        UpdateExpression: "ADD n :one",
        ExpressionAttributeValues: { ":one": { N: "1" } },
        ReturnValues: "ALL_NEW",
      }),
    );
    expect(updated.Attributes!.n).toEqual({ N: "2" });
    expect((await db.send(new GetItemCommand({ TableName: arn, Key: key("a") }))).Item).toEqual({
      ...key("a"),
      n: { N: "2" },
    });
    const query = await db.send(
      new QueryCommand({
        TableName: arn,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: "a" } },
      }),
    );
    expect(query.Count).toBe(1);
    expect((await db.send(new ScanCommand({ TableName: arn }))).Count).toBe(1);
    await db.send(new DeleteItemCommand({ TableName: arn, Key: key("a") }));
    expect((await db.send(new ScanCommand({ TableName: name }))).Count).toBe(0);
    expect(await eventsOn(streamArn)).toEqual(["INSERT a", "MODIFY a", "REMOVE a"]);
  });

  it("batches keyed by ARN are captured, and answered under the caller's keys", async () => {
    const a = await createStreamed();
    const b = await createStreamed();
    await db.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [a.arn]: [{ PutRequest: { Item: key("x") } }, { PutRequest: { Item: key("y") } }],
          [b.name]: [{ PutRequest: { Item: key("z") } }],
        },
      }),
    );
    const got = await db.send(
      new BatchGetItemCommand({
        RequestItems: {
          [a.arn]: { Keys: [key("x"), key("y")] },
          [b.name]: { Keys: [key("z")] },
        },
      }),
    );
    expect(Object.keys(got.Responses!).sort()).toEqual([a.arn, b.name].sort());
    expect(got.Responses![a.arn]!.map((i) => i.pk!.S).sort()).toEqual(["x", "y"]);
    expect(got.Responses![b.name]!.map((i) => i.pk!.S)).toEqual(["z"]);
    expect((await eventsOn(a.streamArn)).sort()).toEqual(["INSERT x", "INSERT y"]);
    expect(await eventsOn(b.streamArn)).toEqual(["INSERT z"]);
  });

  it("ListStreams, UpdateTable, TTL and DeleteTable by ARN", async () => {
    const { name, arn, streamArn } = await createStreamed();
    const { Streams } = await streams.send(new ListStreamsCommand({ TableName: arn }));
    expect(Streams!.map((s) => s.StreamArn)).toEqual([streamArn]);

    const updated = await db.send(
      new UpdateTableCommand({ TableName: arn, StreamSpecification: { StreamEnabled: false } }),
    );
    expect(updated.TableDescription!.TableName).toBe(name);
    expect(updated.TableDescription!.StreamSpecification).toBeUndefined();

    await db.send(
      new UpdateTimeToLiveCommand({
        TableName: arn,
        TimeToLiveSpecification: { Enabled: true, AttributeName: "exp" },
      }),
    );
    const ttl = await db.send(new DescribeTimeToLiveCommand({ TableName: arn }));
    expect(ttl.TimeToLiveDescription).toEqual({
      TimeToLiveStatus: "ENABLED",
      AttributeName: "exp",
    });

    const deleted = await db.send(new DeleteTableCommand({ TableName: arn }));
    expect(deleted.TableDescription!.TableName).toBe(name);
    const { StreamDescription } = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn }),
    );
    expect(StreamDescription!.StreamStatus).toBe("DISABLED");
  });
});
