/*
 * The web app as `sst deploy` would upload it: OpenNext's server function from
 * `npm run build:aws` (.open-next/server-functions/default), loaded by plain Node from its folder
 * with a Lambda environment and the links stacks/web.ts gives it, invoked with API Gateway v2
 * events (what CloudFront → the function URL sends). Behind it, a stage's tables under their
 * deployed names on the embedded engine, and the bundled aggregator and stream log fed from the
 * table's stream by the local runner: the whole deployed path, offline.
 */
import fs from "node:fs";
import path from "node:path";
import { PutItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { dynamo } from "@streamboard/core/infra";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readManifest, REPO_ROOT } from "./artifacts.ts";
import { startOfflineStage, type OfflineStage } from "./offline-stage.ts";

const TOKEN = "artifact-operator-token";
let stage: OfflineStage;

beforeAll(async () => {
  stage = await startOfflineStage({ server: true, operatorToken: TOKEN });
});
afterAll(() => stage?.stop());

type Submitted = { recordId: string; playerName: string; score: number };
type Board = { entries: { playerName: string; totalScore: number; gamesPlayed: number }[] };

async function records() {
  const { Items = [] } = await dynamo().send(
    new ScanCommand({ TableName: stage.names.GameScoreRecords }),
  );
  return Items.map(
    (item) => unmarshall(item) as { RecordID: string; PlayerName: string; Score: number },
  );
}

// A game client posting a score (not a browser: no Origin, no cookie of its own yet).
const submit = (body: unknown, clientIp = "203.0.113.21") =>
  stage.http({ method: "POST", url: "/api/scores", json: body, clientIp });

