import { paginateScan, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { startTestEngine } from "@streamboard/local/testing";
import type { DynamoDBRecord } from "aws-lambda";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { applyPlayerBatch, applyStreamBatch, planBatch } from "./aggregate.ts";
import { documentClient } from "../infra/clients.ts";
import { readAggregateItem } from "./store.ts";
import { tableName } from "../infra/resource.ts";
import { deleteScore, submitScore, updateScore } from "../score/score.ts";
import { tailStream } from "../testing/testing.ts";

/*
 * The aggregator's contract as a property: whatever the writes (puts, score changes, renames,
 * deletes, bad items written around the API, bad items completed or deleted by an operator, good
 * items broken around the API) and however their real stream records are delivered
 * (batches of any size, a crash after only some players' writes, a partial-batch retry from any
 * point, replays of old batches), once the stream is drained every aggregate equals a recompute
 * from the records left in the table.
 */

const PLAYERS = 3;

type Command =
  | { kind: "put"; player: number; score: number }
  | { kind: "update"; pick: number; score: number | undefined; player: number | undefined }
  | { kind: "delete"; pick: number }
  | { kind: "putBad"; player: number }
  /** An operator completes a bad record (MODIFY invalid → valid), or deletes it. */
  | { kind: "fixBad"; pick: number; score: number }
  | { kind: "deleteBad"; pick: number }
  /** A good record broken around the API (MODIFY valid → invalid). */
  | { kind: "breakGood"; pick: number }
  | {
      kind: "deliver";
      mode: "ok" | "partial" | "crash" | "replay" | "parallel" | "duplicate";
      size: number;
      cut: number;
      subset: number;
    };

const player = fc.nat(PLAYERS - 1);
const score = fc.nat(100);
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("put" as const), player, score }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("update" as const),
      pick: fc.nat(),
      score: fc.option(score, { nil: undefined }),
      player: fc.option(player, { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("putBad" as const), player }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("fixBad" as const), pick: fc.nat(), score }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("deleteBad" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("breakGood" as const), pick: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("deliver" as const),
      mode: fc.constantFrom(
        "ok" as const,
        "partial" as const,
        "crash" as const,
        "replay" as const,
        "parallel" as const,
        "duplicate" as const,
      ),
      size: fc.integer({ min: 1, max: 8 }),
      cut: fc.nat(),
      subset: fc.nat(),
    }),
  },
);

let engine: Awaited<ReturnType<typeof startTestEngine>>;
let tail: ReturnType<typeof tailStream>;
beforeAll(async () => {
  // Small shards, so the stream's records span a lineage of parent and child shards.
  engine = await startTestEngine({ shardMaxRecords: 40 });
  tail = tailStream();
});
afterAll(() => engine.close());

let run = 0;

