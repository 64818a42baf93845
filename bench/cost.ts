// `npm run bench -- cost`: what a score costs on AWS, measured on the artifacts that would deploy.
//
// The bundles of `npm run build:aws` run as Lambda runs them (packages/local/src/aws/): BENCH_SCORES
// scores (default 2,000) from BENCH_PLAYERS players (200), each a game client with its own device
// and address, through the OpenNext server function (API Gateway v2 events), then the stream runner
// feeding the bundled aggregator and stream log, on the embedded engine with a stage's tables.
// Then, per score: the DynamoDB units the engine billed, table by table (indexes and transactions
// included, as DynamoDB bills them); the Lambda invocations each function took and their duration
// here; and the bytes each table and index stores, as DynamoDB sizes them (item + 100 bytes), both
// while the TTL'd tables still hold the day's items and at rest, once they have expired.
//
// Prices: us-east-1 list prices, looked up 2026-12-01 (docs/deploy.md "What it costs"). Durations
// are this machine's (Node 20, shared cores), not Lambda's arm64 ones: read them as an order of
// magnitude, and the units and invocation counts as exact.
import { paginateScan } from "@aws-sdk/client-dynamodb";
import { tables, type TableDefinition, type TableId } from "@streamboard/core/infra";
import { itemSize, type Item } from "../packages/local/src/engine/item-size.ts";
import { readManifest } from "../packages/local/src/aws/artifacts.ts";
import { startOfflineStage } from "../packages/local/src/aws/offline-stage.ts";
import { dynamo } from "@streamboard/core/infra";
import { streamFunctions } from "../stacks/functions.ts";
import { formatGrid, median, type BenchResult } from "./stats.ts";

const SCORES = Number(process.env.BENCH_SCORES ?? 2_000);
const PLAYERS = Number(process.env.BENCH_PLAYERS ?? 200);
const CONCURRENCY = 4;

export const PRICES = {
  wru: 0.625 / 1e6,
  rru: 0.125 / 1e6,
  storageGbMonth: 0.25,
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecondArm: 0.0000133334,
  cloudFrontRequest: 0.01 / 1e4,
  cloudFrontFunction: 0.1 / 1e6,
  alarmMonth: 0.1,
  source: "us-east-1 list prices, looked up 2026-12-01",
};

/** DynamoDB's storage size of an item: its attributes plus 100 bytes of overhead. */
const stored = (item: Item) => itemSize(item) + 100;

/** What an index entry of `item` holds: the keys of table and index, and what it projects. */
function indexEntry(
  item: Item,
  definition: TableDefinition,
  index: NonNullable<TableDefinition["globalIndexes"]>[string],
): Item | undefined {
  if (item[index.hashKey] === undefined) return undefined; // sparse: not in this index
  if (index.rangeKey && item[index.rangeKey] === undefined) return undefined;
  if (index.projection === undefined) return item;
  const keep = new Set<string>([
    definition.primaryIndex.hashKey,
    ...(definition.primaryIndex.rangeKey ? [definition.primaryIndex.rangeKey] : []),
    index.hashKey,
    ...(index.rangeKey ? [index.rangeKey] : []),
    ...(index.projection === "keys-only" ? [] : index.projection),
  ]);
  return Object.fromEntries(Object.entries(item).filter(([k]) => keep.has(k)));
}

type Storage = { items: number; bytes: number };

async function storageOf(name: string, definition: TableDefinition, at: number) {
  const all: Storage = { items: 0, bytes: 0 };
  const atRest: Storage = { items: 0, bytes: 0 };
  for await (const page of paginateScan({ client: dynamo() }, { TableName: name })) {
    for (const item of page.Items ?? []) {
      const entries = [
        item,
        ...Object.values(definition.globalIndexes ?? {}).flatMap((index) => {
          const entry = indexEntry(item, definition, index);
          return entry ? [entry] : [];
        }),
      ];
      const bytes = entries.reduce((sum, e) => sum + stored(e), 0);
      all.items += entries.length;
      all.bytes += bytes;
      const expires = definition.ttl ? Number(item[definition.ttl]?.N ?? Infinity) : Infinity;
      if (expires > at) {
        atRest.items += entries.length;
        atRest.bytes += bytes;
      }
    }
  }
  return { all, atRest };
}

