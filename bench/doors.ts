// The doors of issue 12, measured through core on the embedded engine, side by side in one run:
// - everyone's recent games (`GET /api/scores` without a player): the ByTime index against the
//   Scan it replaced, on tables of 2,000 and 20,000 records (BENCH_RECORDS), latency and billed
//   read units of one page;
// - what 20 anonymous readers of that list for 10 s do to a player's submit (the issue measured
//   POST p50 26 → 2,592 ms through HTTP with the Scan), with the index and with the Scan;
// - the price of a limit: one token-bucket take (read + conditional write), ms and units.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient, paginateScan } from "@aws-sdk/lib-dynamodb";
import {
  dynamo,
  documentClient,
  localResourceEnvironment,
  tableName,
  translateConfig,
} from "@streamboard/core/infra";
import { SCORES_PER_CLIENT, take } from "@streamboard/core/limits";
import { listScores, submitScore } from "@streamboard/core/score";
import { startLocalEngine, type LocalEngine } from "../packages/local/src/engine/index.ts";
import { ensureTables } from "../packages/local/src/bootstrap.ts";
import { percentile, type BenchResult } from "./stats.ts";

const RECORDS = Number(process.env.BENCH_RECORDS ?? 20_000);
const READERS = 20;
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 10);
const credentials = { accessKeyId: "local", secretAccessKey: "local" };

/** The list as it was before the ByTime index: a Scan of the whole table, sorted here. */
async function oldListScores(limit: number): Promise<unknown[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan(
    { client: documentClient() },
    { TableName: tableName("GameScoreRecords") },
  )) {
    items.push(...(page.Items ?? []));
  }
  return items
    .sort((a, b) => String(b.CreatedAt).localeCompare(String(a.CreatedAt)))
    .slice(0, limit);
}

async function seed(direct: DynamoDBDocumentClient, from: number, to: number) {
  const start = Date.parse("2026-11-01T00:00:00.000Z");
  const items = Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    const at = new Date(start + i * 1000).toISOString();
    return {
      RecordID: `01BENCH${String(i).padStart(19, "0")}`,
      PlayerName: `player ${i % 500}`,
      Score: i % 1000,
      CreatedAt: at,
      UpdatedAt: at,
      Feed: "ALL",
    };
  });
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < items.length) {
        const chunk = items.slice(next, (next += 25));
        let requests: Record<string, unknown[]> = {
          [tableName("GameScoreRecords")]: chunk.map((Item) => ({ PutRequest: { Item } })),
        };
        while (Object.keys(requests).length > 0) {
          const { UnprocessedItems } = await direct.send(
            new BatchWriteCommand({ RequestItems: requests as never }),
          );
          requests = UnprocessedItems ?? {};
        }
      }
    }),
  );
}

async function measure(engine: LocalEngine, n: number, call: () => Promise<unknown>) {
  const ms: number[] = [];
  const units: number[] = [];
  const reads: number[] = [];
  const writes: number[] = [];
  for (let i = 0; i < n; i++) {
    engine.capacity.reset();
    const started = performance.now();
    await call();
    ms.push(performance.now() - started);
    const usage = engine.capacity.snapshot();
    reads.push(Object.values(usage).reduce((sum, t) => sum + t.readUnits, 0));
    writes.push(Object.values(usage).reduce((sum, t) => sum + t.writeUnits, 0));
    units.push(reads[i]! + writes[i]!);
  }
  return { ms, units, reads, writes };
}

/** Submit p50 for LOAD_SECONDS while READERS loop on `read` (none when undefined). */
async function submitsUnder(read: (() => Promise<unknown>) | undefined): Promise<number[]> {
  let stop = false;
  const readers = read
    ? Array.from({ length: READERS }, async () => {
        while (!stop) await read();
      })
    : [];
  const ms: number[] = [];
  const until = performance.now() + LOAD_SECONDS * 1000;
  let i = 0;
  while (performance.now() < until) {
    const started = performance.now();
    await submitScore({ playerName: `submitter ${i++ % 10}`, score: 1 });
    ms.push(performance.now() - started);
  }
  stop = true;
  await Promise.all(readers);
  return ms;
}

export async function benchDoors(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const row = (metric: string, value: number, unit: string, note: string) =>
    results.push({ bench: "doors", metric, value: Number(value.toFixed(2)), unit, note });
  const engine = await startLocalEngine({ port: 0, inMemory: true, ttlSweepIntervalMs: 0 });
  const direct = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: engine.dynaliteEndpoint, region: "us-east-1", credentials }),
    translateConfig,
  );
  try {
    Object.assign(process.env, localResourceEnvironment(), { DYNAMODB_ENDPOINT: engine.endpoint });
    await ensureTables(dynamo());
    let seeded = 0;
    for (const size of [Math.round(RECORDS / 10), RECORDS]) {
      console.error(`doors: seeding to ${size} records…`);
      await seed(direct, seeded, size);
      seeded = size;
      const note = `${size.toLocaleString("en")} records`;
      for (const limit of [1, 50]) {
        const index = await measure(engine, 30, () => listScores({ limit }));
        const scan = await measure(engine, 5, () => oldListScores(limit));
        row(
          `all players' games, limit ${limit}: ByTime index, p50`,
          percentile(index.ms, 50),
          "ms",
          note,
        );
        row(
          `all players' games, limit ${limit}: ByTime index, units`,
          percentile(index.units, 50),
          "RU",
          note,
        );
        row(
          `all players' games, limit ${limit}: old Scan, p50`,
          percentile(scan.ms, 50),
          "ms",
          note,
        );
        row(
          `all players' games, limit ${limit}: old Scan, units`,
          percentile(scan.units, 50),
          "RU",
          note,
        );
      }
    }
    const note = `${RECORDS.toLocaleString("en")} records, ${READERS} readers of limit=1 for ${LOAD_SECONDS} s`;
    console.error("doors: submits under load…");
    const quiet = await submitsUnder(undefined);
    const withIndex = await submitsUnder(() => listScores({ limit: 1 }));
    const withScan = await submitsUnder(() => oldListScores(1));
    row(
      "submit p50, no readers",
      percentile(quiet, 50),
      "ms",
      `${RECORDS.toLocaleString("en")} records`,
    );
    row("submit p50, readers on the ByTime index", percentile(withIndex, 50), "ms", note);
    row("submit p50, readers on the old Scan", percentile(withScan, 50), "ms", note);

    // A player's submit as the API makes it: the claim read and the record + claim transaction.
    let game = 0;
    const submits = await measure(engine, 50, () =>
      submitScore(
        { playerName: "costed player", score: game++ },
        { by: { device: "bench device" } },
      ),
    );
    const what =
      "median of 50; the first claims the name (GameScoreRecords with its 3 index entries, NameClaims)";
    row("submit as the name's device, read units", percentile(submits.reads, 50), "RU", what);
    row("submit as the name's device, write units", percentile(submits.writes, 50), "WU", what);

    let n = 0;
    const bucket = await measure(engine, 200, () => take(SCORES_PER_CLIENT, `bench ${n++ % 20}`));
    row(
      "token bucket take, p50",
      percentile(bucket.ms, 50),
      "ms",
      "one GetItem (strongly consistent) + one conditional PutItem",
    );
    row(
      "token bucket take, units",
      percentile(bucket.units, 50),
      "RU+WU",
      "1 RU + 1 WU per accepted request; a refused one reads only",
    );
  } finally {
    await engine.close();
  }
  return results;
}
