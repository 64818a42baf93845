import { tables, type TableId } from "@streamboard/core/infra";
import { dynamoArgs } from "./core-args.ts";

/**
 * One `sst.aws.Dynamo` per table core defines, on demand, from core's definitions
 * (GameScoreRecords with its new-and-old-images stream): a table added to core is deployed
 * without a line here. Each is named after its id: that is the link name the code reads
 * (`Resource.GameScoreRecords.name`, typed by sst-env.d.ts).
 */
export function createTables() {
  const ids = Object.keys(tables) as TableId[];
  return Object.fromEntries(
    ids.map((id) => [
      id,
      new sst.aws.Dynamo(id, {
        ...dynamoArgs[id],
        // Production stages are protected (sst.config.ts); AWS refuses to delete their tables too.
        deletionProtection: $app.protect,
      }),
    ]),
  ) as Record<TableId, sst.aws.Dynamo>;
}

export type Tables = ReturnType<typeof createTables>;
