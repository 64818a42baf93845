// `npm run bench -- aggregator`: what the project's aggregator costs and how fast it settles,
// beside a naive peer (AWS's re:Invent 2015 sample: one UpdateItem ADD per INSERT), with a hot
// player, and behind a poison record. In process: the embedded engine, the real stream runner
// and the real handler, as `npm run dev` runs them. A fresh in-memory engine per case, so that
// cases never mix; the two subscribers of scenario 1 share one engine and one stream.
//
// Sizes: BENCH_SCALE (default 1) scales them all; BENCH_RECORDS, BENCH_PLAYERS, BENCH_HOT_RECORDS,
// BENCH_QUIET_PLAYERS, BENCH_POISON_TRIALS set one each; BENCH_SETTLE_TIMEOUT_S, BENCH_STALL_S,
// BENCH_POISON_TIMEOUT_S bound the waits; BENCH_SEED changes the workload; BENCH_SCENARIOS=1,3
// runs only those scenarios.
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  paginateScan,
  waitUntilTableExists,
  type AttributeValue,
  type ConsumedCapacity,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type BatchGetCommandInput,
  type BatchGetCommandOutput,
} from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { documentClient, dynamo, translateConfig } from "@streamboard/core/infra";
import { describeRecordProblem } from "@streamboard/core/ops";
import { periodsOf } from "@streamboard/core/period";
import { localResourceEnvironment, tableName } from "@streamboard/core/infra";
import { toItem } from "@streamboard/core/contract";
import { aggregatorSubscription } from "@streamboard/core/aggregator";
import { tables, toCreateTableInput, type TableId } from "@streamboard/core/infra";
import { handler as aggregator } from "@streamboard/functions/aggregator";
import { monotonicFactory } from "ulid";
import { ensureTables } from "../packages/local/src/bootstrap.ts";
import type { CapacityUsage } from "../packages/local/src/engine/capacity.ts";
import { startLocalEngine, type LocalEngine } from "../packages/local/src/engine/index.ts";
import { itemSize } from "../packages/local/src/engine/item-size.ts";
import {
  startStreamRunner,
  type RunnerLogger,
  type StreamHandler,
  type StreamRunner,
} from "../packages/local/src/runner/index.ts";
import { compareAggregatesWithRecords, random } from "../packages/local/src/workload.ts";
import { formatGrid, median, type BenchResult } from "./stats.ts";

// --- sizes and prices ---------------------------------------------------------------------------

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  }
  return value;
}

const SCALE = envNumber("BENCH_SCALE", 1);
/** `name` as given, else `base` scaled by BENCH_SCALE, never below `min`. */
const sized = (name: string, base: number, min: number) =>
  Math.max(min, Math.round(envNumber(name, base * SCALE)));

const RECORDS = sized("BENCH_RECORDS", 10_000, 50);
const PLAYERS = sized("BENCH_PLAYERS", 1_000, 10);
const HOT_RECORDS = sized("BENCH_HOT_RECORDS", 8_000, 50);
const QUIET_PLAYERS = sized("BENCH_QUIET_PLAYERS", 200, 10);
const QUIET_RECORDS_EACH = 3;
const POISON_TRIALS = sized("BENCH_POISON_TRIALS", 5, 3);
const WRITERS = Math.round(envNumber("BENCH_WRITERS", 8));
/** Scores per second the busy stream of scenario 3 carries. */
const BUSY_RATE = envNumber("BENCH_BUSY_RATE", 100);
const SETTLE_TIMEOUT_MS = envNumber("BENCH_SETTLE_TIMEOUT_S", 120) * 1000;
/** Give up settling when no aggregate moved for this long (below the ~13 s a shard spends
 * retrying a failed batch with the project's settings, so a stuck shard ends the wait). */
const STALL_MS = envNumber("BENCH_STALL_S", 10) * 1000;
const POISON_TIMEOUT_MS = envNumber("BENCH_POISON_TIMEOUT_S", 30) * 1000;
const SEED = Math.round(envNumber("BENCH_SEED", 42));
const ZIPF_EXPONENT = 1;
const POLL_MS = 200;

/*
 * DynamoDB on-demand list prices, us-east-1, standard table class, per million request units:
 * $0.625 write, $0.125 read, in effect since the 50% cut of 2024-11-01 (aws.amazon.com/dynamodb/
 * pricing/on-demand; airbyte.com "DynamoDB pricing", 2025-07-21), looked up 2026-12-01.
 */
const PRICE = {
  writePerMillion: envNumber("BENCH_WRU_USD", 0.625),
  readPerMillion: envNumber("BENCH_RRU_USD", 0.125),
  source: "us-east-1 on-demand list prices since 2024-11-01, looked up 2026-12-01",
};

const PEER_TABLE = "NaivePeerScoresByUser";
const BOARD_INDEX = "ByRank" satisfies keyof typeof tables.GameScoresByUser.globalIndexes;

const credentials = { accessKeyId: "local", secretAccessKey: "local" };

// --- the engine's capacity meter ---------------------------------------------------------------

interface Totals {
  readUnits: number;
  writeUnits: number;
  readRequests: number;
  writeRequests: number;
}

/**
 * Units of the named tables (keys may be names or table ARNs). The meter's table figures include
 * their indexes' units (as ConsumedCapacity's total does); `indexes` only splits them.
 */
