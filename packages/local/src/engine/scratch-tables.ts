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

  /** The table changed (its indexes): its scratch is derived afresh on next use. */
  tableChanged(tableName: string): void {
    this.byTable.delete(tableName);
  }

  /** Called before the table is deleted (its description names the scratch): drops its scratch. */
  async drop(tableName: string): Promise<void> {
    this.byTable.delete(tableName);
    const table = await this.describe(tableName);
    if (table) await this.backend.call("DeleteTable", { TableName: scratchNameOf(table).name });
  }

  private async describe(tableName: string): Promise<TableDescription | undefined> {
    const described = await this.backend.call<{ Table?: TableDescription }>("DescribeTable", {
      TableName: tableName,
    });
    const table = described.ok ? described.data.Table : undefined;
    return table?.KeySchema && table.TableStatus !== "DELETING" ? table : undefined;
  }

  private async create(tableName: string): Promise<string | undefined> {
    const table = await this.describe(tableName);
    if (!table) return undefined;
    const { name, definition } = scratchNameOf(table);
    // Evaluations leave their scratch copies empty (transactions.ts relies on it for items that
    // do not exist), but one cut short by a crash may not have: a scratch table from an earlier
    // run (same data dir) is dropped and made anew. One being deleted (its table was deleted and
    // created again in the same instant) is waited out.
    let fresh = false;
    for (let attempt = 0; attempt < 5000; attempt++) {
      const status = await this.backend.call<{ Table?: TableDescription }>("DescribeTable", {
        TableName: name,
      });
      if (status.ok && !fresh && status.data.Table?.TableStatus === "ACTIVE") {
        await this.backend.call("DeleteTable", { TableName: name });
        fresh = true;
        continue;
      }
      if (!status.ok) fresh = true;
      if (status.ok && status.data.Table?.TableStatus === "ACTIVE") return name;
      if (!status.ok) {
        await this.backend.call("CreateTable", {
          TableName: name,
          BillingMode: "PAY_PER_REQUEST",
          ...definition,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    throw new Error(`scratch table ${name} for ${tableName} did not become ACTIVE`);
  }
}

/** The scratch table of one incarnation of a table: its keys, attributes and index keys. */
function scratchNameOf(table: TableDescription) {
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
    .update(JSON.stringify([table.TableName, table.CreationDateTime, definition]))
    .digest("hex")
    .slice(0, 32);
  return { name: `${SCRATCH_PREFIX}${digest}`, definition };
}
