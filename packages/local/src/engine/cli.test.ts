// The engine's command line: `npm run engine -- --port N [--data-dir DIR | --in-memory]`.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  CreateTableCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { tableActive } from "./test-support.ts";

const cli = path.join(import.meta.dirname, "cli.ts");
const tsx = ["--import", "tsx", cli];

/** Starts the CLI and resolves with its endpoint once it says it is listening. */
function startCli(args: string[]) {
  const child = spawn(process.execPath, [...tsx, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const endpoint = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /endpoint: (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", (code) => reject(new Error(`engine exited with ${code}: ${output}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, endpoint, exited, output: () => output };
}

const client = (endpoint: string) =>
  new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
  });

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