function sumCapacity(snapshot: CapacityUsage, names: readonly string[]): Totals {
  const totals: Totals = { readUnits: 0, writeUnits: 0, readRequests: 0, writeRequests: 0 };
  for (const [key, table] of Object.entries(snapshot)) {
    if (!names.some((name) => key === name || key.endsWith(`/${name}`))) continue;
    totals.readUnits += table.readUnits;
    totals.writeUnits += table.writeUnits;
    totals.readRequests += table.readRequests;
    totals.writeRequests += table.writeRequests;
  }
  return totals;
}

/** Every core table but GameScoreRecords: all the aggregator may touch (markers, quarantine…). */
const aggregatorTables = () =>
  (Object.keys(tables) as TableId[]).filter((id) => id !== "GameScoreRecords").map(tableName);

// --- one engine, its tables and runners --------------------------------------------------------

interface Stack {
  engine: LocalEngine;
  meter: LocalEngine["capacity"];
  /** dynalite behind the engine: the harness's own reads, which the meter must not count. */
  direct: DynamoDBClient;
  /** The DocumentClient over `direct`, with core's marshalling options (infra/clients.ts). */
  directDocs: DynamoDBDocumentClient;
  runners: StreamRunner[];
}

const quietLogger: RunnerLogger = { info() {}, warn() {}, error() {} };

async function withStack<T>(run: (stack: Stack) => Promise<T>): Promise<T> {
  // No TTL sweeps: nothing expires within a bench, and a sweep's scans are not the aggregator's.
  const engine = await startLocalEngine({ port: 0, inMemory: true, ttlSweepIntervalMs: 0 });
  const direct = new DynamoDBClient({
    endpoint: engine.dynaliteEndpoint,
    region: "us-east-1",
    credentials,
  });
  const stack: Stack = {
    engine,
    meter: engine.capacity,
    direct,
    directDocs: DynamoDBDocumentClient.from(direct, translateConfig),
    runners: [],
  };
  try {
    Object.assign(process.env, localResourceEnvironment(), { DYNAMODB_ENDPOINT: engine.endpoint });
    await ensureTables(dynamo());
    return await run(stack);
  } finally {
    await Promise.allSettled(stack.runners.map((runner) => runner.stop()));
    stack.direct.destroy();
    await engine.close();
  }
}

interface Subscriber {
  runner: StreamRunner;
  /** Invocations of the handler, and their durations summed (what Lambda bills as duration). */
  handler: { invocations: number; ms: number };
}

/** A subscriber of GameScoreRecords' stream with the project's settings, as `npm run dev` runs one. */
function subscribe(
  stack: Stack,
  handler: StreamHandler,
  explainFailure?: (record: DynamoDBRecord) => string | undefined,
): Subscriber {
  const busy = { invocations: 0, ms: 0 };
  const runner = startStreamRunner({
    tableName: tableName("GameScoreRecords"),
    handler,
    settings: aggregatorSubscription,
    ...(explainFailure ? { explainFailure } : {}),
    logger: quietLogger,
    onBatch: (info) => {
      busy.invocations++;
      busy.ms += info.durationMs;
    },
  });
  stack.runners.push(runner);
  return { runner, handler: busy };
}

const startAggregator = (stack: Stack) => subscribe(stack, aggregator, describeRecordProblem);

/**
 * The peer, shaped like AWS's 2015 sample: for every INSERT one `ADD TotalScore :s, GamesPlayed
 * :1` on the player's item, all of a batch's updates at once; an error fails the whole batch.
 * No redelivery guard, no MODIFY or REMOVE: exact only for an insert-only stream delivered once.
 * Raw AttributeValues on purpose: the sample as written, on the low-level client.
 */
const naivePeer: StreamHandler = async (event) => {
  await Promise.all(
    event.Records.map(async (record) => {
      if (record.eventName !== "INSERT" || !record.dynamodb?.NewImage) return;
      const image: Record<string, unknown> = unmarshall(
        record.dynamodb.NewImage as Record<string, AttributeValue>,
      );
      await dynamo().send(
        new UpdateItemCommand({
          TableName: PEER_TABLE,
          Key: { PlayerName: { S: String(image.PlayerName) }, Period: { S: "ALL" } },
          UpdateExpression: "ADD TotalScore :s, GamesPlayed :one",
          ExpressionAttributeValues: { ":s": { N: String(image.Score) }, ":one": { N: "1" } },
        }),
      );
    }),
  );
};

async function createPeerTable(): Promise<void> {
  await dynamo().send(
    new CreateTableCommand(toCreateTableInput(PEER_TABLE, tables.GameScoresByUser)),
  );
  // The SDK's waiter, polling at the engine's pace (it has the table ACTIVE at once), not AWS's 20 s.
  await waitUntilTableExists(
    { client: dynamo(), minDelay: 0.02, maxDelay: 1, maxWaitTime: 60 },
    { TableName: PEER_TABLE },
  );
}

// --- workloads ----------------------------------------------------------------------------------

interface Score {
  playerName: string;
  score: number;
}
interface Expected {
  total: number;
  games: number;
  best: number;
}

/** `count` scores over `players` players, popularity Zipf(s = 1), from a seeded generator. */
function zipfScores(count: number, players: number, seed: number): Score[] {
  const rand = random(seed);
  const cumulative: number[] = [];
  let sum = 0;
  for (let rank = 1; rank <= players; rank++) cumulative.push((sum += 1 / rank ** ZIPF_EXPONENT));
  return Array.from({ length: count }, () => {
    const target = rand() * sum;
    let lo = 0;
    let hi = players - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return { playerName: `player ${lo + 1}`, score: Math.floor(rand() * 1000) };
  });
}

