import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { tableName } from "@streamboard/core/resource";
import {
  tables,
  toCreateTableInput,
  type TableDefinition,
  type TableId,
} from "@streamboard/core/tables";

/**
 * Creates the project's tables where they are missing and enables TTL where a definition has one
 * (idempotent: an existing data dir keeps its tables and settings), from the core definitions.
 */
export async function ensureTables(client: DynamoDBClient): Promise<void> {
  for (const id of Object.keys(tables) as TableId[]) {
    const name = tableName(id);
    const definition: TableDefinition = tables[id];
    if (!(await tableExists(client, name))) {
      await client.send(new CreateTableCommand(toCreateTableInput(name, definition)));
      for (;;) {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
        if (Table?.TableStatus === "ACTIVE") break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    if (definition.ttl) await ensureTimeToLive(client, name, definition.ttl);
  }
}

async function tableExists(client: DynamoDBClient, name: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: name }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
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
