import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { tableName } from "@streamboard/core/resource";
import { tables, toCreateTableInput, type TableId } from "@streamboard/core/tables";

/** Creates the project's tables where they are missing (idempotent), from the core definitions. */
export async function ensureTables(client: DynamoDBClient): Promise<void> {
  for (const id of Object.keys(tables) as TableId[]) {
    const name = tableName(id);
    try {
      await client.send(new DescribeTableCommand({ TableName: name }));
      continue;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    await client.send(new CreateTableCommand(toCreateTableInput(name, tables[id])));
    for (;;) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      if (Table?.TableStatus === "ACTIVE") break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