async function check(commands: Command[]) {
  run++;
  const names = Array.from({ length: PLAYERS }, (_, i) => `run${run} p${i}`);
  const live: string[] = [];
  const bad: string[] = [];
  const badSeqs = new Set<string>();
  const log: DynamoDBRecord[] = [];
  let checkpoint = 0;
  await tail.poll(); // earlier runs' records are not this run's

  const pull = async () => {
    for (const record of await tail.poll()) {
      const image = record.dynamodb?.NewImage ?? record.dynamodb?.OldImage;
      if (image?.RecordID?.S?.startsWith("bad-")) badSeqs.add(record.dynamodb!.SequenceNumber!);
      log.push(record);
    }
  };

  /** Lambda's view of a batch result: move past what succeeded, give up on a poison record. */
  const settle = (batch: DynamoDBRecord[], failures: { itemIdentifier: string }[]) => {
    for (const { itemIdentifier } of failures) expect(badSeqs).toContain(itemIdentifier);
    const seqs = batch.map((r) => r.dynamodb!.SequenceNumber!);
    const firstFailure = failures.length
      ? Math.min(...failures.map((f) => seqs.indexOf(f.itemIdentifier)))
      : -1;
    // A bad record fails every retry; once they run out it goes to the on-failure destination.
    checkpoint += firstFailure < 0 ? batch.length : firstFailure + 1;
  };

  for (const command of commands) {
    switch (command.kind) {
      case "put": {
        const { record } = await submitScore({
          playerName: names[command.player]!,
          score: command.score,
        });
        live.push(record.recordId);
        break;
      }
      case "update": {
        if (!live.length) break;
        const recordId = live[command.pick % live.length]!;
        await updateScore(recordId, {
          ...(command.score !== undefined ? { score: command.score } : {}),
          ...(command.player !== undefined ? { playerName: names[command.player]! } : {}),
          ...(command.score === undefined && command.player === undefined
            ? { nickName: `nick ${command.pick % 7}` }
            : {}),
        });
        break;
      }
      case "delete": {
        if (!live.length) break;
        const [recordId] = live.splice(command.pick % live.length, 1);
        await deleteScore(recordId!);
        break;
      }
      case "putBad": {
        const now = new Date().toISOString();
        const recordId = `bad-${run}-${log.length}-${Math.random()}`;
        await documentClient().send(
          new PutCommand({
            TableName: tableName("GameScoreRecords"),
            Item: {
              RecordID: recordId,
              PlayerName: names[command.player]!,
              CreatedAt: now,
              UpdatedAt: now,
            },
          }),
        );
        bad.push(recordId);
        break;
      }
      case "fixBad": {
        if (!bad.length) break;
        const [recordId] = bad.splice(command.pick % bad.length, 1);
        await updateScore(recordId!, { score: command.score });
        live.push(recordId!);
        break;
      }
      case "deleteBad": {
        if (!bad.length) break;
        const [recordId] = bad.splice(command.pick % bad.length, 1);
        await deleteScore(recordId!);
        break;
      }
      case "breakGood": {
        if (!live.length) break;
        const [recordId] = live.splice(command.pick % live.length, 1);
        await documentClient().send(
          new UpdateCommand({
            TableName: tableName("GameScoreRecords"),
            Key: { RecordID: recordId! },
            UpdateExpression: "REMOVE Score",
          }),
        );
        bad.push(recordId!);
        break;
      }
      case "deliver": {
        await pull();
        const batch = log.slice(checkpoint, checkpoint + command.size);
        if (!batch.length) break;
        if (command.mode === "ok") {
          settle(batch, (await applyStreamBatch(batch)).batchItemFailures);
        } else if (command.mode === "partial") {
          // The function reported a failure at `cut` (say, a throttled write): Lambda retries from there.
          const result = await applyStreamBatch(batch);
          if (result.batchItemFailures.length) settle(batch, result.batchItemFailures);
          else checkpoint += command.cut % batch.length;
        } else if (command.mode === "crash") {
          // The function died after writing only some players' aggregates; the batch is retried whole.
          const plan = planBatch(batch);
          for (const [i, playerBatch] of plan.batches.entries()) {
            if ((command.subset >> i) & 1) await applyPlayerBatch(playerBatch);
          }
        } else if (command.mode === "parallel") {
          // ParallelizationFactor: the batch's records split into concurrent lanes by item key
          // (one record's changes in one lane, in order), each lane an invocation of its own.
          const lanes = (command.subset % 10) + 1;
          const byLane: DynamoDBRecord[][] = Array.from({ length: lanes }, () => []);
          for (const record of batch) {
            const id = record.dynamodb!.Keys!.RecordID!.S!;
            let hash = 0;
            for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
            byLane[hash % lanes]!.push(record);
          }
          const results = await Promise.all(
            byLane.filter((lane) => lane.length > 0).map((lane) => applyStreamBatch(lane)),
          );
          for (const { batchItemFailures } of results) {
            for (const { itemIdentifier } of batchItemFailures) {
              expect(badSeqs).toContain(itemIdentifier);
            }
          }
          checkpoint += batch.length;
        } else if (command.mode === "duplicate") {
          // The same batch delivered twice at once (a retry racing the original).
          const results = await Promise.all([applyStreamBatch(batch), applyStreamBatch(batch)]);
          settle(
            batch,
            results.flatMap((r) => r.batchItemFailures),
          );
        } else {
          const from = command.cut % (checkpoint + 1);
          const replayed = log.slice(from, from + command.size);
          const { batchItemFailures } = await applyStreamBatch(replayed);
          for (const { itemIdentifier } of batchItemFailures)
            expect(badSeqs).toContain(itemIdentifier);
        }
        break;
      }
    }
  }

  await pull();
  while (checkpoint < log.length) {
    const batch = log.slice(checkpoint, checkpoint + 10);
    settle(batch, (await applyStreamBatch(batch)).batchItemFailures);
  }

  const records = await scanRecords(new Set(names));
  for (const name of names) {
    const mine = records.filter((r) => r.PlayerName === name && typeof r.Score === "number");
    const aggregate = await readAggregateItem({ playerName: name, period: "ALL" });
    if (mine.length === 0) {
      expect(aggregate?.GamesPlayed ?? 0, name).toBe(0);
      expect(aggregate?.TotalScore, name).toBeUndefined();
      continue;
    }
    // Spelled out rather than the store's summaryOf: the oracle shares no code with what it checks.
    const latest = mine.reduce((a, b) =>
      `${b.CreatedAt as string}|${b.RecordID as string}` >
      `${a.CreatedAt as string}|${a.RecordID as string}`
        ? b
        : a,
    );
    expect(
      {
        TotalScore: aggregate?.TotalScore,
        GamesPlayed: aggregate?.GamesPlayed,
        BestScore: aggregate?.BestScore,
        LastScore: aggregate?.LastScore,
      },
      name,
    ).toEqual({
      TotalScore: mine.reduce((sum, r) => sum + (r.Score as number), 0),
      GamesPlayed: mine.length,
      BestScore: Math.max(...mine.map((r) => r.Score as number)),
      LastScore: latest.Score,
    });
  }
}

async function scanRecords(players: Set<string>) {
  const items: Record<string, unknown>[] = [];
  const pages = paginateScan(
    { client: documentClient() },
    { TableName: tableName("GameScoreRecords") },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      if (players.has(item.PlayerName as string)) items.push(item);
    }
  }
  return items;
}

test("aggregates equal a recompute from the final records under at-least-once delivery", async () => {
  vi.spyOn(console, "warn").mockImplementation(() => {});
  await fc.assert(fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: 30 }), check), {
    numRuns: 60,
  });
}, 240_000);