export async function benchCost(): Promise<BenchResult[]> {
  const manifest = readManifest();
  if (!manifest.openNext)
    throw new Error("run the full `npm run build:aws` (not --functions-only)");
  const stage = await startOfflineStage({ server: true, operatorToken: "bench-operator-token" });
  try {
    stage.engine.capacity.reset();
    // Game clients: one device (cookie) and one address per player, as many scores each.
    const devices = new Map<number, string>();
    let next = 0;
    let refused = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < SCORES) {
          const i = next++;
          const player = i % PLAYERS;
          const cookie = devices.get(player);
          const response = await stage.http({
            method: "POST",
            url: "/api/scores",
            json: { playerName: `Bench Player ${player}`, score: 1 + ((i * 7919) % 1000) },
            clientIp: `198.51.${Math.floor(player / 250)}.${player % 250}`,
            ...(cookie ? { cookies: [cookie] } : {}),
          });
          if (response.status !== 201) {
            refused++;
            continue;
          }
          const device = response.cookies.find((c) => c.startsWith("streamboard_device="));
          if (device && !cookie) devices.set(player, device.split(";")[0]!);
        }
      }),
    );
    await stage.idle();
    const seconds = (performance.now() - started) / 1000;
    const scores = SCORES - refused;
    if (refused > 0) console.error(`cost bench: ${refused} submits were refused`);

    const usage = stage.engine.capacity.snapshot();
    const byId = (Object.keys(tables) as TableId[]).map((id) => {
      const name = stage.names[id];
      const entry = Object.entries(usage).find(([key]) => key === name || key.endsWith(`/${name}`));
      return { id, name, wu: entry?.[1].writeUnits ?? 0, ru: entry?.[1].readUnits ?? 0 };
    });
    const now = Date.now() / 1000;
    const restAt = now + 91 * 24 * 60 * 60; // past every TTL (OperatorActions' 90 days the longest)
    const storage = await Promise.all(
      byId.map(async (t) => ({
        ...t,
        day: await storageOf(t.name, tables[t.id], now),
        rest: (await storageOf(t.name, tables[t.id], restAt)).atRest,
      })),
    );

    const perMillion = (x: number) => (x / scores) * 1e6;
    const wu = byId.reduce((s, t) => s + t.wu, 0);
    const ru = byId.reduce((s, t) => s + t.ru, 0);
    const dynamoUsd = perMillion(wu * PRICES.wru + ru * PRICES.rru);

    const fns = [
      { name: "web server", fn: stage.server!, mb: 1024 },
      { name: "aggregator", fn: stage.aggregator, mb: parseInt(streamFunctions.aggregator.memory) },
      { name: "stream log", fn: stage.streamLog, mb: parseInt(streamFunctions.streamLog.memory) },
    ].map(({ name, fn, mb }) => {
      const durations = fn.durations();
      const gbSeconds = (durations.reduce((s, ms) => s + ms, 0) / 1000) * (mb / 1024);
      return {
        name,
        invocations: durations.length,
        medianMs: median(durations),
        usd: perMillion(
          durations.length * PRICES.lambdaRequest + gbSeconds * PRICES.lambdaGbSecondArm,
        ),
      };
    });
    const lambdaUsd = fns.reduce((s, f) => s + f.usd, 0);
    const cloudFrontUsd = 1e6 * (PRICES.cloudFrontRequest + PRICES.cloudFrontFunction);
    const total = dynamoUsd + lambdaUsd + cloudFrontUsd;
    const dayBytes = storage.reduce((s, t) => s + t.day.all.bytes, 0);
    const restBytes = storage.reduce((s, t) => s + t.rest.bytes, 0);
    const gbMonth = (bytes: number) => (perMillion(bytes) / 1e9) * PRICES.storageGbMonth;

    console.error(
      `\ncost bench: ${scores} scores from ${PLAYERS} players through the built artifacts in ${seconds.toFixed(1)} s (${manifest.runtime}, ${manifest.architecture}; OpenNext ${manifest.openNext.version})\n` +
        formatGrid(
          [
            "table",
            "WU/score",
            "RU/score",
            "$/M scores",
            "bytes/score (day)",
            "bytes/score (at rest)",
          ],
          storage
            .filter((t) => t.wu + t.ru + t.day.all.bytes > 0)
            .map((t) => [
              t.id,
              (t.wu / scores).toFixed(2),
              (t.ru / scores).toFixed(2),
              perMillion(t.wu * PRICES.wru + t.ru * PRICES.rru).toFixed(2),
              (t.day.all.bytes / scores).toFixed(0),
              (t.rest.bytes / scores).toFixed(0),
            ]),
        ) +
        "\n" +
        formatGrid(
          ["function", "invocations/score", "median ms (here)", "$/M scores"],
          fns.map((f) => [
            f.name,
            (f.invocations / scores).toFixed(3),
            f.medianMs.toFixed(1),
            f.usd.toFixed(2),
          ]),
        ),
    );

    const note = `${scores} scores, ${PLAYERS} players, built artifacts on the engine; ${PRICES.source}`;
    return [
      {
        bench: "cost",
        metric: "DynamoDB write units per score",
        value: round(wu / scores),
        unit: "WU",
        note,
      },
      {
        bench: "cost",
        metric: "DynamoDB read units per score",
        value: round(ru / scores),
        unit: "RU",
        note,
      },
      {
        bench: "cost",
        metric: "DynamoDB per million scores",
        value: round(dynamoUsd),
        unit: "USD",
        note,
      },
      ...fns.map((f) => ({
        bench: "cost",
        metric: `${f.name} Lambda per million scores`,
        value: round(f.usd),
        unit: "USD",
        note: `${(f.invocations / scores).toFixed(3)} invocations a score, median ${f.medianMs.toFixed(1)} ms here (not Lambda's)`,
      })),
      {
        bench: "cost",
        metric: "CloudFront per million scores",
        value: round(cloudFrontUsd),
        unit: "USD",
        note: "a request and a CloudFront Function each; list price",
      },
      {
        bench: "cost",
        metric: "total per million scores",
        value: round(total),
        unit: "USD",
        note: "DynamoDB + Lambda + CloudFront; logs and data out not included",
      },
      {
        bench: "cost",
        metric: "storage per million scores, first day",
        value: round(perMillion(dayBytes) / 1e9),
        unit: "GB",
        note: `$${gbMonth(dayBytes).toFixed(2)}/month while TTL'd tables hold the day`,
      },
      {
        bench: "cost",
        metric: "storage per million scores, at rest",
        value: round(perMillion(restBytes) / 1e9),
        unit: "GB",
        note: `$${gbMonth(restBytes).toFixed(2)}/month once TTLs expire; the stage's 4 alarms add $${(4 * PRICES.alarmMonth).toFixed(2)}/month`,
      },
    ];
  } finally {
    await stage.stop();
  }
}

const round = (x: number) => Math.round(x * 100) / 100;
