import { Resource } from "sst";
import { tables, type TableId } from "./tables.ts";

/**
 * A table's name, the SST way (typed by the committed `sst-env.d.ts`): `Resource.X.name` from the stage's links on AWS, and locally from
 * the `SST_RESOURCE_X` variables the dev command sets (`{"name":"GameScoreRecords",...}`).
 */
export function tableName(table: TableId): string {
  return Resource[table].name;
}

/** A table's name in the local stack (the embedded engine): its id. */
export const localTableName = (table: TableId): string => table;

/** The variables that link the local tables, in the form `sst dev` gives linked resources. */
export function localResourceEnvironment(): Record<string, string> {
  const env: Record<string, string> = {
    SST_RESOURCE_App: JSON.stringify({ name: "streamboard", stage: "local" }),
  };
  for (const table of Object.keys(tables) as TableId[]) {
    env[`SST_RESOURCE_${table}`] = JSON.stringify({
      name: localTableName(table),
      type: "sst.aws.Dynamo",
    });
  }
  return env;
}
