// Test support for the engine's conformance tests: SDK clients, waits and reads as AWS clients do.
import {
  DescribeTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
  waitUntilTableNotExists,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from "@aws-sdk/client-dynamodb-streams";

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

/** Every record of a stream, shard by shard, from the trim horizon to each shard's tip. */
export async function readStream(
  streams: DynamoDBStreamsClient,
  StreamArn: string,
): Promise<_Record[]> {
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn }));
  const records: _Record[] = [];
  for (const shard of StreamDescription!.Shards!) {
    let iterator = (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: "TRIM_HORIZON",
        }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      records.push(...page.Records!);
      if (page.Records!.length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return records;
}