/**
 * What was written, per player, summed here from the bench's own scores rather than by the store's
 * `summaryOf`: it is the oracle both subscribers are held to (the naive peer too, which knows no
 * store), so it must not share the code it checks.
 */
function expectedOf(scores: readonly Score[]): Map<string, Expected> {
  const expected = new Map<string, Expected>();
  for (const { playerName, score } of scores) {
    const e = expected.get(playerName);
    if (e) {
      e.total += score;
      e.games += 1;
      e.best = Math.max(e.best, score);
    } else expected.set(playerName, { total: score, games: 1, best: score });
  }
  return expected;
}

const newRecordId = monotonicFactory();

/** One score record, as core's submitScore stores it (without the API's checks around it). */
async function putScore({ playerName, score }: Score): Promise<void> {
  const now = new Date().toISOString();
  const item = toItem({
    recordId: newRecordId(),
    playerName,
    score,
    createdAt: now,
    updatedAt: now,
  });
  await documentClient().send(
    new PutCommand({ TableName: tableName("GameScoreRecords"), Item: item }),
  );
}

/** Writes the scores in order with WRITERS concurrent writers, as fast as they go. */
async function writeAll(scores: readonly Score[]): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < scores.length) await putScore(scores[next++]!);
    }),
  );
  return performance.now() - started;
}

// --- reading the outcome (through dynalite directly: not metered) -------------------------------

const allKey = (playerName: string) => ({ PlayerName: playerName, Period: "ALL" });

/** Strongly consistent ALL items of these players, by name. */
async function readAllItems(
  directDocs: DynamoDBDocumentClient,
  table: string,
  players: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  for (let at = 0; at < players.length; at += 100) {
    let request: BatchGetCommandInput["RequestItems"] = {
      [table]: { Keys: players.slice(at, at + 100).map(allKey), ConsistentRead: true },
    };
    // The SDK has no paginator for BatchGetItem: what a response leaves unprocessed is asked again.
    for (let round = 0; request && Object.keys(request).length > 0 && round < 50; round++) {
      const page: BatchGetCommandOutput = await directDocs.send(
        new BatchGetCommand({ RequestItems: request }),
      );
      for (const item of page.Responses?.[table] ?? []) found.set(String(item.PlayerName), item);
      request = page.UnprocessedKeys;
    }
  }
  return found;
}

const matches = (item: Record<string, unknown> | undefined, want: Expected, best: boolean) =>
  item?.TotalScore === want.total &&
  item.GamesPlayed === want.games &&
  (!best || item.BestScore === want.best);

/**
 * Polls until every player's ALL item in `table` equals what was written: the time of the poll
 * that saw it; undefined once the aggregates stop moving for STALL_MS (a shard stuck retrying) or
 * at the deadline. Players once right are not read again (in an insert-only run an aggregate only
 * grows towards its total); the final exactness check reads them all.
 */
async function waitSettled(
  directDocs: DynamoDBDocumentClient,
  table: string,
  expected: Map<string, Expected>,
  checkBest: boolean,
  deadline: number,
): Promise<number | undefined> {
  const pending = new Set(expected.keys());
  let doneGames = 0;
  let lastObserved = -1;
  let lastProgress = performance.now();
  while (performance.now() < deadline && performance.now() - lastProgress < STALL_MS) {
    const items = await readAllItems(directDocs, table, [...pending]);
    let pendingGames = 0;
    for (const name of [...pending]) {
      const item = items.get(name);
      const want = expected.get(name)!;
      if (matches(item, want, checkBest)) {
        pending.delete(name);
        doneGames += want.games;
      } else pendingGames += Number(item?.GamesPlayed ?? 0);
    }
    if (pending.size === 0) return performance.now();
    if (doneGames + pendingGames !== lastObserved) {
      lastObserved = doneGames + pendingGames;
      lastProgress = performance.now();
    }
    await sleep(POLL_MS);
  }
  return undefined;
}

async function countItems(direct: DynamoDBClient, table: string): Promise<number> {
  let count = 0;
  for await (const page of paginateScan(
    { client: direct },
    { TableName: table, Select: "COUNT" },
  )) {
    count += page.Count ?? 0;
  }
  return count;
}

/** The peer is exact when each player's item holds its total and games, and no other item exists. */
async function peerExact(stack: Stack, expected: Map<string, Expected>) {
  const items = await readAllItems(stack.directDocs, PEER_TABLE, [...expected.keys()]);
  const wrong = [...expected].filter(([name, want]) => !matches(items.get(name), want, false));
  const extra = (await countItems(stack.direct, PEER_TABLE)) - items.size;
  return { exact: wrong.length === 0 && extra === 0, wrong: wrong.length + extra };
}

/** The aggregator is exact when every ALL aggregate equals a recompute from the records. */
async function aggregatorExact() {
  const { mismatches } = await compareAggregatesWithRecords();
  // Lines read "player: what differs"; the bench's player names hold no ": ".
  const players = new Set(mismatches.map((line) => line.slice(0, line.indexOf(": "))));
  return { exact: mismatches.length === 0, wrong: players.size };
}

/** Records the aggregator could not apply: its quarantine, and the runner's given-up records. */
async function failedRecords(stack: Stack, runner: StreamRunner) {
  const gaveUp = runner.readFailures().length;
  const quarantined = await countItems(stack.direct, tableName("Quarantine"));
  return {
    count: quarantined + gaveUp,
    text: `${quarantined} in ${tableName("Quarantine")}, ${gaveUp} given up by the runner`,
  };
}

