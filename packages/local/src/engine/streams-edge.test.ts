// Streams edge cases an independent client suite found, through the AWS SDK clients only.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateTableCommand,
  DescribeTableCommand,
  PutItemCommand,
  UpdateTableCommand,
  type CreateTableCommandInput,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type ShardIteratorType,
} from "@aws-sdk/client-dynamodb-streams";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalEngine, type LocalEngine } from "./index.ts";
import { clientsFor, tableActive } from "./test-support.ts";

let engine: LocalEngine;
let db: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let tableCounter = 0;

beforeAll(async () => {
  engine = await startLocalEngine({ port: 0, inMemory: true, shardMaxRecords: 2 });
  ({ db, streams } = clientsFor(engine.endpoint));
});
afterAll(() => engine.close());

function tableInput(extra: Partial<CreateTableCommandInput> = {}): CreateTableCommandInput {
  return {
    TableName: `Edge${++tableCounter}x`,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
    ...extra,
  };
}

async function createStreamed(extra: Partial<CreateTableCommandInput> = {}) {
  const input = tableInput(extra);
  const { TableDescription } = await db.send(new CreateTableCommand(input));
  await tableActive(db, input.TableName!);
  return { name: input.TableName!, streamArn: TableDescription!.LatestStreamArn! };
}

const shardsOf = async (StreamArn: string) =>
  (await streams.send(new DescribeStreamCommand({ StreamArn }))).StreamDescription!.Shards!;

const put = (TableName: string, pk: string) =>
  db.send(new PutItemCommand({ TableName, Item: { pk: { S: pk } } }));

const failure = async (call: Promise<unknown>) =>
  (await call.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name: string; message: string; $metadata: { httpStatusCode: number } } | undefined;

describe("GetShardIterator at a shard's StartingSequenceNumber", () => {
  it.each<ShardIteratorType>(["AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"])(
    "%s on an empty shard is accepted, reads nothing, then what comes",
    async (type) => {
      const { name, streamArn } = await createStreamed();
      const [shard] = await shardsOf(streamArn);
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard!.ShardId,
          ShardIteratorType: type,
          SequenceNumber: shard!.SequenceNumberRange!.StartingSequenceNumber,
        }),
      );
      const empty = await streams.send(new GetRecordsCommand({ ShardIterator }));
      expect(empty.Records).toEqual([]);
      await put(name, "first");
      const next = await streams.send(
        new GetRecordsCommand({ ShardIterator: empty.NextShardIterator }),
      );
      expect(next.Records!.map((r) => r.dynamodb!.Keys!.pk!.S)).toEqual(["first"]);
    },
  );

  it("on a shard with records, both start at its first record", async () => {
    const { name, streamArn } = await createStreamed();
    await put(name, "a");
    const [shard] = await shardsOf(streamArn);
    for (const type of ["AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"] as const) {
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard!.ShardId,
          ShardIteratorType: type,
          SequenceNumber: shard!.SequenceNumberRange!.StartingSequenceNumber,
        }),
      );
      const page = await streams.send(new GetRecordsCommand({ ShardIterator }));
      expect(page.Records!.map((r) => r.dynamodb!.Keys!.pk!.S)).toEqual(["a"]);
    }
  });
});

describe("DescribeStream", () => {
  it("ShardFilter CHILD_SHARDS answers only that shard's children", async () => {
    const { name, streamArn } = await createStreamed();
    for (let i = 0; i < 5; i++) await put(name, `s${i}`); // 2 records a shard: 3 shards
    const all = await shardsOf(streamArn);
    expect(all).toHaveLength(3);
    const children = await streams.send(
      new DescribeStreamCommand({
        StreamArn: streamArn,
        ShardFilter: { Type: "CHILD_SHARDS", ShardId: all[0]!.ShardId },
      }),
    );
    expect(children.StreamDescription!.Shards).toEqual([all[1]]);
    const ofNewest = await streams.send(
      new DescribeStreamCommand({
        StreamArn: streamArn,
        ShardFilter: { Type: "CHILD_SHARDS", ShardId: all[2]!.ShardId },
      }),
    );
    expect(ofNewest.StreamDescription!.Shards).toEqual([]);
  });

  it("an unknown ExclusiveStartShardId answers no shards", async () => {
    const { streamArn } = await createStreamed();
    const { StreamDescription } = await streams.send(
      new DescribeStreamCommand({
        StreamArn: streamArn,
        ExclusiveStartShardId: "shardId-00000000000000000000-deadbeef",
      }),
    );
    expect(StreamDescription!.Shards).toEqual([]);
    expect(StreamDescription!.LastEvaluatedShardId).toBeUndefined();
  });
});

