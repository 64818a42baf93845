import { readFileSync } from "node:fs";
import path from "node:path";
import { DescribeTableCommand, type TableDescription } from "@aws-sdk/client-dynamodb";
import { aggregatorSubscription } from "@streamboard/core/aggregator";
import { streamLogSubscription } from "@streamboard/core/stream";
import { dynamo, tableName, tables, type TableId } from "@streamboard/core/infra";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import {
  aggregatorEventSourceMapping,
  streamLogEventSourceMapping,
  type toDynamoArgs,
} from "../../../stacks/core-args.ts";
import {
  LAMBDA_ARCHITECTURE,
  LAMBDA_RUNTIME,
  NODE_TARGET,
  OPEN_NEXT_VERSION,
} from "../../../stacks/functions.ts";
import semver from "semver";
import { startLocalStack, type LocalStack } from "./stack.ts";
import type * as Runner from "./runner/index.ts";

/*
 * The contract between the AWS deployment (stacks/) and the local stack (`npm run dev`): the same
 * table definitions and the same subscription settings object. stacks/ runs here against
 * recording stand-ins for the SST globals (`sst.aws.*`, `$app`), so what is checked is what
 * stacks/ would hand SST, not what core-args.ts computes from the same definitions.
 */

type Args = Record<string, unknown>;
const deployed = vi.hoisted(() => ({
  tables: new Map<string, Record<string, unknown>>(),
  subscriptions: [] as {
    table: string;
    name: string;
    fn: Record<string, unknown>;
    opts: Record<string, unknown>;
  }[],
  sites: [] as { name: string; args: Record<string, unknown> }[],
  alarms: [] as { name: string; args: Record<string, unknown> }[],
  topics: [] as string[],
  topicSubscriptions: [] as { name: string; args: Record<string, unknown> }[],
}));
const linkName = (resource: unknown) => (resource as { linkName: string }).linkName;
class Linkable {
  constructor(readonly linkName: string) {}
}
Object.assign(globalThis, {
  $app: { protect: true, name: "streamboard", stage: "prod" },
  aws: {
    cloudwatch: {
      MetricAlarm: class {
        constructor(
          readonly name: string,
          args: Args,
        ) {
          deployed.alarms.push({ name, args });
        }
      },
    },
    sns: {
      TopicSubscription: class {
        constructor(name: string, args: Args) {
          deployed.topicSubscriptions.push({ name, args });
        }
      },
    },
  },
  sst: {
    Secret: class extends Linkable {
      value = "secret";
    },
    aws: {
      Dynamo: class extends Linkable {
        constructor(name: string, args: Args) {
          super(name);
          deployed.tables.set(name, args);
        }
        subscribe(name: string, fn: Args, opts: Args) {
          deployed.subscriptions.push({ table: this.linkName, name, fn, opts });
          return { nodes: { function: { name } } };
        }
      },
      Queue: class extends Linkable {
        readonly arn: string;
        readonly url: string;
        constructor(name: string) {
          super(name);
          this.arn = `arn:aws:sqs:eu-west-1:1:${name}`;
          this.url = `https://sqs/${name}`;
        }
      },
      SnsTopic: class extends Linkable {
        readonly arn: string;
        constructor(name: string) {
          super(name);
          deployed.topics.push(name);
          this.arn = `arn:aws:sns:eu-west-1:123456789012:${name}`;
        }
      },
      Nextjs: class extends Linkable {
        url = "https://web";
        constructor(name: string, args: Args) {
          super(name);
          deployed.sites.push({ name, args });
        }
      },
    },
  },
});
// Imported by a computed path: stacks/ is type-checked against SST's platform types by
// `npm run typecheck:infra`, which this project's tsconfig does not load.
const stackModule = <T>(file: string) =>
  import(/* @vite-ignore */ `../../../stacks/${file}`) as Promise<T>;
