import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
  type DynamoDBClient,
  type Projection,
} from "@aws-sdk/client-dynamodb";
import {
  isAwsError,
  tableName,
  tables,
  toCreateTableInput,
  type TableDefinition,
  type TableId,
} from "@streamboard/core/infra";

/**
 * The SDK's waiters, at a pace for the engine, which has a table ACTIVE (or gone) at once: its
 * defaults poll every 20 s, for AWS, where creating a table takes that long.
 */
const waiter = (client: DynamoDBClient) => ({
  client,
  minDelay: 0.02,
  maxDelay: 1,
  maxWaitTime: 60,
});

/**
 * Creates the project's tables where they are missing and enables TTL where a definition has one
 * (idempotent: an existing data dir keeps its tables and settings), from the core definitions.
 * `nameOf` gives each table's name: by default its link (`Resource.X.name`), or e.g. the names a
 * deployed stage has (the artifact tests: packages/local/src/aws/deployed.ts).
 */
export async function ensureTables(
  client: DynamoDBClient,
  nameOf: (id: TableId) => string = tableName,
): Promise<void> {
  for (const id of Object.keys(tables) as TableId[]) {
    const name = nameOf(id);
    const definition: TableDefinition = tables[id];
    if (!(await tableExists(client, name))) {
      await client.send(new CreateTableCommand(toCreateTableInput(name, definition)));
      await waitUntilTableExists(waiter(client), { TableName: name });
    } else if (!REBUILDABLE.includes(id)) {
      await addMissingIndexes(client, name, definition);
    }
    if (definition.ttl) await ensureTimeToLive(client, name, definition.ttl);
  }
}

/**
 * A data dir from an older version may lack an index core has since added (GameScoreRecords'
 * ByPlayerTime): added in place, one UpdateTable each as DynamoDB requires; the engine fills it
 * from the table's items. (Derived tables with other indexes are rebuilt instead: below.)
 */
async function addMissingIndexes(
  client: DynamoDBClient,
  name: string,
  definition: TableDefinition,
) {
  const want = toCreateTableInput(name, definition);
  const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
  const have = new Set((Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
  for (const index of want.GlobalSecondaryIndexes ?? []) {
    if (have.has(index.IndexName)) continue;
    const keys = new Set(index.KeySchema?.map((k) => k.AttributeName));
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: want.AttributeDefinitions?.filter((a) => keys.has(a.AttributeName)),
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: index.IndexName,
              KeySchema: index.KeySchema,
              Projection: index.Projection,
            },
          },
        ],
      }),
    );
  }
}

/**
 * Tables whose indexes project otherwise than core defines (a data dir from an older version:
 * GameScoresByUser's board index once projected every attribute, the aggregator's marks
 * included). DynamoDB cannot change an index's projection in place, and dynalite cannot drop and
 * add an index, so such a table must be rebuilt. Only derived tables qualify.
 */
export async function outdatedTables(client: DynamoDBClient): Promise<TableId[]> {
  const outdated: TableId[] = [];
  for (const id of REBUILDABLE) {
    const want = toCreateTableInput(tableName(id), tables[id]).GlobalSecondaryIndexes ?? [];
    let have;
    try {
      ({ Table: have } = await client.send(new DescribeTableCommand({ TableName: tableName(id) })));
    } catch (error) {
      if (isAwsError(error, "ResourceNotFoundException")) continue;
      throw error;
    }
    const projection = (p: Projection | undefined) =>
      JSON.stringify([p?.ProjectionType ?? "ALL", [...(p?.NonKeyAttributes ?? [])].sort()]);
    const differs = want.some((index) => {
      const found = have?.GlobalSecondaryIndexes?.find((g) => g.IndexName === index.IndexName);
      return !found || projection(found.Projection) !== projection(index.Projection);
    });
    if (differs) outdated.push(id);
  }
  return outdated;
}

/** Tables holding only what can be recomputed from others (`reconcile --fix` refills them). */
const REBUILDABLE: TableId[] = ["GameScoresByUser", "BoardCounts"];

/** Drops and recreates a derived table with core's definition; its items are gone. */
export async function rebuildTable(client: DynamoDBClient, id: TableId): Promise<void> {
  if (!REBUILDABLE.includes(id)) throw new Error(`${id} holds data of its own: not rebuilt`);
  // The board's counts count the aggregates: they go (and are refilled) with them.
  for (const each of id === "GameScoresByUser" ? [id, "BoardCounts" as const] : [id]) {
    const name = tableName(each);
    if (!(await tableExists(client, name))) continue;
    await client.send(new DeleteTableCommand({ TableName: name }));
    await waitUntilTableNotExists(waiter(client), { TableName: name });
  }
  await ensureTables(client);
}

async function tableExists(client: DynamoDBClient, name: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: name }));
    return true;
  } catch (error) {
    if (isAwsError(error, "ResourceNotFoundException")) return false;
    throw error;
  }
}

async function ensureTimeToLive(client: DynamoDBClient, name: string, attributeName: string) {
  const { TimeToLiveDescription } = await client.send(
    new DescribeTimeToLiveCommand({ TableName: name }),
  );
  // ENABLING counts as on; another attribute is refused by UpdateTimeToLive with AWS's message.
  if (TimeToLiveDescription?.TimeToLiveStatus !== "DISABLED") return;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: name,
      TimeToLiveSpecification: { Enabled: true, AttributeName: attributeName },
    }),
  );
}
