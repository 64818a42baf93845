// Test support for the engine's conformance tests: SDK clients, waits and reads as AWS clients do.
import { spawn } from "node:child_process";
import path from "node:path";
import {
  DescribeTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
  waitUntilTableNotExists,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBStreamsClient,
  type _Record as StreamRecord,
} from "@aws-sdk/client-dynamodb-streams";
import { describeShards, parentsFirst, readShard } from "@streamboard/core/stream";

const credentials = { accessKeyId: "local", secretAccessKey: "local" };

/** Both clients on one endpoint, with no SDK retries: a test sees each answer as it is. */
export function clientsFor(endpoint: string) {
  const config = { endpoint, region: "us-east-1", credentials, maxAttempts: 1 };
  return { db: new DynamoDBClient(config), streams: new DynamoDBStreamsClient(config) };
}

/**
 * The SDK's waiters at the engine's pace (as in `bootstrap.ts`): its tables are ACTIVE, or gone,
 * at once, where the defaults poll every 20 s for AWS.
 */
const waiter = (client: DynamoDBClient) => ({
  client,
  minDelay: 0.02,
  maxDelay: 1,
  maxWaitTime: 60,
});

/** Waits until a table is ACTIVE, as AWS clients must, and returns its description. */
export async function tableActive(
  db: DynamoDBClient,
  TableName: string,
): Promise<TableDescription> {
  await waitUntilTableExists(waiter(db), { TableName });
  return (await db.send(new DescribeTableCommand({ TableName }))).Table!;
}

/** Waits until a deleted table no longer exists, as AWS clients must. */
export async function tableGone(db: DynamoDBClient, TableName: string): Promise<void> {
  await waitUntilTableNotExists(waiter(db), { TableName });
}

/**
 * Every record of a stream, shard by shard (parents first), from the trim horizon to each shard's
 * tip: the core stream reader on this client.
 */
export async function readStream(
  streams: DynamoDBStreamsClient,
  streamArn: string,
): Promise<StreamRecord[]> {
  const reader = { client: streams };
  const shards = await describeShards(streamArn, reader);
  if (!shards) throw new Error(`${streamArn}: no such stream`);
  const records: StreamRecord[] = [];
  for (const shard of parentsFirst(shards)) {
    records.push(...(await readShard(streamArn, shard.ShardId!, "TRIM_HORIZON", reader)).records);
  }
  return records;
}

const engineCli = path.join(import.meta.dirname, "cli.ts");

/**
 * The engine's CLI (`npm run engine`) as a child process: `endpoint` resolves once it says it is
 * listening; `exited` with the signal that ended it, else its exit code.
 */
export function startEngineCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ["--import", "tsx", engineCli, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let output = "";
  const endpoint = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /endpoint: (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", (code) => reject(new Error(`engine exited with ${code}: ${output}`)));
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on("exit", (code, signal) => resolve(signal ?? code)),
  );
  return { child, endpoint, exited, output: () => output };
}