/** Read units of one call, from the meter reset around it; and what its response reported. */
async function readUnitsOf(
  stack: Stack,
  call: () => Promise<{ ConsumedCapacity?: ConsumedCapacity }>,
): Promise<{ units: number; reported: number | undefined }> {
  stack.meter.reset();
  const output = await call();
  const snapshot = stack.meter.snapshot();
  return {
    units: sumCapacity(snapshot, Object.keys(snapshot)).readUnits,
    reported: output.ConsumedCapacity?.CapacityUnits,
  };
}

// --- formatting -----------------------------------------------------------------------------------

const seconds = (ms: number | undefined) => (ms === undefined ? "—" : (ms / 1000).toFixed(2));
const count = (n: number) => String(Math.round(n * 10) / 10);
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || b === 0 ? "n/a" : `${(a / b).toFixed(2)}×`;
/** Dollars per million scores for these units, at the list prices. */
const usdPerMillion = (units: Totals, scores: number) =>
  (units.writeUnits * PRICE.writePerMillion + units.readUnits * PRICE.readPerMillion) / scores;
const usd = (units: Totals, scores: number) => `$${usdPerMillion(units, scores).toFixed(3)}`;
/** Seconds for the results file; -1 when it did not happen within its timeout. */
const secondsValue = (ms: number | undefined) =>
  ms === undefined || Number.isNaN(ms) ? -1 : Number((ms / 1000).toFixed(2));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const benchStarted = performance.now();
const progress = (message: string) =>
  process.stderr.write(
    `  aggregator [${((performance.now() - benchStarted) / 1000).toFixed(0)} s]: ${message}\n`,
  );

// --- scenario 1: naive peer vs the aggregator --------------------------------------------------

interface SubscriberResult {
  name: string;
  tables: string[];
  settledMs: number | undefined;
  /** From the last write's answer to settled. */
  lagMs: number | undefined;
  handler: Subscriber["handler"];
  exact: { exact: boolean; wrong: number };
  units: Totals;
}

async function naiveVsAggregator(): Promise<{ rows: SubscriberResult[]; writeMs: number }> {
  return withStack(async (stack) => {
    await createPeerTable();
    const scores = zipfScores(RECORDS, PLAYERS, SEED);
    const expected = expectedOf(scores);
    const summed = aggregatorTables();
    stack.meter.reset();
    const aggregatorSide = startAggregator(stack);
    const peerSide = subscribe(stack, naivePeer);

    const started = performance.now();
    const writeMs = await writeAll(scores);
    const written = performance.now();
    progress(`wrote ${scores.length} in ${seconds(writeMs)} s`);
    const deadline = written + SETTLE_TIMEOUT_MS;
    const [aggregatorAt, peerAt] = await Promise.all([
      waitSettled(stack.directDocs, tableName("GameScoresByUser"), expected, true, deadline),
      waitSettled(stack.directDocs, PEER_TABLE, expected, false, deadline),
    ]);
    await Promise.all([aggregatorSide.runner.stop(), peerSide.runner.stop()]);
    const snapshot = stack.meter.snapshot();
    return {
      writeMs,
      rows: [
        {
          name: "aggregator (project)",
          tables: summed,
          settledMs: aggregatorAt && aggregatorAt - started,
          lagMs: aggregatorAt && aggregatorAt - written,
          handler: aggregatorSide.handler,
          exact: await aggregatorExact(),
          units: sumCapacity(snapshot, summed),
        },
        {
          name: "naive peer (2015 sample)",
          tables: [PEER_TABLE],
          settledMs: peerAt && peerAt - started,
          lagMs: peerAt && peerAt - written,
          handler: peerSide.handler,
          exact: await peerExact(stack, expected),
          units: sumCapacity(snapshot, [PEER_TABLE]),
        },
      ],
    };
  });
}

/**
 * The same records as a backlog: written first, then drained by each subscriber alone, one after
 * the other, on the one engine and stream. Without writers or the other subscriber on the shared
 * CPU, this is each subscriber's own throughput; the live run above shows them under load.
 */
async function backlogDrain(): Promise<BacklogResult[]> {
  return withStack(async (stack) => {
    await createPeerTable();
    const scores = zipfScores(RECORDS, PLAYERS, SEED);
    const expected = expectedOf(scores);
    await writeAll(scores);
    progress(`backlog: wrote ${scores.length}; draining with each subscriber alone`);
    const results: BacklogResult[] = [];
    for (const side of BACKLOG_ORDER) {
      const peer = side.startsWith("naive");
      const tablesSummed = peer ? [PEER_TABLE] : aggregatorTables();
      stack.meter.reset();
      const started = performance.now();
      const subscriber = peer ? subscribe(stack, naivePeer) : startAggregator(stack);
      // No polling while it drains (the harness's reads would share the CPU with it): the runner
      // says when it has caught up, and the tables are checked once after.
      await subscriber.runner.idle();
      const drained = performance.now();
      const at = await waitSettled(
        stack.directDocs,
        peer ? PEER_TABLE : tableName("GameScoresByUser"),
        expected,
        !peer,
        performance.now() + SETTLE_TIMEOUT_MS,
      );
      if (at !== undefined && at - drained > POLL_MS * 2) {
        progress(
          `backlog: ${side} was ${seconds(at - drained)} s from exact when its runner idled`,
        );
      }
      await subscriber.runner.stop();
      results.push({
        name: side,
        drainMs: at && drained - started,
        handler: subscriber.handler,
        units: sumCapacity(stack.meter.snapshot(), tablesSummed),
      });
      progress(`backlog: ${side} drained in ${seconds(at && drained - started)} s`);
    }
    return results;
  });
}

