import type { TableId } from "@streamboard/core/infra";
import { dynamoArgs } from "./core-args.ts";

/**
 * The tables, on demand, from core's definitions (GameScoreRecords with its
 * new-and-old-images stream). Each is named after its id: that is the link name the code reads
 * (`Resource.GameScoreRecords.name`).
 */
export function createTables() {
  const table = (id: TableId) =>
    new sst.aws.Dynamo(id, {
      ...dynamoArgs[id],
      // Production stages are protected (sst.config.ts); AWS refuses to delete their tables too.
      deletionProtection: $app.protect,
    });
  return {
    records: table("GameScoreRecords"),
    byUser: table("GameScoresByUser"),
    marks: table("AggregatorMarks"),
    quarantine: table("Quarantine"),
    idempotency: table("Idempotency"),
  };
}

export type Tables = ReturnType<typeof createTables>;