const { createTables } = await stackModule<{ createTables: () => Record<TableId, unknown> }>(
  "storage.ts",
);
const { createAggregator } = await stackModule<{ createAggregator: (t: unknown) => unknown }>(
  "aggregator.ts",
);
const { createStreamLog } = await stackModule<{ createStreamLog: (t: unknown) => unknown }>(
  "stream-log.ts",
);
const { createWeb } = await stackModule<{ createWeb: (t: unknown) => unknown }>("web.ts");
type AlarmSubscriber = { id: string; functionName: string; queueName: string };
const { createAlarms } = await stackModule<{
  createAlarms: (s: AlarmSubscriber[]) => { topicArn?: string };
}>("alarms.ts");
const stackTables = createTables();
createAggregator(stackTables);
createStreamLog(stackTables);
createWeb(stackTables);

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
    logHandler: () => Promise.resolve({ batchItemFailures: [] }),
    runner: { logger: { info() {}, warn() {}, error() {} } },
  });
});
afterAll(() => stack?.stop());

const tableIds = Object.keys(tables) as TableId[];

describe("tables: stacks/ deploys what the local bootstrap creates", () => {
  test("stacks/ creates one sst.aws.Dynamo per core table, under its link name", () => {
    expect([...deployed.tables.keys()].sort()).toEqual([...tableIds].sort());
    for (const args of deployed.tables.values()) expect(args.deletionProtection).toBe(true);
  });

  test.each(tableIds)("%s as SST creates it = as the bootstrap created it", async (id) => {
    const { Table } = await dynamo().send(new DescribeTableCommand({ TableName: tableName(id) }));
    const args = deployed.tables.get(id) as ReturnType<typeof toDynamoArgs>;
    expect(shapeOf(Table!)).toEqual(asSstCreatesIt(args));
  });

  test("GameScoreRecords streams new and old images; the others have no stream", () => {
    const stream = (id: TableId) => deployed.tables.get(id)?.stream;
    expect(stream("GameScoreRecords")).toBe("new-and-old-images");
    for (const id of tableIds.filter((t) => t !== "GameScoreRecords")) {
      expect(stream(id)).toBeUndefined();
    }
  });

  test("sst-env.d.ts declares exactly the resources stacks/ links", () => {
    const declared = [...readFileSync("sst-env.d.ts", "utf8").matchAll(/^ {4}"(\w+)": \{$/gm)].map(
      (m) => m[1],
    );
    const linked = new Set<string>();
    for (const { fn } of deployed.subscriptions)
      for (const r of fn.link as unknown[]) linked.add(linkName(r));
    for (const { name, args } of deployed.sites) {
      linked.add(name);
      for (const r of args.link as unknown[]) linked.add(linkName(r));
    }
    linked.add("OperatorToken");
    expect(declared.sort()).toEqual([...linked].sort());
  });
});

const subscriptionOf = (name: string) => {
  const found = deployed.subscriptions.find((s) => s.name === name);
  if (!found) throw new Error(`no subscription ${name}`);
  return found;
};

describe("the stream's readers: exactly two, as DynamoDB Streams allows per shard", () => {
  test("stacks/ subscribes the aggregator and the stream log to GameScoreRecords, nothing else", () => {
    expect(deployed.subscriptions.map((s) => [s.table, s.name])).toEqual([
      ["GameScoreRecords", "Aggregator"],
      ["GameScoreRecords", "StreamLogWriter"],
    ]);
  });

  test("the local stack runs the same two on the same stream, each with its own checkpoints", () => {
    expect(runnerOptions.map((o) => [o.tableName, o.settings])).toEqual([
      [tableName("GameScoreRecords"), aggregatorSubscription],
      [tableName("GameScoreRecords"), streamLogSubscription],
    ]);
    expect(runnerOptions[1]!.checkpointDir).toBe(path.join(stack!.runnerDir, "stream-log"));
    expect(runnerOptions[0]!.checkpointDir).toBe(stack!.runnerDir);
  });

  test("the web tier is denied every Streams action, and allowed none", () => {
    const [web] = deployed.sites;
    const permissions = (web!.args.permissions ?? []) as {
      effect?: string;
      actions: string[];
      resources: string[];
    }[];
    const allowed = permissions.filter((p) => p.effect !== "deny").flatMap((p) => p.actions);
    expect(allowed.filter((a) => /^dynamodb:/.test(a))).toEqual([]);
    const denied = permissions.filter((p) => p.effect === "deny");
    expect(denied.flatMap((p) => p.actions).sort()).toEqual([
      "dynamodb:DescribeStream",
      "dynamodb:GetRecords",
      "dynamodb:GetShardIterator",
      "dynamodb:ListStreams",
    ]);
    expect(denied.flatMap((p) => p.resources)).toEqual(["*"]);
  });
});

describe("stream log subscription: one settings object, deployed and local", () => {
  test("the local runner is given core's streamLogSubscription itself", () => {
    expect(runnerOptions[1]!.settings).toBe(streamLogSubscription);
    expect(streamLogEventSourceMapping).toEqual(runnerOptions[1]!.settings);
  });

  test("stacks/ subscribes the stream log with exactly those settings and its own failure queue", () => {
    const { fn, opts } = subscriptionOf("StreamLogWriter");
    expect(fn.handler).toBe("packages/functions/src/stream-log.handler");
    expect((fn.link as unknown[]).map(linkName).sort()).toEqual(["StreamLog", "StreamMetrics"]);
    const { destinationConfig, ...mapping } = (opts.transform as { eventSourceMapping: Args })
      .eventSourceMapping;
    expect(mapping).toEqual({
      ...streamLogSubscription,
      functionResponseTypes: ["ReportBatchItemFailures"],
    });
    expect(mapping.startingPosition).toBe("TRIM_HORIZON");
    expect(destinationConfig).toEqual({
      onFailure: { destinationArn: "arn:aws:sqs:eu-west-1:1:StreamLogFailures" },
    });
  });

  test("the settings are ones AWS accepts for a DynamoDB stream", () => {
    expectAcceptedByAws(streamLogEventSourceMapping);
  });
});

describe("aggregator subscription: one settings object, deployed and local", () => {
  test("the local runner is given core's aggregatorSubscription itself", () => {
    expect(runnerOptions).toHaveLength(2);
    expect(runnerOptions[0]!.tableName).toBe(tableName("GameScoreRecords"));
    expect(runnerOptions[0]!.settings).toBe(aggregatorSubscription);
  });

  test("the event source mapping carries every one of those settings unchanged", () => {
    expect(aggregatorEventSourceMapping).toEqual(runnerOptions[0]!.settings);
  });

  test("stacks/ subscribes the aggregator to GameScoreRecords with exactly those settings", () => {
    const { fn, opts } = subscriptionOf("Aggregator");
    expect(fn.handler).toBe("packages/functions/src/aggregator.handler");
    expect((fn.link as unknown[]).map(linkName).sort()).toEqual(
      [
        "AggregatorMarks",
        "BoardCounts",
        "GameScoreRecords",
        "GameScoresByUser",
        "Quarantine",
        "StreamLog",
        "StreamMetrics",
      ].sort(),
    );
    // SST's subscribe() starts at LATEST unless the transform says otherwise.
    const { destinationConfig, ...mapping } = (opts.transform as { eventSourceMapping: Args })
      .eventSourceMapping;
    expect(mapping).toEqual({
      ...aggregatorSubscription,
      functionResponseTypes: ["ReportBatchItemFailures"],
    });
    expect(mapping.startingPosition).toBe("TRIM_HORIZON");
    expect(destinationConfig).toEqual({
      onFailure: { destinationArn: "arn:aws:sqs:eu-west-1:1:AggregatorFailures" },
    });
  });

  test("the web app is linked to every table it reads or writes", () => {
    expect(deployed.sites.map((s) => s.name)).toEqual(["Web"]);
    expect((deployed.sites[0]!.args.link as unknown[]).map(linkName).sort()).toEqual(
      [
        "AggregatorMarks",
        "BoardCounts",
        "GameScoreRecords",
        "GameScoresByUser",
        "Idempotency",
        "NameClaims",
        "OperatorActions",
        "Quarantine",
        "RateLimits",
        "Sessions",
        "StreamLog",
        "StreamMetrics",
      ].sort(),
    );
  });

  test("the settings are ones AWS accepts for a DynamoDB stream", () => {
    expectAcceptedByAws(aggregatorEventSourceMapping);
  });
});

// What the deployment relies on, and the ranges AWS accepts for a DynamoDB stream mapping:
// there is no AWS account here to refuse a bad value, so refuse it before `sst deploy` does.
function expectAcceptedByAws(s: typeof aggregatorEventSourceMapping) {
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
}

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
        // SST: a list of attributes is an INCLUDE projection, "keys-only" KEYS_ONLY, "all" (the
        // default) ALL.
        Projection: Array.isArray(index.projection)
          ? { ProjectionType: "INCLUDE", NonKeyAttributes: index.projection }
          : index.projection === "keys-only"
            ? { ProjectionType: "KEYS_ONLY" }
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

describe("what the deploy runs: pinned versions, one runtime, one architecture", () => {
  const readJson = <T>(file: string) => JSON.parse(readFileSync(file, "utf8")) as T;
  type Package = {
    version: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  const app = readJson<Package>("package.json");
  const openNext = readJson<Package>("node_modules/@opennextjs/aws/package.json");
  const next = readJson<Package>("node_modules/next/package.json");

  test("sst.config.ts deploys with the OpenNext that `npm run build:aws` builds with", () => {
    const [web] = deployed.sites;
    expect(web!.args.openNextVersion).toBe(OPEN_NEXT_VERSION);
    // Exact pins, no ranges: what is tested here is what a deploy would fetch.
    expect(app.devDependencies?.["@opennextjs/aws"]).toBe(OPEN_NEXT_VERSION);
    expect(openNext.version).toBe(OPEN_NEXT_VERSION);
    expect(app.dependencies?.sst).toMatch(/^\d+\.\d+\.\d+$/);
    expect(readJson<Package>("node_modules/sst/package.json").version).toBe(app.dependencies?.sst);
  });

  test("Next stays inside that OpenNext's peer range (installed, and the lowest package.json allows)", () => {
    const peer = openNext.peerDependencies?.next;
    expect(peer).toBeDefined();
    expect(semver.satisfies(next.version, peer!)).toBe(true);
    const lowest = semver.minVersion(app.dependencies!.next!);
    expect(lowest && semver.satisfies(lowest, peer!)).toBe(true);
  });

  test("every function runs nodejs22.x or newer, on arm64, the web server included", () => {
    expect(Number(/^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME)?.[1])).toBeGreaterThanOrEqual(22);
    expect(NODE_TARGET).toBe(LAMBDA_RUNTIME.replace(/^nodejs(\d+)\.x$/, "node$1"));
    expect(LAMBDA_ARCHITECTURE).toBe("arm64");
    const functions = [
      ...deployed.subscriptions.map((s) => [s.name, s.fn] as const),
      ...deployed.sites.map((s) => [`${s.name} server`, s.args.server as Args] as const),
    ];
    expect(functions).toHaveLength(3);
    for (const [name, fn] of functions) {
      expect({ name, runtime: fn.runtime, architecture: fn.architecture }).toEqual({
        name,
        runtime: LAMBDA_RUNTIME,
        architecture: LAMBDA_ARCHITECTURE,
      });
    }
  });
});

describe("alarms: each subscriber's lag and given-up batches", () => {
  const subscribers: AlarmSubscriber[] = [
    { id: "Aggregator", functionName: "agg-fn", queueName: "agg-failures" },
    { id: "StreamLog", functionName: "log-fn", queueName: "log-failures" },
  ];
  const withEnv = (env: Record<string, string>, run: () => void) => {
    const saved = { ...process.env };
    deployed.alarms.length = 0;
    deployed.topics.length = 0;
    deployed.topicSubscriptions.length = 0;
    Object.assign(process.env, env);
    try {
      run();
    } finally {
      for (const key of Object.keys(env)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  };

  test("an IteratorAge alarm per subscriber function and a depth alarm per failure queue", () => {
    withEnv({}, () => createAlarms(subscribers));
    const byName = Object.fromEntries(deployed.alarms.map((a) => [a.name, a.args]));
    expect(Object.keys(byName).sort()).toEqual([
      "AggregatorFailureQueue",
      "AggregatorIteratorAge",
      "StreamLogFailureQueue",
      "StreamLogIteratorAge",
    ]);
    expect(byName.AggregatorIteratorAge).toMatchObject({
      name: "streamboard-prod-AggregatorIteratorAge",
      namespace: "AWS/Lambda",
      metricName: "IteratorAge",
      statistic: "Maximum",
      dimensions: { FunctionName: "agg-fn" },
      threshold: 60_000,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
    });
    expect(byName.StreamLogIteratorAge).toMatchObject({ dimensions: { FunctionName: "log-fn" } });
    expect(byName.AggregatorFailureQueue).toMatchObject({
      name: "streamboard-prod-AggregatorFailureQueue",
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: "agg-failures" },
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
    expect(byName.StreamLogFailureQueue).toMatchObject({
      dimensions: { QueueName: "log-failures" },
    });
    for (const args of Object.values(byName)) {
      expect(args.alarmDescription).toMatch(/docs\/deploy\.md#when-an-alarm-fires/);
      // No topic configured: the alarms notify nobody, and no topic is made.
      expect(args.alarmActions).toBeUndefined();
    }
    expect(deployed.topics).toEqual([]);
  });

  test("STREAMBOARD_ALARM_EMAIL: a topic of the stage, that address subscribed, every alarm to it", () => {
    let result: { topicArn?: string } = {};
    withEnv({ STREAMBOARD_ALARM_EMAIL: "oncall@example.com" }, () => {
      result = createAlarms(subscribers);
    });
    expect(deployed.topics).toEqual(["Alarms"]);
    expect(deployed.topicSubscriptions).toEqual([
      {
        name: "AlarmsEmail",
        args: { topic: result.topicArn, protocol: "email", endpoint: "oncall@example.com" },
      },
    ]);
    for (const { args } of deployed.alarms) {
      expect(args.alarmActions).toEqual([result.topicArn]);
      expect(args.okActions).toEqual([result.topicArn]);
    }
  });

  test("STREAMBOARD_ALARM_TOPIC_ARN: an existing topic, none made; a bad value stops the deploy", () => {
    const arn = "arn:aws:sns:eu-west-1:123456789012:team-pager";
    withEnv({ STREAMBOARD_ALARM_TOPIC_ARN: arn }, () => createAlarms(subscribers));
    expect(deployed.topics).toEqual([]);
    for (const { args } of deployed.alarms) expect(args.alarmActions).toEqual([arn]);
    expect(() =>
      withEnv({ STREAMBOARD_ALARM_TOPIC_ARN: "team-pager" }, () => createAlarms(subscribers)),
    ).toThrow(/not an SNS topic ARN/);
    expect(() =>
      withEnv({ STREAMBOARD_ALARM_EMAIL: "oncall" }, () => createAlarms(subscribers)),
    ).toThrow(/not an email address/);
  });

  test("the web app can read the quarantine (the failures panel on AWS)", () => {
    expect((deployed.sites[0]!.args.link as unknown[]).map(linkName)).toContain("Quarantine");
  });
});