/** Which drains first: BENCH_BACKLOG_ORDER=peer-first puts the peer first (the default: the aggregator). */
const BACKLOG_ORDER =
  process.env.BENCH_BACKLOG_ORDER === "peer-first"
    ? (["naive peer (2015 sample)", "aggregator (project)"] as const)
    : (["aggregator (project)", "naive peer (2015 sample)"] as const);

interface BacklogResult {
  name: string;
  drainMs: number | undefined;
  handler: Subscriber["handler"];
  units: Totals;
}

// --- scenario 2: a hot player ---------------------------------------------------------------------

interface HotCase {
  name: string;
  settledMs: number | undefined;
  lagMs: number | undefined;
  handler: Subscriber["handler"];
  exact: { exact: boolean; wrong: number };
  failed: { count: number; text: string };
  busiest: string;
  itemBytes: number;
  getUnits: { units: number; reported: number | undefined };
  queryUnits: { units: number; reported: number | undefined };
  units: Totals;
}

/** The quiet players' few records each, with the hot records in one burst in the middle. */
function hotWorkload(spread: boolean): Score[] {
  const rand = random(SEED + 1);
  const quiet = Array.from({ length: QUIET_PLAYERS * QUIET_RECORDS_EACH }, (_, i) => ({
    playerName: `quiet ${(i % QUIET_PLAYERS) + 1}`,
    score: Math.floor(rand() * 1000),
  }));
  const hot = Array.from({ length: HOT_RECORDS }, (_, i) => ({
    playerName: spread ? `quiet ${(i % QUIET_PLAYERS) + 1}` : "hot player",
    score: Math.floor(rand() * 1000),
  }));
  const half = quiet.length >> 1;
  return [...quiet.slice(0, half), ...hot, ...quiet.slice(half)];
}

async function hotCase(spread: boolean): Promise<HotCase> {
  return withStack(async (stack) => {
    const scores = hotWorkload(spread);
    const expected = expectedOf(scores);
    const busiest = [...expected].reduce((a, b) => (b[1].games > a[1].games ? b : a))[0];
    const aggregates = tableName("GameScoresByUser");
    stack.meter.reset();
    const { runner, handler } = startAggregator(stack);
    const started = performance.now();
    await writeAll(scores);
    const written = performance.now();
    progress(
      `${spread ? "spread" : "burst"}: wrote ${scores.length} in ${seconds(written - started)} s`,
    );
    const settledAt = await waitSettled(
      stack.directDocs,
      aggregates,
      expected,
      true,
      written + SETTLE_TIMEOUT_MS,
    );
    // A shard still retrying its head batch when the wait ended: those records are not "failed"
    // yet, only stuck.
    const shards = runner.status().shards;
    const retries = shards.reduce((n, shard) => n + shard.retries, 0);
    const waiting = shards.reduce((n, shard) => n + shard.pending, 0);
    // Stopped before the single reads below, so that nothing else moves the meter.
    await runner.stop();
    const snapshot = stack.meter.snapshot();
    // Raw: itemSize measures the AttributeValue form, as the engine bills it.
    const { Item } = await stack.direct.send(
      new GetItemCommand({
        TableName: aggregates,
        Key: { PlayerName: { S: busiest }, Period: { S: "ALL" } },
        ConsistentRead: true,
      }),
    );
    return {
      name: spread ? "spread" : "burst",
      settledMs: settledAt && settledAt - started,
      lagMs: settledAt && settledAt - written,
      handler,
      exact: await aggregatorExact(),
      failed: await failedRecords(stack, runner).then((failed) =>
        retries === 0
          ? failed
          : {
              ...failed,
              text:
                `${failed.text}; when the wait ended, its shard's head batch had failed ` +
                `${retries} time(s), ${waiting} records waiting behind it`,
            },
      ),
      busiest,
      itemBytes: itemSize(Item),
      getUnits: await readUnitsOf(stack, () =>
        documentClient().send(
          new GetCommand({
            TableName: aggregates,
            Key: allKey(busiest),
            ConsistentRead: true,
            ReturnConsumedCapacity: "TOTAL",
          }),
        ),
      ),
      queryUnits: await readUnitsOf(stack, () =>
        documentClient().send(
          new QueryCommand({
            TableName: aggregates,
            IndexName: BOARD_INDEX,
            KeyConditionExpression: "#board = :all",
            ExpressionAttributeNames: { "#board": "Board" },
            ExpressionAttributeValues: { ":all": "ALL#0" },
            Limit: 100,
            ReturnConsumedCapacity: "TOTAL",
          }),
        ),
      ),
      units: sumCapacity(snapshot, aggregatorTables()),
    };
  });
}

// --- scenario 3: poison on a busy stream ------------------------------------------------------------

interface PoisonResult {
  control: (number | undefined)[];
  afterPoison: (number | undefined)[];
  oneSecondLater: (number | undefined)[];
  failed: { count: number; text: string };
  busyWritten: number;
  busyErrors: number;
}

/** Milliseconds from writing a fresh player's first score until its ALL aggregate counts it. */
async function timeToCount(stack: Stack, playerName: string): Promise<number | undefined> {
  const started = performance.now();
  await putScore({ playerName, score: 1 });
  const deadline = started + POISON_TIMEOUT_MS;
  while (performance.now() < deadline) {
    const { Item } = await stack.directDocs.send(
      new GetCommand({
        TableName: tableName("GameScoresByUser"),
        Key: allKey(playerName),
        ConsistentRead: true,
      }),
    );
    if (Item?.GamesPlayed === 1) return performance.now() - started;
    await sleep(20);
  }
  return undefined;
}

