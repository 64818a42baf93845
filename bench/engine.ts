// The embedded engine: what the Streams layer costs a writer, and how soon a write is readable
// on the stream. Everything runs side by side in one process, one run, rounds interleaved.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  waitUntilTableExists,
  type CreateTableCommandInput,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import {
  describeShards,
  findLatestStream,
  parentsFirst,
  ShardCursor,
} from "@streamboard/core/stream";
import dynalite from "dynalite";
import { startLocalEngine } from "../packages/local/src/engine/index.ts";
import { median, percentile, type BenchResult } from "./stats.ts";

const credentials = { accessKeyId: "local", secretAccessKey: "local" };
const WRITES_PER_ROUND = 1500;
const CONCURRENCY = 16;
const ROUNDS = 9;
const LATENCY_SAMPLES = 500;

const table = (name: string, streams: boolean): CreateTableCommandInput => ({
  TableName: name,
  BillingMode: "PAY_PER_REQUEST",
  AttributeDefinitions: [{ AttributeName: "RecordID", AttributeType: "S" }],
  KeySchema: [{ AttributeName: "RecordID", KeyType: "HASH" }],
  ...(streams
    ? { StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" } }
    : {}),
});

/** Writes per second for one round of PutItems with a fixed number of writers. */
async function writeRound(
  client: DynamoDBClient,
  tableName: string,
  round: number,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < WRITES_PER_ROUND) {
        const i = next++;
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              RecordID: { S: `r${round}-${i}` },
              PlayerName: { S: `player-${i % 50}` },
              Score: { N: String(i * 7) },
            },
          }),
        );
      }
    }),
  );
  return WRITES_PER_ROUND / ((performance.now() - started) / 1000);
}

export async function benchEngine(): Promise<BenchResult[]> {
  const plain: Server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
  const plainEndpoint = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  const engine = await startLocalEngine({ port: 0, inMemory: true });
  const client = (endpoint: string) =>
    new DynamoDBClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });

  const targets = [
    { name: "dynalite alone", client: client(plainEndpoint), table: "Plain", streams: false },
    {
      name: "engine, table without stream",
      client: client(engine.endpoint),
      table: "NoStream",
      streams: false,
    },
    {
      name: "engine, stream NEW_AND_OLD_IMAGES",
      client: client(engine.endpoint),
      table: "Streamed",
      streams: true,
    },
  ];
  for (const t of targets) {
    await t.client.send(new CreateTableCommand(table(t.table, t.streams)));
    // The SDK's waiter at the engine's pace (a table is ACTIVE at once), not AWS's 20 s.
    await waitUntilTableExists(
      { client: t.client, minDelay: 0.005, maxDelay: 1, maxWaitTime: 60 },
      { TableName: t.table },
    );
  }

  // Warm up every path (JIT, sockets), then interleave rounds so drift hits all targets alike.
  for (const t of targets) await writeRound(t.client, t.table, -1);
  const rates = new Map(targets.map((t) => [t.name, [] as number[]]));
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate who goes first, so that no target always runs on a warmer (or busier) machine.
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
    for (const t of order) rates.get(t.name)!.push(await writeRound(t.client, t.table, round));
  }

  const results: BenchResult[] = [];
  const baseline = median(rates.get("dynalite alone")!);
  for (const t of targets) {
    const m = median(rates.get(t.name)!);
    results.push({
      bench: "engine",
      metric: `PutItem throughput, ${t.name}`,
      value: Math.round(m),
      unit: "writes/s",
      note: `median of ${ROUNDS}×${WRITES_PER_ROUND}, ${CONCURRENCY} writers; ${((m / baseline) * 100).toFixed(0)}% of dynalite`,
    });
  }

  // Write → visible: from issuing PutItem to the GetRecords that returns its record. The stream,
  // its shards and the iterator come from the core reader (ListStreams and DescribeStream paged,
  // the newest open shard after its parents); each `next` is one GetRecords, which is what is
  // timed.
  const streams = new DynamoDBStreamsClient({
    endpoint: engine.endpoint,
    region: "us-east-1",
    credentials,
  });
  const reader = { client: streams };
  const streamed = targets[2]!;
  const stream = await findLatestStream(streamed.table, reader);
  if (!stream) throw new Error(`${streamed.table} has no stream`);
  const shards = parentsFirst((await describeShards(stream.streamArn, reader)) ?? []);
  const open = shards.filter((shard) => !shard.SequenceNumberRange?.EndingSequenceNumber).at(-1);
  if (!open?.ShardId) throw new Error(`${streamed.table}'s stream has no open shard`);
  const cursor = new ShardCursor(stream.streamArn, open.ShardId, "LATEST", reader);
  // The cursor takes its LATEST iterator on the first read: take it now, before the first write.
  await cursor.next();
  const latencies: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const started = performance.now();
    await streamed.client.send(
      new PutItemCommand({
        TableName: streamed.table,
        Item: { RecordID: { S: `lat-${i}` }, Score: { N: "1" } },
      }),
    );
    for (;;) {
      const page = await cursor.next();
      if (page.ended || page.gone) throw new Error(`${open.ShardId} closed while being read`);
      if (page.records.some((r) => r.dynamodb?.Keys?.RecordID?.S === `lat-${i}`)) break;
    }
    latencies.push(performance.now() - started);
  }
  for (const p of [50, 99] as const) {
    results.push({
      bench: "engine",
      metric: `write → GetRecords visible, p${p}`,
      value: Number(percentile(latencies, p).toFixed(2)),
      unit: "ms",
      note: `${LATENCY_SAMPLES} sequential writes`,
    });
  }

  await engine.close();
  await new Promise((resolve) => plain.close(resolve));
  return results;
}
