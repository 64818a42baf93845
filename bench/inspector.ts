// `npm run bench -- inspector`: what the stream inspector costs now that it reads the stream log
// table instead of DynamoDB Streams. Three scenarios, in process, on the embedded engine:
//
// 1. Opening the inspector: `readLog({ limit: 100 })` (what GET /api/stream without a cursor
//    does) on a 300-record and a 20,000-record log, side by side (one engine each, rounds
//    interleaved), with the read units the engine bills per call; beside it THE OLD PATH
//    (`bench/old-read-stream.ts`, the pre-issue-10 readStream kept for comparison) on the same
//    streams.
// 2. Four open inspectors: GetRecords calls/s at the engine with the local stack's own runners
//    polling, then with 4 concurrent tails of the new path (`tailLog`, a read every 200 ms, as
//    GET /api/stream/live does), then with 4 of the old path (a read every second, as the old
//    inspector polled).
// 3. A write visible in an open inspector: the whole local stack (engine, runners), a score
//    submitted, the log's head followed with `readLog({ cursor })` every 50 ms; submit → visible.
//
// Sizes: BENCH_SCALE (default 1) scales the large log and the rounds; BENCH_INSPECTOR_WRITES sets
// scenario 3's writes (default 60).
import { BatchWriteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import {
  documentClient,
  dynamo,
  forEachConcurrently,
  localResourceEnvironment,
  tableName,
} from "@streamboard/core/infra";
import { submitScore } from "@streamboard/core/score";
import {
  logItemOf,
  readLog,
  readStreamHistory,
  tailLog,
  toLambdaRecord,
  type LogItem,
} from "@streamboard/core/stream";
import { ensureTables } from "../packages/local/src/bootstrap.ts";
import { startLocalEngine, type LocalEngine } from "../packages/local/src/engine/index.ts";
import { startLocalStack } from "../packages/local/src/stack.ts";
import { oldReadStream } from "./old-read-stream.ts";
import { formatGrid, median, percentile, type BenchResult } from "./stats.ts";

const SCALE = Number(process.env.BENCH_SCALE ?? 1) || 1;
const SMALL = 300;
const LARGE = Math.max(SMALL, Math.round(20_000 * SCALE));
const ROUNDS = Math.max(5, Math.round(40 * SCALE));
const OLD_ROUNDS = Math.max(3, Math.round(7 * SCALE));
const WINDOW_MS = 10_000;
const WRITES = Number(process.env.BENCH_INSPECTOR_WRITES ?? 60) || 60;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round2 = (n: number) => Number(n.toFixed(2));
const signed = (n: number) => `${n >= 0 ? "+" : "−"}${Math.abs(n).toFixed(2)}`;

/** Points this process's clients at an engine (core reads DYNAMODB_ENDPOINT at each call). */
const use = (engine: LocalEngine) =>
  Object.assign(process.env, localResourceEnvironment(), { DYNAMODB_ENDPOINT: engine.endpoint });

/**
 * An engine whose GameScoreRecords stream holds `n` records and whose StreamLog holds the same
 * records, logged as the stream log function logs them (logged a second ago: settled).
 */
async function engineWith(n: number): Promise<LocalEngine> {
  const engine = await startLocalEngine({ port: 0, inMemory: true, ttlSweepIntervalMs: 0 });
  use(engine);
  await ensureTables(dynamo());
  const started = Date.now();
  await forEachConcurrently(
    Array.from({ length: n }, (_, i) => i),
    16,
    async (i) => {
      await documentClient().send(
        new PutCommand({
          TableName: tableName("GameScoreRecords"),
          Item: {
            RecordID: `r${String(i).padStart(6, "0")}`,
            PlayerName: `player-${i % 97}`,
            Score: (i * 7919) % 100_000,
            CreatedAt: new Date(started).toISOString(),
            UpdatedAt: new Date(started).toISOString(),
          },
        }),
      );
    },
  );
  const history = await readStreamHistory();
  if (!history) throw new Error("GameScoreRecords has no stream");
  const items: LogItem[] = [];
  const loggedAt = Date.now() - 1000;
  for (const shard of history.shards) {
    for (const record of shard.records) {
      const item = logItemOf(toLambdaRecord(record, history.streamArn), loggedAt);
      if (item) items.push(item);
    }
  }
  const batches = Array.from({ length: Math.ceil(items.length / 25) }, (_, i) =>
    items.slice(i * 25, i * 25 + 25),
  );
  await forEachConcurrently(batches, 8, async (batch) => {
    await documentClient().send(
      new BatchWriteCommand({
        RequestItems: {
          [tableName("StreamLog")]: batch.map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
  });
  if (items.length !== n) throw new Error(`logged ${items.length} of ${n} records`);
  return engine;
}

async function openInspector(): Promise<{ results: BenchResult[]; rows: string[][] }> {
  const sizes = [
    { n: SMALL, engine: await engineWith(SMALL) },
    { n: LARGE, engine: await engineWith(LARGE) },
  ];
  const timing = new Map(sizes.map((s) => [s.n, { ms: [] as number[], units: [] as number[] }]));
  const old = new Map(sizes.map((s) => [s.n, { ms: [] as number[], getRecords: [] as number[] }]));
  // Warm-up (JIT, sockets) on both, then rounds interleaved so drift hits both alike.
  for (const s of sizes) {
    use(s.engine);
    await readLog({ limit: 100 });
    await oldReadStream({ limit: 100 });
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of round % 2 ? [...sizes].reverse() : sizes) {
      use(s.engine);
      s.engine.capacity.reset();
      const started = performance.now();
      const page = await readLog({ limit: 100 });
      timing.get(s.n)!.ms.push(performance.now() - started);
      if (page.records.length !== 100) throw new Error(`readLog answered ${page.records.length}`);
      timing.get(s.n)!.units.push(s.engine.capacity.snapshot()[tableName("StreamLog")]!.readUnits);
    }
  }
  for (let round = 0; round < OLD_ROUNDS; round++) {
    for (const s of round % 2 ? [...sizes].reverse() : sizes) {
      use(s.engine);
      s.engine.requests.reset();
      const started = performance.now();
      const page = await oldReadStream({ limit: 100 });
      old.get(s.n)!.ms.push(performance.now() - started);
      if (page.records.length !== 100) throw new Error(`old path answered ${page.records.length}`);
      old.get(s.n)!.getRecords.push(s.engine.requests.snapshot().GetRecords ?? 0);
    }
  }
  for (const s of sizes) await s.engine.close();

  const results: BenchResult[] = [];
  const rows: string[][] = [];
  for (const s of sizes) {
    const t = timing.get(s.n)!;
    const o = old.get(s.n)!;
    rows.push([
      `${s.n.toLocaleString("en-US")} records`,
      median(t.ms).toFixed(1),
      percentile(t.ms, 95).toFixed(1),
      median(t.units).toFixed(1),
      median(o.ms).toFixed(1),
      percentile(o.ms, 95).toFixed(1),
      String(median(o.getRecords)),
    ]);
    results.push(
      {
        bench: "inspector",
        metric: `open (readLog limit 100), ${s.n} records, p50`,
        value: round2(median(t.ms)),
        unit: "ms",
        note: `p95 ${percentile(t.ms, 95).toFixed(1)} ms; ${median(t.units)} read units per call; ${ROUNDS} calls`,
      },
      {
        bench: "inspector",
        metric: `open, OLD path (stream from TRIM_HORIZON), ${s.n} records, p50`,
        value: round2(median(o.ms)),
        unit: "ms",
        note: `p95 ${percentile(o.ms, 95).toFixed(1)} ms; ${median(o.getRecords)} GetRecords per call; ${OLD_ROUNDS} calls; bench/old-read-stream.ts (d067912's readStream)`,
      },
    );
  }
  const ratio = median(timing.get(LARGE)!.ms) / median(timing.get(SMALL)!.ms);
  const oldRatio = median(old.get(LARGE)!.ms) / median(old.get(SMALL)!.ms);
  results.push({
    bench: "inspector",
    metric: `open, ${LARGE} vs ${SMALL} records`,
    value: round2(ratio),
    unit: "×",
    note: `target ≤ 1.2× and < 100 ms; the old path: ${oldRatio.toFixed(2)}×`,
  });
  return { results, rows };
}

/** GetRecords (and Query) calls per second at the engine over one window. */
async function rates(engine: LocalEngine) {
  engine.requests.reset();
  const started = performance.now();
  await sleep(WINDOW_MS);
  const seconds = (performance.now() - started) / 1000;
  const counts = engine.requests.snapshot();
  return {
    getRecords: (counts.GetRecords ?? 0) / seconds,
    query: (counts.Query ?? 0) / seconds,
  };
}

async function fourInspectors(): Promise<BenchResult[]> {
  const stack = await startLocalStack({ inMemory: true, dynamodbPort: 0 });
  const engine = stack.engine!;
  // A light, steady game: a score every 200 ms, so the runners and the tails have work.
  let writing = true;
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      await submitScore({ playerName: `bench-${i % 13}`, score: i % 1000 });
      await sleep(200);
    }
  })();
  await sleep(2000);
  const alone = await rates(engine);

  const stop = new AbortController();
  const tails = Array.from({ length: 4 }, async () => {
    let shown = 0;
    for await (const page of tailLog({ limit: 100 }, { signal: stop.signal })) {
      shown += page.records.length; // an inspector shows the page
    }
    return shown;
  });
  await sleep(1000);
  const withNew = await rates(engine);
  stop.abort();
  await Promise.all(tails);

  let oldRunning = true;
  const oldPollers = Array.from({ length: 4 }, async () => {
    let cursor: string | undefined;
    while (oldRunning) {
      cursor = (await oldReadStream(cursor ? { cursor, limit: 100 } : { limit: 100 })).cursor;
      await sleep(1000);
    }
  });
  await sleep(1500);
  const withOld = await rates(engine);
  oldRunning = false;
  await Promise.all(oldPollers);
  writing = false;
  await writer;
  await stack.stop();

  const row = (metric: string, value: number, note: string): BenchResult => ({
    bench: "inspector",
    metric,
    value: round2(value),
    unit: "GetRecords/s",
    note,
  });
  return [
    row(
      "GetRecords at the engine, the stack's runners alone",
      alone.getRecords,
      `${WINDOW_MS / 1000} s window, a score every 200 ms`,
    ),
    row(
      "GetRecords at the engine, + 4 open inspectors (new)",
      withNew.getRecords,
      `${signed(withNew.getRecords - alone.getRecords)}/s (target +0); the tails read the log: ${(withNew.query - alone.query).toFixed(1)} Query/s more`,
    ),
    row(
      "GetRecords at the engine, + 4 OLD inspectors",
      withOld.getRecords,
      `${signed(withOld.getRecords - alone.getRecords)}/s: the old path, polled every second`,
    ),
  ];
}

async function writeVisible(): Promise<BenchResult[]> {
  const stack = await startLocalStack({ inMemory: true, dynamodbPort: 0 });
  try {
    let cursor = (await readLog({ limit: 1 })).cursor;
    const latencies: number[] = [];
    for (let i = 0; i < WRITES; i++) {
      const started = performance.now();
      const { record } = await submitScore({ playerName: `visible-${i % 7}`, score: i });
      for (;;) {
        const page = await readLog({ cursor, limit: 100 });
        cursor = page.cursor;
        if (page.records.some((r) => r.recordId === record.recordId)) break;
        if (performance.now() - started > 10_000) {
          return [
            {
              bench: "inspector",
              metric: "write → visible in an open inspector",
              value: Number.NaN,
              unit: "ms",
              note: "not visible within 10 s: does the local stack run the stream log subscriber?",
            },
          ];
        }
        await sleep(50);
      }
      latencies.push(performance.now() - started);
      // Writes a little apart, as players submit them (and so each is timed on its own).
      await sleep(100);
    }
    return [50, 95].map((p) => ({
      bench: "inspector",
      metric: `write → visible in an open inspector, p${p}`,
      value: round2(percentile(latencies, p)),
      unit: "ms",
      note: `${WRITES} writes; POST's submitScore → readLog({cursor}) every 50 ms (target p50 < 500)`,
    }));
  } finally {
    await stack.stop();
  }
}

export async function benchInspector(): Promise<BenchResult[]> {
  const open = await openInspector();
  console.error(
    formatGrid(
      [
        "open the inspector",
        "new p50 ms",
        "new p95 ms",
        "read units",
        "OLD p50 ms",
        "OLD p95 ms",
        "OLD GetRecords",
      ],
      open.rows,
    ),
  );
  const four = await fourInspectors();
  const visible = await writeVisible();
  return [...open.results, ...four, ...visible];
}