/** Resolves when `promise` does or after `ms`, whichever is first. */
const within = (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise, sleep(ms)]).then(() => undefined);

async function poisonOnBusyStream(): Promise<PoisonResult> {
  return withStack(async (stack) => {
    const { runner } = startAggregator(stack);
    const stop = new AbortController();
    let busyWritten = 0;
    const rand = random(SEED + 2);
    let busyErrors = 0;
    const busyWriter = async () => {
      while (!stop.signal.aborted) {
        try {
          await putScore({
            playerName: `busy ${Math.floor(rand() * 200) + 1}`,
            score: Math.floor(rand() * 1000),
          });
          busyWritten++;
        } catch {
          // Background load only: a failed write is counted, not fatal.
          busyErrors++;
        }
        await sleep((2 * 1000) / BUSY_RATE);
      }
    };
    const busy = [busyWriter(), busyWriter()];
    const result: PoisonResult = {
      control: [],
      afterPoison: [],
      oneSecondLater: [],
      failed: { count: 0, text: "" },
      busyWritten: 0,
      busyErrors: 0,
    };
    try {
      await sleep(1000);
      for (let trial = 0; trial < POISON_TRIALS; trial++) {
        progress(`poison trial ${trial + 1} of ${POISON_TRIALS}`);
        result.control.push(await timeToCount(stack, `control ${trial}`));
        // No PlayerName: an item no one who validates could write, straight into the table.
        const now = new Date().toISOString();
        await documentClient().send(
          new PutCommand({
            TableName: tableName("GameScoreRecords"),
            Item: { RecordID: `poison-${trial}`, Score: 7, CreatedAt: now, UpdatedAt: now },
          }),
        );
        const after = timeToCount(stack, `after poison ${trial}`);
        const later = sleep(1000).then(() => timeToCount(stack, `a second later ${trial}`));
        result.afterPoison.push(await after);
        result.oneSecondLater.push(await later);
        // Let the shard drain before the next trial, so trials do not overlap.
        await within(runner.idle(), POISON_TIMEOUT_MS);
      }
    } finally {
      stop.abort();
      await Promise.allSettled(busy);
    }
    await runner.stop();
    result.failed = await failedRecords(stack, runner);
    result.busyWritten = busyWritten;
    result.busyErrors = busyErrors;
    return result;
  });
}

// --- the suite ---------------------------------------------------------------------------------------

const LEGEND = `
aggregator bench — legend
  settle s       from the first write until every player's ALL aggregate equals what was written
                 (TotalScore, GamesPlayed; the aggregator also BestScore), polled every ${POLL_MS} ms;
                 "—" = gave up: no aggregate moved for BENCH_STALL_S (${STALL_MS / 1000} s), or not
                 settled BENCH_SETTLE_TIMEOUT_S (${SETTLE_TIMEOUT_MS / 1000} s) after the last write
  lag s          the same, from the last write's answer (what the subscriber adds to the writes)
  handler s      time in the handler, invocations summed (what Lambda bills; wall time in this
                 shared process, so writers and the other subscriber inflate it), and
                 (in brackets) the number of invocations
  exact          after the run: aggregator = core's recompute from GameScoreRecords (every ALL
                 aggregate); peer = the written totals, and no other item; (n) = players wrong
  failed         records the aggregator could not apply: the Quarantine table,
                 plus the records the runner gave up on (the on-failure destination)
  write req      write requests (API calls) on the summed tables
  WU / RU        write / read units billed, table and its indexes, summed over the tables named
  $/M scores     WU × $${PRICE.writePerMillion} + RU × $${PRICE.readPerMillion} per million units, per million scores
                 written (${PRICE.source});
                 the aggregate side only: not the GameScoreRecords write, Lambda or stream reads
  ratios         n/a where one side is zero or did not happen
  Units come from the engine's meter (engine.capacity), reset before each case; the harness
  reads through dynalite directly, so its own polling is not metered.
`;

const BENCH = "aggregator";

/** Whether the single reads' ConsumedCapacity said what the meter counted. */
function agreement(cases: readonly HotCase[]): string {
  const reads = cases.flatMap((h) => [h.getUnits, h.queryUnits]);
  const differ = reads.filter((r) => r.reported !== r.units);
  return differ.length === 0
    ? "their ConsumedCapacity agrees"
    : `ConsumedCapacity differs: ${differ.map((r) => `${r.reported} vs ${r.units}`).join(", ")}`;
}
const handlerText = (h: Subscriber["handler"]) => `${seconds(h.ms)} (${h.invocations})`;
const exactText = (e: { exact: boolean; wrong: number }) => (e.exact ? "yes" : `no (${e.wrong})`);

