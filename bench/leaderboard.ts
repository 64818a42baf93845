// The whole loop over HTTP, as a player sees it: POST /api/scores → stream → runner → aggregator →
// GET /api/players/{name}; and the top-10 read. Runs the production build (`npm start` stack)
// on an in-memory engine; builds it first when there is no build.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { freePort } from "../packages/local/src/testing.ts";
import { percentile, type BenchResult } from "./stats.ts";

const SUBMISSIONS = 200;
const PLAYERS = 20;
const LEADERBOARD_READS = 200;

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export async function benchLeaderboard(): Promise<BenchResult[]> {
  if (!fs.existsSync(".next/BUILD_ID")) {
    console.error("no production build: running `npm run build` first…");
    const build = spawnSync("npm", ["run", "build"], { stdio: "inherit" });
    if (build.status !== 0) throw new Error("npm run build failed");
  }
  const port = await freePort();
  const base = `http://localhost:${port}`;
  const stack = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "packages/local/src/dev.ts",
      "--prod",
      "--in-memory",
      "--port",
      String(port),
      "--dynamodb-port",
      "0",
    ],
    { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, OPERATOR_TOKEN: "bench" } },
  );
  try {
    await waitFor(`${base}/api/health`, 120_000);
    const run = Date.now().toString(36);
    const games = new Map<string, number>();
    const visible: number[] = [];
    for (let i = 0; i < SUBMISSIONS; i++) {
      const playerName = `bench ${run} ${i % PLAYERS}`;
      const expected = (games.get(playerName) ?? 0) + 1;
      games.set(playerName, expected);
      const started = performance.now();
      const response = await fetch(`${base}/api/scores`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ playerName, score: 100 + i }),
      });
      if (response.status !== 201) throw new Error(`POST /api/scores answered ${response.status}`);
      for (;;) {
        const player = await fetch(`${base}/api/players/${encodeURIComponent(playerName)}`);
        if (player.ok && ((await player.json()) as { gamesPlayed: number }).gamesPlayed >= expected)
          break;
        if (performance.now() - started > 10_000)
          throw new Error(`${playerName} not visible after 10 s`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      visible.push(performance.now() - started);
    }

    const reads: number[] = [];
    for (let i = 0; i < LEADERBOARD_READS; i++) {
      const started = performance.now();
      const response = await fetch(`${base}/api/leaderboard?limit=10`);
      await response.json();
      reads.push(performance.now() - started);
    }

    const note = `${SUBMISSIONS} sequential submissions, ${PLAYERS} players, production build`;
    return [
      {
        bench: "leaderboard",
        metric: "submit → visible in GET /api/players/{name}, p50",
        value: Math.round(percentile(visible, 50)),
        unit: "ms",
        note,
      },
      {
        bench: "leaderboard",
        metric: "submit → visible in GET /api/players/{name}, p99",
        value: Math.round(percentile(visible, 99)),
        unit: "ms",
        note,
      },
      {
        bench: "leaderboard",
        metric: "GET /api/leaderboard?limit=10, p50",
        value: Number(percentile(reads, 50).toFixed(1)),
        unit: "ms",
        note: `${LEADERBOARD_READS} sequential reads over HTTP`,
      },
      {
        bench: "leaderboard",
        metric: "GET /api/leaderboard?limit=10, p99",
        value: Number(percentile(reads, 99).toFixed(1)),
        unit: "ms",
        note: `${LEADERBOARD_READS} sequential reads over HTTP`,
      },
    ];
  } finally {
    stack.kill("SIGTERM");
    await new Promise((resolve) => stack.once("exit", resolve));
  }
}
