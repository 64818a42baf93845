// Ranks, top-100 and around-me on a big board: 100,000 players (BENCH_PLAYERS), one period, with
// the board index unsharded and write-sharded (BOARD_SHARDS=4), side by side in one run. The board
// is seeded straight into the engine (the items and counts the aggregator would have written:
// `toAggregateItem` and `countsMove`, the aggregator's own functions), then read through core
// exactly as the API reads it, with the engine's billed read units per call. For comparison, the
// rank as it was before the counts: a COUNT Query over every higher entry of the index.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { countsMove, toAggregateItem, type Aggregate } from "@streamboard/core/aggregator";
import { mergeDeltas, type CountDeltas } from "@streamboard/core/board";
import {
  documentClient,
  dynamo,
  localResourceEnvironment,
  tableName,
  translateConfig,
} from "@streamboard/core/infra";
import { getLeaderboard, getPlayer } from "@streamboard/core/leaderboard";
import { startLocalEngine, type LocalEngine } from "../packages/local/src/engine/index.ts";
import { ensureTables } from "../packages/local/src/bootstrap.ts";
import { percentile, type BenchResult } from "./stats.ts";

const PLAYERS = Number(process.env.BENCH_PLAYERS ?? 100_000);
const LOOKUPS = 200;
const OLD_LOOKUPS = 30;
const credentials = { accessKeyId: "local", secretAccessKey: "local" };

/** A small deterministic PRNG (mulberry32): the same board every run. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Players with totals skewed towards the bottom (many casual players, few heavy ones), ties included. */
function players(): Aggregate[] {
  const next = random(42);
  const start = Date.parse("2026-11-01T00:00:00.000Z");
  return Array.from({ length: PLAYERS }, (_, i) => {
    const games = 1 + Math.floor(next() * 60);
    const total = Math.floor(next() ** 3 * 3_000_000) + games;
    const reachedAt = new Date(start + Math.floor(next() * 30 * 86_400_000)).toISOString();
    return {
      playerName: `player ${i}`,
      period: "ALL",
      totalScore: total,
      gamesPlayed: games,
      bestScore: Math.ceil(total / games),
      last: { score: 1, playedAt: reachedAt, recordId: `r${i}` },
      updatedAt: reachedAt,
      reachedAt,
      version: 1,
      markGeneration: "bench",
    };
  });
}

async function seed(direct: DynamoDBDocumentClient, board: Aggregate[], shards: number) {
  const counts: CountDeltas = new Map();
  const aggregates = board.map((a) => {
    for (const [b, d] of countsMove(undefined, a, shards)) mergeDeltas(counts, b, d);
    return toAggregateItem(a, shards);
  });
  const countItems = [...counts].flatMap(([Board, buckets]) =>
    [...buckets].map(([Bucket, Count]) => ({ Board, Bucket, Count })),
  );
  const writes = [
    ...aggregates.map((Item) => ({ table: tableName("GameScoresByUser"), Item })),
    ...countItems.map((Item) => ({ table: tableName("BoardCounts"), Item })),
  ];
  const chunks: (typeof writes)[] = [];
  for (let i = 0; i < writes.length; i += 25) chunks.push(writes.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        let requests: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> = {};
        for (const w of chunk) (requests[w.table] ??= []).push({ PutRequest: { Item: w.Item } });
        while (Object.keys(requests).length > 0) {
          const { UnprocessedItems } = await direct.send(
            new BatchWriteCommand({ RequestItems: requests }),
          );
          requests = (UnprocessedItems ?? {}) as typeof requests;
        }
      }
    }),
  );
  return countItems.length;
}

/** Latency and billed read units of one call, over `n` calls. */
async function measure(
  engine: LocalEngine,
  n: number,
  call: (i: number) => Promise<unknown>,
): Promise<{ ms: number[]; units: number[] }> {
  const ms: number[] = [];
  const units: number[] = [];
  for (let i = 0; i < n; i++) {
    engine.capacity.reset();
    const started = performance.now();
    await call(i);
    ms.push(performance.now() - started);
    const usage = engine.capacity.snapshot();
    units.push(Object.values(usage).reduce((sum, t) => sum + t.readUnits, 0));
  }
  return { ms, units };
}