describe("stream ARNs", () => {
  const calls: [string, (arn: string) => Promise<unknown>][] = [
    ["DescribeStream", (arn) => streams.send(new DescribeStreamCommand({ StreamArn: arn }))],
    [
      "GetShardIterator",
      (arn) =>
        streams.send(
          new GetShardIteratorCommand({
            StreamArn: arn,
            ShardId: "shardId-00000000000000000000-00000000",
            ShardIteratorType: "LATEST",
          }),
        ),
    ],
  ];

  it.each(calls)("%s: a malformed ARN is a ValidationException", async (_, call) => {
    for (const arn of [
      "not-an-arn",
      "arn:aws:dynamodb:us-east-1:000000000000:table/Edge",
      "arn:aws:dynamodb:us-east-1:000000000000:table/Edge/stream/",
    ]) {
      const error = await failure(call(arn));
      expect(error?.name).toBe("ValidationException");
      expect(error?.$metadata.httpStatusCode).toBe(400);
    }
  });

  it.each(calls)(
    "%s: an unknown well-formed ARN is a ResourceNotFoundException",
    async (_, call) => {
      const error = await failure(
        call(
          "arn:aws:dynamodb:us-east-1:000000000000:table/NoSuchTable/stream/2026-01-01T00:00:00.000",
        ),
      );
      expect(error?.name).toBe("ResourceNotFoundException");
      expect(error?.$metadata.httpStatusCode).toBe(400);
    },
  );
});

describe("StreamSpecification on CreateTable and UpdateTable", () => {
  it("CreateTable with StreamEnabled false and a StreamViewType is refused; nothing is created", async () => {
    const input = tableInput({
      StreamSpecification: { StreamEnabled: false, StreamViewType: "NEW_IMAGE" },
    });
    const error = await failure(db.send(new CreateTableCommand(input)));
    expect(error?.name).toBe("ValidationException");
    expect(error?.message).toBe(
      "One or more parameter values were invalid: Table is being created with a stream disabled, UpdateViewType should not be specified",
    );
    const missing = await failure(
      db.send(new DescribeTableCommand({ TableName: input.TableName })),
    );
    expect(missing?.name).toBe("ResourceNotFoundException");
  });

  it("UpdateTable with StreamEnabled false and a StreamViewType is refused; the stream stays", async () => {
    const { name, streamArn } = await createStreamed();
    const error = await failure(
      db.send(
        new UpdateTableCommand({
          TableName: name,
          StreamSpecification: { StreamEnabled: false, StreamViewType: "NEW_IMAGE" },
        }),
      ),
    );
    expect(error?.name).toBe("ValidationException");
    expect(error?.message).toBe(
      "One or more parameter values were invalid: If stream is being disabled, then UpdateViewType must not be specified",
    );
    const { StreamDescription } = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn }),
    );
    expect(StreamDescription!.StreamStatus).toBe("ENABLED");
  });

  it("UpdateTable of other settings still reports the table's stream", async () => {
    const { name, streamArn } = await createStreamed();
    const billing = await db.send(
      new UpdateTableCommand({
        TableName: name,
        BillingMode: "PROVISIONED",
        ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
      }),
    );
    expect(billing.TableDescription).toMatchObject({
      LatestStreamArn: streamArn,
      LatestStreamLabel: streamArn.split("/stream/")[1],
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
    });
    await tableActive(db, name);
    const index = await db.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: "g", AttributeType: "S" }],
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: "ByG",
              KeySchema: [{ AttributeName: "g", KeyType: "HASH" }],
              Projection: { ProjectionType: "KEYS_ONLY" },
              ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
            },
          },
        ],
      }),
    );
    expect(index.TableDescription!.LatestStreamArn).toBe(streamArn);
    expect(index.TableDescription!.StreamSpecification?.StreamEnabled).toBe(true);
  });
});
