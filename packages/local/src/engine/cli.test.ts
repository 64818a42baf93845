// The engine's command line: `npm run engine -- --port N [--data-dir DIR | --in-memory]`.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { GetItemCommand, PutItemCommand, CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { clientsFor, startEngineCli, tableActive } from "./test-support.ts";

const cli = path.join(import.meta.dirname, "cli.ts");
const tsx = ["--import", "tsx", cli];

const startCli = (args: string[]) => startEngineCli(args);
const client = (endpoint: string) => clientsFor(endpoint).db;

describe("npm run engine", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-cli-"));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("serves, stops cleanly on SIGTERM, and keeps its data for the next start", async () => {
    const first = startCli(["--port", "0", "--data-dir", dataDir]);
    const db = client(await first.endpoint);
    await db.send(
      new CreateTableCommand({
        TableName: "Kept",
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" },
      }),
    );
    await tableActive(db, "Kept");
    await db.send(new PutItemCommand({ TableName: "Kept", Item: { id: { S: "1" } } }));
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);

    const second = startCli(["--port", "0", "--data-dir", dataDir]);
    const { Item } = await client(await second.endpoint).send(
      new GetItemCommand({ TableName: "Kept", Key: { id: { S: "1" } } }),
    );
    expect(Item).toEqual({ id: { S: "1" } });
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
  });

  it.each([
    [["--port", "eighty"], /--port must be a port number/],
    [["--in-memory", "--data-dir", "x"], /exclude each other/],
    [["--colour"], /Unknown option '--colour'/],
  ])("rejects %j with a clear message and exit code 2", (args, message) => {
    const result = spawnSync(process.execPath, [...tsx, ...args], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("usage: npm run engine");
  });
});
