/*
 * A deployed stage, offline, for the artifact tests: the embedded engine with the stage's tables
 * under their deployed names, and the bundles `npm run build:aws` made, each started as Lambda
 * starts it with the links its stack gives it (stacks/functions.ts `functionLinks`):
 *
 * - the stream subscribers, fed by the local stream runner reading the table's stream with the
 *   subscription settings their event source mappings have (the part Lambda's poller plays);
 * - optionally the OpenNext server function, reached with API Gateway v2 events (the part
 *   CloudFront and the function URL play).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { aggregatorSubscription } from "@streamboard/core/aggregator";
import { dynamo } from "@streamboard/core/infra";
import { streamLogSubscription } from "@streamboard/core/stream";
import type { TableId } from "@streamboard/core/infra";
import { functionLinks } from "../../../../stacks/functions.ts";
import { startLocalEngine, type LocalEngine } from "../engine/index.ts";
import { startStreamRunner, type StreamRunner } from "../runner/index.ts";
import { apiGatewayV2Event, decodeResponse, type HttpRequest, type HttpResponse } from "./apigw.ts";
import { startServerFunction, startStreamFunction } from "./artifacts.ts";
import { createDeployedTables, deployedTableNames, linkEnvironment } from "./deployed.ts";
import type { LambdaFunction } from "./lambda.ts";

export type OfflineStage = {
  engine: LocalEngine;
  /** Each table's deployed name. */
  names: Record<TableId, string>;
  streamArn: string;
  aggregator: LambdaFunction;
  streamLog: LambdaFunction;
  server: LambdaFunction | undefined;
  /** One request through the server function, as CloudFront → function URL sends it. */
  http(request: HttpRequest): Promise<HttpResponse>;
  /** Resolves once both subscribers have handled everything written before the call. */
  idle(): Promise<void>;
  stop(): Promise<void>;
};

export type OfflineStageOptions = {
  stage?: string;
  /** Start the OpenNext server function too (needs the full `npm run build:aws`). */
  server?: boolean;
  /** Its `OPERATOR_TOKEN` (on AWS, the OperatorToken secret). */
  operatorToken?: string;
  /** Feed the subscribers from the stream (default); false: the test invokes them itself. */
  runners?: boolean;
};

const quiet = { info() {}, warn() {}, error() {} };

export async function startOfflineStage(options: OfflineStageOptions = {}): Promise<OfflineStage> {
  const stage = options.stage ?? "ci";
  const names = deployedTableNames(stage);
  const engine = await startLocalEngine({ port: 0, inMemory: true });
  // This process (the test, the runners) reaches the engine; each function gets it in its env,
  // in place of DynamoDB's regional endpoint.
  process.env.DYNAMODB_ENDPOINT = engine.endpoint;
  await createDeployedTables(dynamo(), names);
  const { Table } = await dynamo().send(
    new DescribeTableCommand({ TableName: names.GameScoreRecords }),
  );
  const streamArn = Table!.LatestStreamArn!;
  const endpoint = { DYNAMODB_ENDPOINT: engine.endpoint };

  const aggregator = startStreamFunction("aggregator", {
    ...endpoint,
    ...linkEnvironment(stage, names, functionLinks.aggregator),
  });
  const streamLog = startStreamFunction("streamLog", {
    ...endpoint,
    ...linkEnvironment(stage, names, functionLinks.streamLog),
  });
  const server = options.server
    ? startServerFunction({
        ...endpoint,
        ...linkEnvironment(stage, names, functionLinks.web, {
          OperatorToken: { type: "sst.sst.Secret", value: options.operatorToken ?? "" },
        }),
        // stacks/web.ts `environment`, and what SST's Nextjs sets on its server function.
        OPERATOR_TOKEN: options.operatorToken ?? "",
        CACHE_BUCKET_NAME: `${stage}-web-assets-bucket`,
        CACHE_BUCKET_KEY_PREFIX: "_cache",
        CACHE_BUCKET_REGION: "us-east-1",
      })
    : undefined;
  await Promise.all([aggregator.initMs(), streamLog.initMs(), server?.initMs()]);

  const checkpoints = fs.mkdtempSync(path.join(os.tmpdir(), "streamboard-artifacts-"));
  const runners: StreamRunner[] = [];
  if (options.runners ?? true) {
    runners.push(
      startStreamRunner({
        tableName: names.GameScoreRecords,
        handler: (event) => aggregator.invoke(event),
        settings: aggregatorSubscription,
        checkpointDir: path.join(checkpoints, "aggregator"),
        pollIntervalMs: 25,
        discoveryIntervalMs: 100,
        logger: quiet,
      }),
      startStreamRunner({
        tableName: names.GameScoreRecords,
        handler: (event) => streamLog.invoke(event),
        settings: streamLogSubscription,
        checkpointDir: path.join(checkpoints, "stream-log"),
        pollIntervalMs: 25,
        discoveryIntervalMs: 100,
        logger: quiet,
      }),
    );
  }

  return {
    engine,
    names,
    streamArn,
    aggregator,
    streamLog,
    server,
    async http(request) {
      if (!server) throw new Error("started without the server function");
      return decodeResponse(await server.invoke(apiGatewayV2Event(request)));
    },
    async idle() {
      await Promise.all(runners.map((r) => r.idle()));
    },
    async stop() {
      await Promise.all(runners.map((r) => r.stop()));
      await Promise.all([aggregator.stop(), streamLog.stop(), server?.stop()]);
      await engine.close();
      fs.rmSync(checkpoints, { recursive: true, force: true });
    },
  };
}
