import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ListTablesCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-dynamodb";
import { dynamo, localResourceEnvironment, tables } from "@streamboard/core/infra";
import { afterEach, describe, expect, it } from "vitest";
import { ensureTables, outdatedTables, rebuildTable } from "./bootstrap.ts";
import { startLocalEngine } from "./engine/index.ts";

describe("ensureTables", () => {
  const dirs: string[] = [];
  afterEach(() =>
    dirs.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })),
  );

  it("enables TTL where a definition has one, once, also on an existing data dir", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bootstrap-"));
    dirs.push(dataDir);
    for (let start = 0; start < 2; start++) {
      const engine = await startLocalEngine({ port: 0, dataDir, ttlSweepIntervalMs: 0 });
      try {
        Object.assign(process.env, localResourceEnvironment(), {
          DYNAMODB_ENDPOINT: engine.endpoint,
        });
        await ensureTables(dynamo());
        await ensureTables(dynamo()); // idempotent within one run as well
        const ttl = async (TableName: string) =>
          (await dynamo().send(new DescribeTimeToLiveCommand({ TableName }))).TimeToLiveDescription;
        expect(await ttl("Idempotency")).toEqual({
          TimeToLiveStatus: "ENABLED",
          AttributeName: "ExpiresAt",
        });
        expect(await ttl("GameScoreRecords")).toEqual({ TimeToLiveStatus: "DISABLED" });
      } finally {
        await engine.close();
      }
    }
  });
});

/**
 * The client as code that loaded a second copy of the SDK sees it: its errors carry AWS's name
 * but are not instances of this copy's exception classes, so only matching by name works.
 */
function asFromAnotherSdkCopy(client: DynamoDBClient): DynamoDBClient {
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  const foreign = Object.create(client) as DynamoDBClient;
  Object.defineProperty(foreign, "send", {
    value: async (command: unknown) => {
      try {
        return await send(command);
      } catch (error) {
        if (!(error instanceof Error)) throw error;
        throw Object.assign(new Error(error.message), { name: error.name });
      }
    },
  });
  return foreign;
}

describe("bootstrap matches AWS errors by name, not by class", () => {
  it("creates, checks and rebuilds tables when the SDK's errors are another copy's", async () => {
    const engine = await startLocalEngine({ port: 0, inMemory: true });
    try {
      Object.assign(process.env, localResourceEnvironment(), {
        DYNAMODB_ENDPOINT: engine.endpoint,
      });
      const client = asFromAnotherSdkCopy(dynamo());
      const missing = await client
        .send(new DescribeTableCommand({ TableName: "GameScoresByUser" }))
        .catch((error: unknown) => error);
      // The premise: a ResourceNotFoundException by name that `instanceof` does not recognise.
      expect(missing).toMatchObject({ name: "ResourceNotFoundException" });
      expect(missing).not.toBeInstanceOf(ResourceNotFoundException);

      expect(await outdatedTables(client)).toEqual([]); // no tables yet: none outdated
      await ensureTables(client);
      const { TableNames } = await dynamo().send(new ListTablesCommand({}));
      expect([...(TableNames ?? [])].sort()).toEqual(Object.keys(tables).sort());
      await rebuildTable(client, "GameScoresByUser");
      const { Table } = await dynamo().send(
        new DescribeTableCommand({ TableName: "GameScoresByUser" }),
      );
      expect(Table?.TableStatus).toBe("ACTIVE");
    } finally {
      await engine.close();
    }
  });
});