async function reportNaiveVsAggregator(): Promise<BenchResult[]> {
  progress(`scenario 1: ${RECORDS} records over ${PLAYERS} players, aggregator and peer`);
  const { rows, writeMs } = await naiveVsAggregator();
  const [agg, peer] = rows as [SubscriberResult, SubscriberResult];
  console.log(
    `1. naive peer vs the aggregator: ${RECORDS} INSERTs over ${PLAYERS} players (Zipf s=${ZIPF_EXPONENT}, ` +
      `seed ${SEED}), ${WRITERS} writers (${(writeMs / 1000).toFixed(1)} s, ` +
      `${Math.round(RECORDS / (writeMs / 1000))} writes/s); both subscribed to the one stream, ` +
      `each by its own runner with aggregatorSubscription`,
  );
  console.log(
    formatGrid(
      [
        "subscriber",
        "tables summed",
        "settle s",
        "lag s",
        "handler s",
        "exact",
        "write req",
        "WU",
        "RU",
        "$/M scores",
      ],
      [
        ...rows.map((r) => [
          r.name,
          r.tables.join(" + "),
          seconds(r.settledMs),
          seconds(r.lagMs),
          handlerText(r.handler),
          exactText(r.exact),
          count(r.units.writeRequests),
          count(r.units.writeUnits),
          count(r.units.readUnits),
          usd(r.units, RECORDS),
        ]),
        [
          "aggregator / peer",
          "",
          ratio(agg.settledMs, peer.settledMs),
          ratio(agg.lagMs, peer.lagMs),
          ratio(agg.handler.ms, peer.handler.ms),
          "",
          ratio(agg.units.writeRequests, peer.units.writeRequests),
          ratio(agg.units.writeUnits, peer.units.writeUnits),
          ratio(agg.units.readUnits, peer.units.readUnits),
          "",
        ],
      ],
    ),
  );
  const periods = periodsOf(new Date().toISOString());
  console.log(
    `   The aggregator keeps ${periods.length} period(s) per player (${periods.join(", ")}), the peer only ALL. ` +
      "The peer is exact only because this stream is insert-only and delivered once.\n",
  );

  const backlog = await backlogDrain();
  const aggDrain = backlog.find((r) => r.name.startsWith("aggregator"))!;
  const peerDrain = backlog.find((r) => r.name.startsWith("naive"))!;
  console.log(
    `1b. the same ${RECORDS} records as a backlog, drained by each subscriber alone, ` +
      `${backlog.map((r) => r.name.split(" (")[0]).join(" first, then the ")}, on the one engine ` +
      "and stream; no writers; the time until its runner has caught up",
  );
  console.log(
    formatGrid(
      ["subscriber", "drain s", "handler s", "write req", "WU", "RU", "$/M scores"],
      [
        ...backlog.map((r) => [
          r.name,
          seconds(r.drainMs),
          handlerText(r.handler),
          count(r.units.writeRequests),
          count(r.units.writeUnits),
          count(r.units.readUnits),
          usd(r.units, RECORDS),
        ]),
        [
          "aggregator / peer",
          ratio(aggDrain.drainMs, peerDrain.drainMs),
          ratio(aggDrain.handler.ms, peerDrain.handler.ms),
          ratio(aggDrain.units.writeRequests, peerDrain.units.writeRequests),
          ratio(aggDrain.units.writeUnits, peerDrain.units.writeUnits),
          ratio(aggDrain.units.readUnits, peerDrain.units.readUnits),
          "",
        ],
      ],
    ),
  );
  console.log("");
  const note = `${RECORDS} records, ${PLAYERS} players, scale ${SCALE}`;
  const results: BenchResult[] = rows.map((r) => ({
    bench: BENCH,
    metric: `settle, ${r.name}`,
    value: secondsValue(r.settledMs),
    unit: "s",
    note,
  }));
  results.push({
    bench: BENCH,
    metric: "drain a backlog, aggregator / peer",
    value:
      aggDrain.drainMs && peerDrain.drainMs
        ? Number((aggDrain.drainMs / peerDrain.drainMs).toFixed(2))
        : -1,
    unit: "×",
    note: `${note}; each subscriber alone`,
  });
  results.push({
    bench: BENCH,
    metric: "settle, aggregator / peer",
    value:
      agg.settledMs && peer.settledMs ? Number((agg.settledMs / peer.settledMs).toFixed(2)) : -1,
    unit: "×",
    note,
  });
  results.push(
    {
      bench: BENCH,
      metric: "write units, aggregator / peer",
      value: Number((agg.units.writeUnits / peer.units.writeUnits).toFixed(2)),
      unit: "×",
      note,
    },
    ...rows.map((r) => ({
      bench: BENCH,
      metric: `cost per million scores, ${r.name}`,
      value: Number(usdPerMillion(r.units, RECORDS).toFixed(3)),
      unit: "USD",
      note: `${note}; ${PRICE.source}`,
    })),
  );
  for (const r of rows) {
    results.push({
      bench: BENCH,
      metric: `exact, ${r.name}`,
      value: r.exact.exact ? 1 : 0,
      unit: "1 = yes",
      note,
    });
  }
  return results;
}

