import { createHash } from "node:crypto";
import type { TableDescription } from "@aws-sdk/client-dynamodb";
import type { DynaliteBackend } from "./dynalite-backend.ts";

/** Scratch tables are dynalite tables like any other, hidden from ListTables and DescribeTable. */
export const SCRATCH_PREFIX = "__streamboard_tx_";
export const isScratchTable = (name: string) => name.startsWith(SCRATCH_PREFIX);

/**
 * One hidden scratch table per real table, with the same key schema, attribute definitions and
 * index keys, where a transaction's operations are tried out on a copy of each current item, so
 * that dynalite's own validation and expression evaluation decide pass/fail and the new image.
 * The name is derived from the table's incarnation (name, creation time, schema): a table deleted
 * and created again with other keys gets a fresh scratch table, never a stale one.
 */
export class ScratchTables {
  private readonly byTable = new Map<string, Promise<string | undefined>>();

  constructor(private readonly backend: DynaliteBackend) {}

  /** The scratch table of `tableName`, created on first use; undefined when the table does not exist. */
  forTable(tableName: string): Promise<string | undefined> {
    let scratch = this.byTable.get(tableName);
    if (!scratch) {
      scratch = this.create(tableName);
      this.byTable.set(tableName, scratch);
      void scratch.then(
        (name) => name === undefined && this.byTable.delete(tableName),
        () => this.byTable.delete(tableName),
      );
    }
    return scratch;
  }

  /** The table changed (its indexes) or is gone: forget its scratch, and drop it when gone. */
  tableChanged(tableName: string, deleted: boolean): void {
    const scratch = this.byTable.get(tableName);
    this.byTable.delete(tableName);
    if (deleted && scratch) {
      void scratch
        .then(async (name) => {
          if (name) await this.backend.call("DeleteTable", { TableName: name });
        })
        .catch(() => undefined);
    }
  }

  private async create(tableName: string): Promise<string | undefined> {
    const described = await this.backend.call<{ Table?: TableDescription }>("DescribeTable", {
      TableName: tableName,
    });
    const table = described.ok ? described.data.Table : undefined;
    if (!table?.KeySchema || table.TableStatus === "DELETING") return undefined;
    const keysOnly = { ProjectionType: "KEYS_ONLY" };
    const definition = {
      AttributeDefinitions: table.AttributeDefinitions,
      KeySchema: table.KeySchema,
      ...(table.GlobalSecondaryIndexes?.length
        ? {
            GlobalSecondaryIndexes: table.GlobalSecondaryIndexes.map((index) => ({
              IndexName: index.IndexName,
              KeySchema: index.KeySchema,
              Projection: keysOnly,
            })),
          }
        : {}),
      ...(table.LocalSecondaryIndexes?.length
        ? {
            LocalSecondaryIndexes: table.LocalSecondaryIndexes.map((index) => ({
              IndexName: index.IndexName,
              KeySchema: index.KeySchema,
              Projection: keysOnly,
            })),
          }
        : {}),
    };
    const digest = createHash("sha256")
      .update(JSON.stringify([tableName, table.CreationDateTime, definition]))
      .digest("hex")
      .slice(0, 32);
    const name = `${SCRATCH_PREFIX}${digest}`;
    // Already there from an earlier run (same data dir) is as good as created now.
    await this.backend.call("CreateTable", {
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      ...definition,
    });
    for (;;) {
      const status = await this.backend.call<{ Table?: TableDescription }>("DescribeTable", {
        TableName: name,
      });
      if (!status.ok)
        throw new Error(`scratch table ${name} for ${tableName} could not be created`);
      if (status.data.Table?.TableStatus === "ACTIVE") return name;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}
