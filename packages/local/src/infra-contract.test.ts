import { DescribeTableCommand, type TableDescription } from "@aws-sdk/client-dynamodb";
import { dynamo } from "@streamboard/core/infra";
import { tableName } from "@streamboard/core/infra";
import { aggregatorSubscription } from "@streamboard/core/aggregator";
import { tables, type TableId } from "@streamboard/core/infra";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import {
  aggregatorEventSourceMapping,
  dynamoArgs,
  type toDynamoArgs,
} from "../../../stacks/core-args.ts";
import { startLocalStack, type LocalStack } from "./stack.ts";
import type * as Runner from "./runner/index.ts";

/*
 * The contract between the AWS deployment (stacks/) and the local stack (`npm run dev`): the same
 * table definitions and the same subscription settings object. stacks/ itself needs the SST
 * globals; its pure half, stacks/core-args.ts, is what sst.aws.Dynamo and the event source
 * mapping are given.
 */

// What the local stack hands the runner, captured on the way in.
const runnerOptions = vi.hoisted(() => [] as Runner.StreamRunnerOptions[]);
vi.mock("./runner/index.ts", async (importOriginal) => {
  const runner = await importOriginal<typeof Runner>();
  return {
    ...runner,
    startStreamRunner(options: Runner.StreamRunnerOptions) {
      runnerOptions.push(options);
      return runner.startStreamRunner(options);
    },
  };
});

let stack: LocalStack | undefined;
beforeAll(async () => {
  stack = await startLocalStack({
    inMemory: true,
    dynamodbPort: 0,
    handler: () => Promise.resolve({ batchItemFailures: [] }),
    runner: { logger: { info() {}, warn() {}, error() {} } },
  });
});
afterAll(() => stack?.stop());

const tableIds = Object.keys(tables) as TableId[];

describe("tables: stacks/ deploys what the local bootstrap creates", () => {
  test("one sst.aws.Dynamo per core table, under its link name", () => {
    expect(Object.keys(dynamoArgs).sort()).toEqual([...tableIds].sort());
  });

  test.each(tableIds)("%s as SST creates it = as the bootstrap created it", async (id) => {
    const { Table } = await dynamo().send(new DescribeTableCommand({ TableName: tableName(id) }));
    expect(shapeOf(Table!)).toEqual(asSstCreatesIt(dynamoArgs[id]));
  });

  test("GameScoreRecords streams new and old images; the others have no stream", () => {
    expect(dynamoArgs.GameScoreRecords.stream).toBe("new-and-old-images");
    expect(dynamoArgs.GameScoresByUser.stream).toBeUndefined();
    expect(dynamoArgs.Idempotency.stream).toBeUndefined();
  });
});

describe("aggregator subscription: one settings object, deployed and local", () => {
  test("the local runner is given core's aggregatorSubscription itself", () => {
    expect(runnerOptions).toHaveLength(1);
    expect(runnerOptions[0]!.tableName).toBe(tableName("GameScoreRecords"));
    expect(runnerOptions[0]!.settings).toBe(aggregatorSubscription);
  });

  test("the event source mapping carries every one of those settings unchanged", () => {
    expect(aggregatorEventSourceMapping).toEqual(runnerOptions[0]!.settings);
  });

  // What the deployment relies on, and the ranges AWS accepts for a DynamoDB stream mapping:
  // there is no AWS account here to refuse a bad value, so refuse it before `sst deploy` does.
  test("the settings are ones AWS accepts for a DynamoDB stream", () => {
    const s = aggregatorEventSourceMapping;
    expect(s).toMatchObject({
      startingPosition: "TRIM_HORIZON",
      parallelizationFactor: 1,
      bisectBatchOnFunctionError: true,
      functionResponseTypes: ["ReportBatchItemFailures"],
    });
    expect(s.batchSize).toBeGreaterThanOrEqual(1);
    expect(s.batchSize).toBeLessThanOrEqual(10_000);
    expect(s.maximumBatchingWindowInSeconds).toBeGreaterThanOrEqual(0);
    expect(s.maximumBatchingWindowInSeconds).toBeLessThanOrEqual(300);
    expect(s.maximumRetryAttempts).toBeGreaterThanOrEqual(0);
    expect(s.maximumRetryAttempts).toBeLessThanOrEqual(10_000);
    expect(s.maximumRecordAgeInSeconds).toBeGreaterThanOrEqual(60);
    expect(s.maximumRecordAgeInSeconds).toBeLessThanOrEqual(604_800);
  });
});

/** The table `sst.aws.Dynamo` makes of its arguments (as .sst/platform/src/components/aws/dynamo.ts does). */
function asSstCreatesIt(args: ReturnType<typeof toDynamoArgs>) {
  const type = { string: "S", number: "N", binary: "B" } as const;
  const keys = (index: { hashKey: string; rangeKey?: string }) => [
    { AttributeName: index.hashKey, KeyType: "HASH" },
    ...(index.rangeKey ? [{ AttributeName: index.rangeKey, KeyType: "RANGE" }] : []),
  ];
  const indexes = Object.entries(args.globalIndexes ?? {});
  return {
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: Object.entries(args.fields)
      .map(([AttributeName, t]) => ({ AttributeName, AttributeType: type[t] }))
      .sort(byName("AttributeName")),
    KeySchema: keys(args.primaryIndex),
    GlobalSecondaryIndexes: indexes
      .map(([IndexName, index]) => ({
        IndexName,
        KeySchema: keys(index),
        // SST: a list of attributes is an INCLUDE projection, "all" (the default) ALL.
        Projection: Array.isArray(index.projection)
          ? { ProjectionType: "INCLUDE", NonKeyAttributes: index.projection }
          : { ProjectionType: "ALL" },
      }))
      .sort(byName("IndexName")),
    StreamViewType: args.stream?.toUpperCase().replaceAll("-", "_"),
  };
}

/** The same properties of a table as the engine describes it. */
function shapeOf(table: TableDescription) {
  return {
    BillingMode: table.BillingModeSummary?.BillingMode,
    AttributeDefinitions: [...(table.AttributeDefinitions ?? [])].sort(byName("AttributeName")),
    KeySchema: table.KeySchema,
    GlobalSecondaryIndexes: (table.GlobalSecondaryIndexes ?? [])
      .map(({ IndexName, KeySchema, Projection }) => ({ IndexName, KeySchema, Projection }))
      .sort(byName("IndexName")),
    StreamViewType: table.StreamSpecification?.StreamEnabled
      ? table.StreamSpecification.StreamViewType
      : undefined,
  };
}

function byName<K extends string>(key: K) {
  return (a: Record<K, unknown>, b: Record<K, unknown>) =>
    String(a[key]).localeCompare(String(b[key]));
}
