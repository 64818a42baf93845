/*
 * A stage's tables as `sst deploy` leaves them, on the embedded engine: names that are not the
 * table ids (SST names a table `<app>-<stage>-<Id>Table-<suffix>`), and the links a function gets
 * (`SST_RESOURCE_<Id>` = `{"name": …, "type": "sst.aws.Dynamo"}`). A bundle that found its tables
 * by id instead of by link would fail against these, as it would on AWS.
 */
import { createHash } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { tables, type TableId } from "@streamboard/core/infra";
import { ensureTables } from "../bootstrap.ts";

export const APP = "streamboard";

/** Each table's name in `stage`, in SST's pattern. */
export function deployedTableNames(stage: string): Record<TableId, string> {
  return Object.fromEntries(
    (Object.keys(tables) as TableId[]).map((id) => {
      const suffix = createHash("sha256").update(`${stage}/${id}`).digest("hex").slice(0, 8);
      return [id, `${APP}-${stage}-${id}Table-${suffix}`];
    }),
  ) as Record<TableId, string>;
}

/** The `SST_RESOURCE_*` variables of a function linked to `ids`: what SST sets on it. */
export function linkEnvironment(
  stage: string,
  names: Record<TableId, string>,
  ids: readonly TableId[],
  extra: Record<string, unknown> = {},
): Record<string, string> {
  const env: Record<string, string> = {
    SST_RESOURCE_App: JSON.stringify({ name: APP, stage }),
  };
  for (const id of ids) {
    env[`SST_RESOURCE_${id}`] = JSON.stringify({ name: names[id], type: "sst.aws.Dynamo" });
  }
  for (const [id, value] of Object.entries(extra)) {
    env[`SST_RESOURCE_${id}`] = JSON.stringify(value);
  }
  return env;
}

/** Creates every table under its deployed name (with its indexes, stream and TTL). */
export async function createDeployedTables(
  client: DynamoDBClient,
  names: Record<TableId, string>,
): Promise<void> {
  await ensureTables(client, (id) => names[id]);
}