async function reportHotPlayer(): Promise<BenchResult[]> {
  const hot: HotCase[] = [];
  for (const spread of [false, true]) {
    progress(`scenario 2: ${HOT_RECORDS} records ${spread ? "spread" : "for one player"}`);
    hot.push(await hotCase(spread));
  }
  const [burst, spread] = hot as [HotCase, HotCase];
  const scores = HOT_RECORDS + QUIET_PLAYERS * QUIET_RECORDS_EACH;
  console.log(
    `2. hot player: ${HOT_RECORDS} records for one player in a burst beside ${QUIET_PLAYERS} quiet ` +
      `players (${QUIET_RECORDS_EACH} records each) vs the same records spread over those ` +
      `${QUIET_PLAYERS} players; ${WRITERS} writers, a fresh engine each`,
  );
  console.log(
    formatGrid(
      [
        "case",
        "settle s",
        "lag s",
        "handler s",
        "exact",
        "failed",
        "busiest player",
        "its item B",
        "GetItem RU",
        "top-100 RU",
        "WU",
        "$/M scores",
      ],
      [
        ...hot.map((h) => [
          h.name,
          seconds(h.settledMs),
          seconds(h.lagMs),
          handlerText(h.handler),
          exactText(h.exact),
          String(h.failed.count),
          h.busiest,
          String(h.itemBytes),
          count(h.getUnits.units),
          count(h.queryUnits.units),
          count(h.units.writeUnits),
          usd(h.units, scores),
        ]),
        [
          "burst / spread",
          ratio(burst.settledMs, spread.settledMs),
          ratio(burst.lagMs, spread.lagMs),
          ratio(burst.handler.ms, spread.handler.ms),
          "",
          "",
          "",
          ratio(burst.itemBytes, spread.itemBytes),
          ratio(burst.getUnits.units, spread.getUnits.units),
          ratio(burst.queryUnits.units, spread.queryUnits.units),
          ratio(burst.units.writeUnits, spread.units.writeUnits),
          "",
        ],
      ],
    ),
  );
  console.log(
    `   failed: ${hot.map((h) => `${h.name}: ${h.failed.text}`).join("; ")}\n` +
      `   GetItem: the busiest player's ALL item, strongly consistent; top-100: Query of ` +
      `${BOARD_INDEX}, Board ALL#0, best first, Limit 100; their units from the meter, reset ` +
      `around each call (${agreement(hot)}). ` +
      `WU summed over ${aggregatorTables().join(" + ")}.\n`,
  );
  const note = `${HOT_RECORDS} hot records, ${QUIET_PLAYERS} quiet players, scale ${SCALE}`;
  return [
    ...hot.map((h) => ({
      bench: BENCH,
      metric: `hot player: settle, ${h.name}`,
      value: secondsValue(h.settledMs),
      unit: "s",
      note,
    })),
    ...hot.map((h) => ({
      bench: BENCH,
      metric: `hot player: failed records, ${h.name}`,
      value: h.failed.count,
      unit: "records",
      note: h.failed.text,
    })),
    ...hot.map((h) => ({
      bench: BENCH,
      metric: `hot player: busiest aggregate item, ${h.name}`,
      value: h.itemBytes,
      unit: "B",
      note,
    })),
  ];
}

async function reportPoison(): Promise<BenchResult[]> {
  progress(`scenario 3: ${POISON_TRIALS} poison records on a busy stream (${BUSY_RATE} scores/s)`);
  const poison = await poisonOnBusyStream();
  const done = (values: (number | undefined)[]) =>
    values.filter((v): v is number => v !== undefined);
  const summary = (values: (number | undefined)[]) => {
    const counted = done(values);
    const missed = values.length - counted.length;
    return [
      seconds(counted.length ? median(counted) : undefined),
      seconds(counted.length ? Math.min(...counted) : undefined),
      seconds(counted.length ? Math.max(...counted) : undefined),
      missed ? `${missed} not within ${POISON_TIMEOUT_MS / 1000} s` : "",
    ];
  };
  console.log(
    `3. poison: a busy stream (2 writers, ${BUSY_RATE} scores/s, ${poison.busyWritten} written, ${poison.busyErrors} failed), ` +
      `${POISON_TRIALS} trials. Each: a fresh player's score alone (control); then a record ` +
      `without PlayerName written straight into GameScoreRecords, at once followed by a fresh ` +
      `player's score, and another fresh player's score 1 s later. Time: from writing the ` +
      `score until its ALL aggregate counts it.`,
  );
  console.log(
    formatGrid(
      ["fresh player's score", "median s", "min s", "max s", "missed"],
      [
        ["control (no poison)", ...summary(poison.control)],
        ["right after the poison", ...summary(poison.afterPoison)],
        ["1 s after the poison", ...summary(poison.oneSecondLater)],
      ],
    ),
  );
  console.log(`   failed: ${poison.failed.text}\n`);
  const note = `${POISON_TRIALS} trials, ${BUSY_RATE} scores/s; ${poison.failed.text}`;
  const cases: [string, (number | undefined)[]][] = [
    ["control", poison.control],
    ["right after the poison", poison.afterPoison],
    ["1 s after the poison", poison.oneSecondLater],
  ];
  return cases.map(([name, values]) => ({
    bench: BENCH,
    metric: `poison: fresh score counted, ${name}, median`,
    value: secondsValue(done(values).length ? median(done(values)) : undefined),
    unit: "s",
    note,
  }));
}

const scenarios: Record<string, () => Promise<BenchResult[]>> = {
  "1": reportNaiveVsAggregator,
  "2": reportHotPlayer,
  "3": reportPoison,
};

export async function benchAggregator(): Promise<BenchResult[]> {
  const wanted = (process.env.BENCH_SCENARIOS ?? "1,2,3").split(",").map((s) => s.trim());
  const unknown = wanted.filter((s) => !(s in scenarios));
  if (unknown.length > 0) throw new Error(`BENCH_SCENARIOS: no scenario ${unknown.join(", ")}`);
  const savedEnv = { ...process.env };
  const savedConsole = { warn: console.warn, error: console.error };
  let suppressed = 0;
  // The aggregator logs every record it cannot apply, on every attempt: count, do not print.
  console.warn = () => void suppressed++;
  console.error = () => void suppressed++;
  try {
    console.log(LEGEND);
    const results: BenchResult[] = [];
    for (const scenario of wanted) results.push(...(await scenarios[scenario]!()));
    if (suppressed > 0) {
      console.log(`(${suppressed} log lines of the aggregator and engine suppressed)\n`);
    }
    return results;
  } finally {
    console.warn = savedConsole.warn;
    console.error = savedConsole.error;
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
  }
}
