import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DescribeTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { dynamo } from "@streamboard/core/infra";
import { localResourceEnvironment } from "@streamboard/core/infra";
import { afterEach, describe, expect, it } from "vitest";
import { ensureTables } from "./bootstrap.ts";
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
