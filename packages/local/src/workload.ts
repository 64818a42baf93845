/**
 * For the recovery tests and `npm run chaos`: concurrent writers that submit, edit, rename and
 * delete scores through core, and an independent check that every aggregate is the exact sum of
 * its records (independent of core's reconcile, which the tests also run).
 */
import { paginateScan } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "@streamboard/core/infra";
import { tableName } from "@streamboard/core/infra";
import { scanAggregates } from "@streamboard/core/aggregator";
import { deleteScore, ScoreItem, submitScore, updateScore } from "@streamboard/core/score";

export interface WorkloadOptions {
  writers: number;
  /** New scores in all (edits and deletes come on top). */
  scores: number;
  players?: number;
  /** Spread each writer's operations over about this long (default: as fast as it goes). */
  durationMs?: number;
  /** The same seed gives the same operations (not the same interleaving). */
  seed?: number;
  /** Stop early (a test that failed). */
  signal?: AbortSignal;
}

export interface WorkloadResult {
  submitted: number;
  edited: number;
  renamed: number;
  deleted: number;
  /** Operations that failed (e.g. while the engine restarted); the table is the truth anyway. */
  errors: number;
}

/** mulberry32: small, fast, good enough to pick operations. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runWorkload(options: WorkloadOptions): Promise<WorkloadResult> {
  const result: WorkloadResult = { submitted: 0, edited: 0, renamed: 0, deleted: 0, errors: 0 };
  const players = Array.from({ length: options.players ?? 12 }, (_, i) => `player ${i + 1}`);
  const seed = options.seed ?? 1;
  const perWriter = Math.ceil(options.scores / options.writers);
  // About 1.6 operations per new score (see the mix below).
  const pauseMs = options.durationMs ? options.durationMs / (perWriter * 1.6) : 0;

  const writer = async (index: number) => {
    const rand = random(seed * 1000 + index);
    const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)]!;
    const mine: string[] = [];
    let submitted = 0;
    while (submitted < perWriter && result.submitted < options.scores) {
      if (options.signal?.aborted) return;
      const roll = rand();
      try {
        if (roll < 0.62 || mine.length === 0) {
          submitted++;
          const { record } = await submitScore({
            playerName: pick(players),
            score: Math.floor(rand() * 1000),
          });
          result.submitted++;
          mine.push(record.recordId);
        } else if (roll < 0.87) {
          const recordId = pick(mine);
          const rename = rand() < 0.3;
          await updateScore(recordId, {
            score: Math.floor(rand() * 1000),
            ...(rename ? { playerName: pick(players) } : {}),
          });
          if (rename) result.renamed++;
          else result.edited++;
        } else {
          const at = Math.floor(rand() * mine.length);
          const [recordId] = mine.splice(at, 1);
          await deleteScore(recordId!);
          result.deleted++;
        }
      } catch {
        result.errors++;
        await sleep(50);
      }
      if (pauseMs > 0) await sleep(pauseMs * (0.5 + rand()));
    }
  };
  await Promise.all(Array.from({ length: options.writers }, (_, i) => writer(i)));
  return result;
}

async function scanAll(table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const pages = paginateScan(
    { client: documentClient() },
    { TableName: table, ConsistentRead: true },
  );
  for await (const page of pages) items.push(...(page.Items ?? []));
  return items;
}

/**
 * Every player's ALL aggregate against a plain sum of their records: the differences, as
 * "player: field aggregate≠records" lines (none when exact), and the number of records summed.
 *
 * The sum is written out here on purpose, not taken from the store's `summaryOf`: this is the
 * oracle of the chaos and reconcile tests, so a mistake in the store's summary (which the
 * aggregator and reconcile both use) must show up as a mismatch rather than agree with itself.
 * The aggregates are only read through the store, as stored (its fields compared one by one).
 */
export async function compareAggregatesWithRecords(): Promise<{
  records: number;
  players: number;
  mismatches: string[];
}> {
  const sums = new Map<string, { total: number; games: number; best: number; last: ScoreItem }>();
  const records = await scanAll(tableName("GameScoreRecords"));
  for (const raw of records) {
    const item = ScoreItem.parse(raw);
    const sum = sums.get(item.PlayerName);
    if (!sum) {
      sums.set(item.PlayerName, { total: item.Score, games: 1, best: item.Score, last: item });
      continue;
    }
    sum.total += item.Score;
    sum.games += 1;
    sum.best = Math.max(sum.best, item.Score);
    const later =
      item.CreatedAt > sum.last.CreatedAt ||
      (item.CreatedAt === sum.last.CreatedAt && item.RecordID > sum.last.RecordID);
    if (later) sum.last = item;
  }
  const aggregates = (await scanAggregates()).filter((a) => a.period === "ALL").map((a) => a.item);
  const mismatches: string[] = [];
  const seen = new Set<string>();
  for (const aggregate of aggregates) {
    const name = aggregate.PlayerName as string;
    seen.add(name);
    const sum = sums.get(name);
    const want = {
      TotalScore: sum?.total,
      GamesPlayed: sum?.games ?? 0,
      BestScore: sum?.best,
      LastScore: sum?.last.Score,
    };
    for (const [field, value] of Object.entries(want)) {
      if (aggregate[field] !== value) {
        mismatches.push(`${name}: ${field} ${String(aggregate[field])}≠${String(value)}`);
      }
    }
  }
  for (const name of sums.keys()) {
    if (!seen.has(name))
      mismatches.push(`${name}: no aggregate for ${sums.get(name)!.games} games`);
  }
  return { records: records.length, players: sums.size, mismatches };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