/** The old way: 1 + a COUNT of every entry above, read from the index page by page. */
async function oldRank(rankKey: string): Promise<number> {
  let higher = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient().send(
      new QueryCommand({
        TableName: tableName("GameScoresByUser"),
        IndexName: "ByRank",
        KeyConditionExpression: "Board = :b AND RankKey < :k",
        ExpressionAttributeValues: { ":b": "ALL#0", ":k": rankKey },
        Select: "COUNT",
        ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
      }),
    );
    higher += page.Count ?? 0;
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return higher + 1;
}

export async function benchRanks(): Promise<BenchResult[]> {
  const board = players();
  const order = [...board].sort((a, b) =>
    toAggregateItem(a, 1).RankKey! < toAggregateItem(b, 1).RankKey! ? -1 : 1,
  );
  const expectedRank = new Map(order.map((a, i) => [a.playerName, i + 1]));
  const pick = random(7);
  const sample = Array.from({ length: LOOKUPS }, () => board[Math.floor(pick() * board.length)]!);
  const results: BenchResult[] = [];
  const row = (metric: string, value: number, unit: string, note: string) =>
    results.push({ bench: "ranks", metric, value: Number(value.toFixed(2)), unit, note });

  for (const shards of [1, 4]) {
    const engine = await startLocalEngine({ port: 0, inMemory: true, ttlSweepIntervalMs: 0 });
    const direct = new DynamoDBClient({
      endpoint: engine.dynaliteEndpoint,
      region: "us-east-1",
      credentials,
    });
    try {
      Object.assign(process.env, localResourceEnvironment(), {
        DYNAMODB_ENDPOINT: engine.endpoint,
        BOARD_SHARDS: String(shards),
      });
      await ensureTables(dynamo());
      console.error(`ranks: seeding ${PLAYERS} players, ${shards} shard(s)…`);
      const seeded = performance.now();
      const countItems = await seed(
        DynamoDBDocumentClient.from(direct, translateConfig),
        board,
        shards,
      );
      console.error(
        `ranks: seeded in ${Math.round((performance.now() - seeded) / 1000)} s (${countItems} count items)`,
      );
      const label = shards === 1 ? "unsharded (ALL#0)" : `${shards} shards (ALL#0..${shards - 1})`;
      const note = `${PLAYERS.toLocaleString("en")} players, ${label}`;

      let wrong = 0;
      let estimated = 0;
      const rank = await measure(engine, LOOKUPS, async (i) => {
        const standing = await getPlayer(sample[i]!.playerName);
        if (!standing.rankExact) estimated++;
        else if (standing.rank !== expectedRank.get(sample[i]!.playerName)) wrong++;
      });
      if (wrong > 0) throw new Error(`${wrong} of ${LOOKUPS} ranks differ from the board's order`);
      row(
        "rank of a random player, p50",
        percentile(rank.ms, 50),
        "ms",
        `${note}; ${LOOKUPS} lookups, all exact ranks checked against the sorted board (${estimated} estimated)`,
      );
      row("rank of a random player, p95", percentile(rank.ms, 95), "ms", note);
      row(
        "rank: read units, median",
        percentile(rank.units, 50),
        "RU",
        `${note}; GetItem + counts + own bucket`,
      );
      row("rank: read units, max", Math.max(...rank.units), "RU", note);

      if (shards === 1) {
        const old = await measure(engine, OLD_LOOKUPS, (i) => {
          const a = sample[i]!;
          return oldRank(toAggregateItem(a, 1).RankKey!);
        });
        const oldNote = `${note}; before: COUNT of every higher entry, ${OLD_LOOKUPS} lookups`;
        row("rank, before (count every higher entry), p50", percentile(old.ms, 50), "ms", oldNote);
        row("rank, before: read units, median", percentile(old.units, 50), "RU", oldNote);
        row("rank, before: read units, max", Math.max(...old.units), "RU", oldNote);
        row(
          "rank p50, before / after",
          percentile(old.ms, 50) / percentile(rank.ms, 50),
          "×",
          note,
        );
      }

      const top = await measure(engine, 50, () => getLeaderboard({ limit: 100 }));
      row("top 100, p50", percentile(top.ms, 50), "ms", note);
      row("top 100: read units, median", percentile(top.units, 50), "RU", note);
      const around = await measure(engine, LOOKUPS, (i) =>
        getLeaderboard({ around: sample[i]!.playerName, limit: 10 }),
      );
      row("around-me (10 rows), p50", percentile(around.ms, 50), "ms", note);
      row("around-me: read units, median", percentile(around.units, 50), "RU", note);
    } finally {
      direct.destroy();
      await engine.close();
      delete process.env.BOARD_SHARDS;
    }
  }
  return results;
}