describe("the OpenNext server function", () => {
  it("answers GET /api/health from the stage's tables, with no local runner", async () => {
    const response = await stage.http({ url: "/api/health" });
    expect(response.status).toBe(200);
    const health = response.json<{
      status: string;
      tables: Record<string, string>;
      runner: unknown;
    }>();
    expect(health.status).toBe("ok");
    expect(Object.values(health.tables).every((s) => s === "ACTIVE")).toBe(true);
    expect(health.runner).toBeNull();
  });

  it("takes a score (201), claims its name for the device, and the stream counts it", async () => {
    const response = await submit({ playerName: "Artifact Ada", score: 40 });
    expect(response.status).toBe(201);
    const body = response.json<Submitted & { claim?: { recoveryKey: string } }>();
    expect(body).toMatchObject({ playerName: "Artifact Ada", score: 40 });
    expect(body.claim?.recoveryKey).toEqual(expect.any(String));
    // The device cookie, Secure because CloudFront said https.
    const device = response.cookies.find((c) => c.startsWith("streamboard_device="));
    expect(device).toMatch(/HttpOnly/i);
    expect(device).toMatch(/Secure/i);
    // It is in the stage's table, under its deployed name.
    expect((await records()).map((r) => r.RecordID)).toContain(body.recordId);

    // Another device (no cookie): the name is taken.
    const taken = await submit({ playerName: "Artifact Ada", score: 25 }, "203.0.113.21");
    expect(taken.status, taken.body).toBe(403);
    expect(taken.json<{ error: { code: string } }>().error.code).toBe("name_taken");
    const again = await stage.http({
      method: "POST",
      url: "/api/scores",
      json: { playerName: "Artifact Ada", score: 25 },
      cookies: [device!.split(";")[0]!],
    });
    expect(again.status, again.body).toBe(201);

    await stage.idle();
    const board = await stage.http({ url: "/api/leaderboard?period=all" });
    expect(board.status).toBe(200);
    expect(board.json<Board>().entries).toContainEqual(
      expect.objectContaining({ playerName: "Artifact Ada", totalScore: 65, gamesPlayed: 2 }),
    );
  });

  it("renders the board and a player's page (HTML, with the proxy's CSP nonce)", async () => {
    const board = await stage.http({ url: "/leaderboard", headers: { accept: "text/html" } });
    expect(board.status).toBe(200);
    expect(board.headers["content-type"]).toMatch(/text\/html/);
    expect(board.body).toContain("Artifact Ada");
    const csp = board.headers["content-security-policy"];
    expect(csp).toMatch(/script-src[^;]*'nonce-[A-Za-z0-9+/=]+'/);

    const player = await stage.http({
      url: `/players/${encodeURIComponent("Artifact Ada")}`,
      headers: { accept: "text/html" },
    });
    expect(player.status).toBe(200);
    expect(player.body).toContain("Artifact Ada");
    expect(player.body).toContain("65");

    const home = await stage.http({ url: "/", headers: { accept: "text/html" } });
    expect(home.status).toBe(200);
  });

  it("sends /inspector to /login without a session (proxy.ts)", async () => {
    const response = await stage.http({ url: "/inspector", headers: { accept: "text/html" } });
    expect([302, 303, 307, 308]).toContain(response.status);
    const location = new URL(response.headers.location!, "https://streamboard.example.com");
    expect(location.pathname).toBe("/login");
    expect(location.searchParams.get("next")).toBe("/inspector");
  });

  it("lets an operator PATCH a record with the bearer token; the board follows", async () => {
    const mine = (await records()).find((r) => r.PlayerName === "Artifact Ada" && r.Score === 25);
    expect(mine).toBeDefined();
    const response = await stage.http({
      method: "PATCH",
      url: `/api/scores/${mine!.RecordID}`,
      json: { score: 35 },
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.status, response.body).toBe(200);
    expect(response.json<Submitted>().score).toBe(35);

    const wrong = await stage.http({
      method: "PATCH",
      url: `/api/scores/${mine!.RecordID}`,
      json: { score: 1 },
      headers: { authorization: "Bearer not-the-token" },
      clientIp: "203.0.113.99",
    });
    expect(wrong.status).toBe(401);

    await stage.idle();
    const board = await stage.http({ url: "/api/leaderboard?period=all" });
    expect(board.json<Board>().entries).toContainEqual(
      expect.objectContaining({ playerName: "Artifact Ada", totalScore: 75, gamesPlayed: 2 }),
    );
  });

  it("lets an operator DELETE a record; its REMOVE takes it off the board", async () => {
    const first = (await records()).find((r) => r.PlayerName === "Artifact Ada" && r.Score === 40);
    const response = await stage.http({
      method: "DELETE",
      url: `/api/scores/${first!.RecordID}`,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.status, response.body).toBe(204);
    await stage.idle();
    const board = await stage.http({ url: "/api/leaderboard?period=all" });
    expect(board.json<Board>().entries).toContainEqual(
      expect.objectContaining({ playerName: "Artifact Ada", totalScore: 35, gamesPlayed: 1 }),
    );
  });

  it("refuses bad input with a 400 that says why, and writes nothing", async () => {
    const before = (await records()).length;
    const response = await submit({ playerName: "Artifact Ada", score: "lots" }, "203.0.113.50");
    expect(response.status).toBe(400);
    expect(response.headers["content-type"]).toMatch(/application\/json/);
    const body = response.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe("invalid_input");
    expect(body.error.message).toMatch(/score/i);
    expect((await records()).length).toBe(before);
  });

  it("lists a record the aggregator quarantined in GET /api/failures (the quarantine, on AWS)", async () => {
    // A bad writer, around the API: a record with no PlayerName. Its INSERT cannot be counted.
    const recordId = "01JARTIFACTP0ISON000000000";
    await dynamo().send(
      new PutItemCommand({
        TableName: stage.names.GameScoreRecords,
        Item: {
          RecordID: { S: recordId },
          Score: { N: "10" },
          CreatedAt: { S: new Date().toISOString() },
          UpdatedAt: { S: new Date().toISOString() },
        },
      }),
    );
    await stage.idle();
    const response = await stage.http({
      url: "/api/failures",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.status, response.body).toBe(200);
    const { failures } = response.json<{
      failures: { recordId?: string; reason: string; source: string }[];
    }>();
    const failure = failures.find((f) => f.recordId === recordId);
    expect(failure?.reason).toMatch(/PlayerName/);
    // Without the token, it is the operator's only.
    const anonymous = await stage.http({ url: "/api/failures", clientIp: "203.0.113.77" });
    expect(anonymous.status).toBe(401);
  });

  it("serves the one prerendered route and a 404 without the S3 cache", async () => {
    // /icon.svg is the build's only static route: with OpenNext's default (S3) incremental cache
    // it is read from, and written to, the cache bucket on every cold request.
    const icon = await stage.http({ url: "/icon.svg" });
    expect(icon.status).toBe(200);
    expect(icon.headers["content-type"]).toMatch(/image\/svg\+xml/);
    const missing = await stage.http({ url: "/no-such-page", headers: { accept: "text/html" } });
    expect(missing.status).toBe(404);
  });

  it("reached no host but the engine, and logged no S3, region or credentials error", () => {
    const server = stage.server!;
    const hosts = new Set(server.connections().map((c) => c.host));
    expect([...hosts]).toEqual(["127.0.0.1"]);
    expect(server.logs()).not.toMatch(/region is missing|S3|NoSuchBucket|credential/i);
    expect(server.logs()).not.toMatch(/\b(Error|TypeError|ReferenceError)\b/);
  });
});

describe("the stream subscribers, fed by the runner from the stage's stream", () => {
  it("logged every record the server wrote, with the aggregator's outcome on it", async () => {
    await stage.idle();
    const { Items = [] } = await dynamo().send(
      new ScanCommand({ TableName: stage.names.StreamLog }),
    );
    const entries = Items.map((item) => unmarshall(item));
    const types = entries.map((e) => e.EventName as string).sort();
    // Three INSERTs (one of them the bad writer's), a MODIFY and a REMOVE, each logged once,
    // each with what the aggregator did.
    expect(types).toEqual(["INSERT", "INSERT", "INSERT", "MODIFY", "REMOVE"]);
    const outcomes = entries.map(
      (e) => (JSON.parse(e.Aggregator as string) as { outcome: string }).outcome,
    );
    expect(outcomes.sort()).toEqual(["applied", "applied", "applied", "applied", "quarantined"]);
    for (const fn of [stage.aggregator, stage.streamLog]) {
      expect(fn.logs()).not.toMatch(/region is missing|S3|credential/i);
      expect(new Set(fn.connections().map((c) => c.host))).toEqual(new Set(["127.0.0.1"]));
    }
  });
});

describe("what the deploy would upload", () => {
  // ELF e_machine: 0xB7 aarch64, 0x3E x86-64.
  const machineOf = (file: string) => fs.readFileSync(file).readUInt16LE(18);
  const nativeModules = (dir: string) =>
    fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith(".node"))
      .map((e) => path.join(e.parentPath, e.name));

  it("has no native module built for another machine than arm64 Lambda", () => {
    const manifest = readManifest();
    expect(manifest.architecture).toBe("arm64");
    const server = path.join(REPO_ROOT, manifest.openNext!.server.taskRoot);
    const images = path.join(REPO_ROOT, manifest.openNext!.imageOptimizer.taskRoot);
    for (const file of nativeModules(server)) expect(machineOf(file), file).toBe(0xb7);
    const sharp = nativeModules(images);
    expect(sharp.length).toBeGreaterThan(0);
    for (const file of sharp) expect(machineOf(file), file).toBe(0xb7);
  });

  it("was built by the OpenNext that sst.config.ts pins, with caches off for a dynamic app", () => {
    const output = JSON.parse(
      fs.readFileSync(path.join(REPO_ROOT, ".open-next", "open-next.output.json"), "utf8"),
    ) as {
      origins: { default: Record<string, unknown> };
      additionalProps: Record<string, unknown>;
    };
    expect(output.origins.default).toMatchObject({
      wrapper: "aws-lambda",
      converter: "aws-apigw-v2",
      incrementalCache: "dummy",
      tagCache: "dummy",
      queue: "dummy",
    });
    // So SST creates no revalidation queue, table or seeder function for it.
    expect(output.additionalProps).toMatchObject({
      disableIncrementalCache: true,
      disableTagCache: true,
    });
  });
});
