import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { paginateScan } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "@streamboard/core/infra";
import { reconcile } from "@streamboard/core/reconcile";
import { readStreamHistory } from "@streamboard/core/stream";
import { tableName } from "@streamboard/core/infra";
import { afterEach, expect, test } from "vitest";
import { readFailures } from "./runner/index.ts";
import { startTestEngine, testSeed } from "./testing.ts";
import { compareAggregatesWithRecords, random, runWorkload } from "./workload.ts";

// The runner as its own process, killed with SIGKILL at random moments while writers submit,
// edit, rename and delete scores; restarted each time from its checkpoints. Batches cut short
// by a kill are delivered again, and the aggregates must still come out exact.
// `npm run chaos` runs the full size (CHAOS_SCORES=2000 CHAOS_KILLS=20); `npm test` a smaller one.
// CHAOS_SEED picks the workload and the kill moments (printed; fixed by default).

const SCORES = Number(process.env.CHAOS_SCORES ?? 400);
const KILLS = Number(process.env.CHAOS_KILLS ?? 6);
const WRITERS = 5;
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const RUN_AGGREGATOR = fileURLToPath(new URL("./runner/run-aggregator.ts", import.meta.url));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

interface RunnerProcess {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<void>;
  idle(): Promise<void>;
  /** Resolves when a batch of at least `records` goes to the aggregator. */
  invocation(records: number): Promise<void>;
}

function startRunnerProcess(dir: string, log: string[]): RunnerProcess {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      RUN_AGGREGATOR,
      "--checkpoint-dir",
      dir,
      "--poll-interval-ms",
      "20",
      "--announce-invocations",
    ],
    { cwd: ROOT, env: process.env, stdio: ["ignore", "pipe", "pipe", "ipc"] },
  );
  const keep = (chunk: Buffer) => {
    log.push(...chunk.toString().split("\n").filter(Boolean));
    if (log.length > 200) log.splice(0, log.length - 200);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const message = (type: string, records = 0) =>
    new Promise<void>((resolve, reject) => {
      const onMessage = (m: { type?: string; records?: number }) => {
        if (m?.type !== type || (m.records ?? 0) < records) return;
        child.off("message", onMessage);
        resolve();
      };
      child.on("message", onMessage);
      void exited.then(() => reject(new Error(`the runner exited before "${type}"`)));
    });
  const ready = message("ready");
  return {
    child,
    ready,
    exited,
    idle() {
      const answered = message("idle");
      child.send({ type: "idle" });
      return answered;
    },
    invocation: (records) => message("invoke", records),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Records a killed runner had applied to the aggregates but not yet checkpointed: the batch it
 * was killed in. Its successor delivers them again; the aggregator's markers must skip them.
 */
async function appliedBeyondCheckpoint(dir: string): Promise<number> {
  const file = path.join(dir, `checkpoints.${tableName("GameScoreRecords")}.json`);
  if (!fs.existsSync(file)) return 0;
  const saved = JSON.parse(fs.readFileSync(file, "utf8")) as {
    streams: Record<string, Record<string, { sequenceNumber?: string }>>;
  };
  const marks = new Map<string, bigint>();
  const pages = paginateScan(
    { client: documentClient() },
    { TableName: tableName("AggregatorMarks"), ConsistentRead: true },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const { RecordID, SequenceNumber } = item as Record<string, string>;
      const seq = BigInt(SequenceNumber!);
      if (seq > (marks.get(RecordID!) ?? -1n)) marks.set(RecordID!, seq);
    }
  }
  const history = await readStreamHistory();
  let count = 0;
  for (const shard of history?.shards ?? []) {
    const checkpoint = BigInt(
      saved.streams[history!.streamArn]?.[shard.shardId]?.sequenceNumber ?? -1,
    );
    for (const record of shard.records) {
      const seq = BigInt(record.dynamodb!.SequenceNumber!);
      const mark = marks.get(record.dynamodb!.Keys!.RecordID!.S!);
      if (seq > checkpoint && mark !== undefined && mark >= seq) count++;
    }
  }
  return count;
}

test(
  `the runner killed with SIGKILL ${KILLS} times while ${WRITERS} writers submit ${SCORES} scores: no drift`,
  async () => {
    const started = performance.now();
    const engine = await startTestEngine();
    cleanups.push(() => engine.close());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamboard-chaos-"));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const log: string[] = [];
    let current: RunnerProcess | undefined;
    cleanups.push(async () => {
      if (current && current.child.exitCode === null && current.child.signalCode === null) {
        current.child.kill("SIGKILL");
        await current.exited;
      }
    });

    const seed = testSeed("CHAOS_SEED", 20_260);
    // Kill moments from the seed too; the machine's speed still decides what they hit.
    const rand = random(seed + 1);
    // Spread the writes over the kills (a runner takes about a second and a half to start).
    const writers = runWorkload({
      writers: WRITERS,
      scores: SCORES,
      players: 20,
      seed,
      durationMs: KILLS * 2200,
    });
    const killedAfterMs: number[] = [];
    const inFlightAtKill: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      current = startRunnerProcess(dir, log);
      await current.ready;
      // Every other kill at any moment of the runner's work; the others while a batch of at
      // least 5 records is being applied (a batch takes some 100–250 ms here).
      let wait: number;
      if (kill % 2 === 0) {
        wait = 200 + Math.floor(rand() * 1300);
      } else {
        await Promise.race([current.invocation(5).catch(() => {}), sleep(3000)]);
        wait = Math.floor(rand() * 150);
      }
      await sleep(wait);
      current.child.kill("SIGKILL");
      await current.exited;
      killedAfterMs.push(wait);
      inFlightAtKill.push(await appliedBeyondCheckpoint(dir));
    }
    const work = await writers;

    current = startRunnerProcess(dir, log);
    await current.ready;
    await current.idle();
    const catchUp = performance.now();
    current.child.kill("SIGTERM");
    await current.exited;

    const report = await reconcile({ settleMs: 0, rechecks: 0 });
    const exact = await compareAggregatesWithRecords();
    const figures = {
      seed,
      scores: work.submitted,
      edits: work.edited,
      renames: work.renamed,
      deletes: work.deleted,
      writeErrors: work.errors,
      recordsNow: report.records,
      players: exact.players,
      kills: killedAfterMs.length,
      killedAfterMs,
      // Per kill: records applied but not checkpointed, so delivered again by the next runner.
      inFlightAtKill,
      drift: report.drift.length,
      failures: readFailures(dir).length,
      seconds: Math.round((catchUp - started) / 100) / 10,
    };
    console.log(`[chaos] ${JSON.stringify(figures)}`);

    expect(report.drift, `runner log:\n${log.slice(-40).join("\n")}`).toEqual([]);
    expect(exact.mismatches).toEqual([]);
    expect(readFailures(dir)).toEqual([]);
    expect(work.submitted).toBe(SCORES);
    expect(work.errors).toBe(0);
  },
  60_000 + KILLS * 6000,
);
