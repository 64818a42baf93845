import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { dynamo } from "../infra/clients.ts";
import { tableName } from "../infra/resource.ts";
import { tables, type TableId } from "../infra/tables.ts";

// A health check that waits out the SDK's retries is no check: answer within this or fail.
const TIMEOUT_MS = 3000;

/** Whether the database answers, with each table's status. Throws when it does not. */
export async function getHealth(): Promise<{
  status: "ok";
  tables: Record<string, string>;
  time: string;
}> {
  const ids = Object.keys(tables) as TableId[];
  const statuses = await Promise.all(
    ids.map(async (id) => {
      const { Table } = await dynamo().send(
        new DescribeTableCommand({ TableName: tableName(id) }),
        {
          abortSignal: AbortSignal.timeout(TIMEOUT_MS),
        },
      );
      return [id, Table?.TableStatus ?? "UNKNOWN"] as const;
    }),
  );
  return { status: "ok", tables: Object.fromEntries(statuses), time: new Date().toISOString() };
}
