/**
 * `npm run replay -- --from trim-horizon` (or `--since 10m`, `--since 2h`): delivers the records
 * of GameScoreRecords' stream to the aggregator again, in batches of the subscription's size, one
 * shard at a time in stream order, as Lambda would. Aggregates do not move for what they already
 * hold (the aggregator's per-record marks skip redeliveries); what they missed (records the
 * runner gave up on while the engine was down, say) is applied now.
 *
 * It talks to a running `npm run dev` (DYNAMODB_ENDPOINT, else 127.0.0.1:$DYNAMODB_PORT, 8000).
 */
import { parseArgs } from "node:util";
import { describeRecordProblem } from "@streamboard/core/ops";
import { aggregatorSubscription } from "@streamboard/core/aggregator";
import type { DynamoDBRecord } from "aws-lambda";
import { connectToStack, formatCount, formatTable, startProgress } from "./operator-cli.ts";
import { processIo, runAsMain, runCommand, UserError, type Io } from "./cli.ts";
import { readStreamHistory, toLambdaRecord } from "@streamboard/core/stream";
import {
  BatchQueue,
  batchSettings,
  errorOutcome,
  interpretResponse,
  type Outcome,
  type PolicyRecord,
} from "./runner/batch-policy.ts";
import type { StreamHandler } from "./runner/types.ts";

/*
 * Replay delivers with the subscription's batch policy (batch size, partial batches, bisect,
 * backoff), with two changes: an operator is waiting at a terminal, so a record that keeps failing
 * is reported after a few retries (a later replay or reconcile picks it up), and age does not
 * count, since replaying old records is the point.
 */
const MAX_RETRIES = 3;
const RETRY_BACKOFF = { initialMs: 200, maxMs: 2000 };

export interface ReplayOptions {
  /** Only records at most this old (by ApproximateCreationDateTime); omit for all of them. */
  sinceMs?: number;
  /** Default: the aggregator. */
  handler?: StreamHandler;
  /** Default: the subscription's batch size. */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  /** Milliseconds since the epoch, for `sinceMs`. */
  now?: number;
}

export interface ReplayProblem {
  recordId: string;
  sequenceNumber: string;
  reason: string;
}

export interface ReplayResult {
  streamArn: string | undefined;
  /** Records delivered (the undecodable and failed ones included). */
  records: number;
  invocations: number;
  /** Records the aggregator can never apply; skipped (they are in the runner's failures too). */
  undecodable: ReplayProblem[];
  /** Records that still failed after the retries (e.g. the engine stopped answering). */
  failed: ReplayProblem[];
  durationMs: number;
}

const problemOf = (record: DynamoDBRecord, reason: string): ReplayProblem => ({
  recordId: record.dynamodb?.Keys?.RecordID?.S ?? "",
  sequenceNumber: record.dynamodb?.SequenceNumber ?? "",
  reason,
});

export async function replayStream(options: ReplayOptions = {}): Promise<ReplayResult> {
  const started = performance.now();
  const handler = options.handler ?? (await import("@streamboard/functions/aggregator")).handler;
  const settings = {
    ...batchSettings(aggregatorSubscription),
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    maxRetries: MAX_RETRIES,
    maxRecordAgeMs: -1,
  };
  const history = await readStreamHistory();
  const cutoff =
    options.sinceMs === undefined ? undefined : (options.now ?? Date.now()) - options.sinceMs;
  const shards = (history?.shards ?? []).map((shard) =>
    shard.records
      .filter(
        (record) =>
          cutoff === undefined ||
          (record.dynamodb?.ApproximateCreationDateTime?.getTime() ?? 0) >= cutoff,
      )
      .map((raw) => {
        const record = toLambdaRecord(raw, history!.streamArn);
        return {
          record,
          sequenceNumber: record.dynamodb?.SequenceNumber ?? "",
          createdAtMs: raw.dynamodb?.ApproximateCreationDateTime?.getTime() ?? 0,
          bytes: Buffer.byteLength(JSON.stringify(record)),
        };
      }),
  );
  const total = shards.reduce((sum, records) => sum + records.length, 0);
  const result: ReplayResult = {
    streamArn: history?.streamArn,
    records: 0,
    invocations: 0,
    undecodable: [],
    failed: [],
    durationMs: 0,
  };

  for (const records of shards) {
    const batches = new BatchQueue<Replayed>(settings, RETRY_BACKOFF);
    batches.add(records);
    await deliverShard(batches, handler, result, () => options.onProgress?.(result.records, total));
  }
  result.durationMs = Math.round(performance.now() - started);
  return result;
}

type Replayed = PolicyRecord & { record: DynamoDBRecord };

/**
 * One shard's records, by the batch policy. A record the aggregator can never decode is set
 * aside at its first failure (retrying it changes nothing); another is reported once the policy
 * gives up on it.
 */
async function deliverShard(
  batches: BatchQueue<Replayed>,
  handler: StreamHandler,
  result: ReplayResult,
  progress: () => void,
): Promise<void> {
  for (;;) {
    const step = batches.next(Date.now());
    if (step.kind === "idle") return;
    if (step.kind === "give_up") {
      for (const { record } of step.records) {
        result.failed.push(problemOf(record, step.lastError ?? "retries exhausted"));
      }
      result.records += step.records.length;
      progress();
      continue;
    }
    if (step.attempt > 1) {
      const problem = describeRecordProblem(step.batch[0]!.record);
      if (problem) {
        // Only the head is set aside; the rest of the batch goes on as a fresh one.
        const [head] = batches.skipHead();
        result.undecodable.push(problemOf(head!.record, problem));
        result.records++;
        progress();
        continue;
      }
    }
    if (step.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, step.delayMs));
    result.invocations++;
    let outcome: Outcome;
    try {
      const response = await handler({ Records: structuredClone(step.batch.map((b) => b.record)) });
      outcome = interpretResponse(response, step.batch, batches.settings.reportBatchItemFailures);
    } catch (error) {
      outcome = errorOutcome(error);
    }
    const { done } = batches.settle(outcome);
    result.records += done.length;
    if (done.length > 0) progress();
  }
}

// --- the command ----------------------------------------------------------------------------------

export const usage = `usage: npm run replay -- --from trim-horizon | --since <age>

  Delivers GameScoreRecords' stream again to the aggregator, in batches of the subscription's
  size. Aggregates do not move for records they already hold; records they missed are applied.

  --from trim-horizon   everything the stream still holds (up to 24 hours)
  --since <age>         records written in the last <age>: 90s, 10m, 2h, 1d

  Talks to a running \`npm run dev\`: env DYNAMODB_ENDPOINT, else 127.0.0.1:$DYNAMODB_PORT (8000).`;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The options of the command; throws UserError on bad flags. */
export function parseReplayArgs(argv: string[]): {
  sinceMs?: number;
  /** What is replayed, in words. */
  scope: string;
  help: boolean;
} {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        from: { type: "string" },
        since: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  if (values.help) return { scope: "", help: true };
  if (values.from !== undefined && values.since !== undefined) {
    throw new UserError("--from and --since exclude each other");
  }
  if (values.from !== undefined) {
    if (values.from.toLowerCase().replace("_", "-") !== "trim-horizon") {
      throw new UserError(`--from takes "trim-horizon", got "${values.from}"`);
    }
    return { scope: "from TRIM_HORIZON", help: false };
  }
  if (values.since !== undefined) {
    const match = /^(\d+)(s|m|h|d)$/.exec(values.since);
    if (!match || Number(match[1]) <= 0) {
      throw new UserError(`--since takes an age such as 90s, 10m, 2h or 1d, got "${values.since}"`);
    }
    return {
      sinceMs: Number(match[1]) * UNITS[match[2]!]!,
      scope: `written in the last ${values.since}`,
      help: false,
    };
  }
  throw new UserError("say what to replay: --from trim-horizon, or --since 10m");
}

export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runCommand(argv, io, {
    usage,
    parse: parseReplayArgs,
    run: async (options) => {
      const endpoint = await connectToStack();
      io.err.write(`Replaying GameScoreRecords' stream (${options.scope}) at ${endpoint}…\n`);
      const progress = startProgress("replay", io.err);
      const result = await replayStream({
        ...(options.sinceMs !== undefined ? { sinceMs: options.sinceMs } : {}),
        onProgress: (done, total) => progress.update(done, total),
      });
      progress.finish();
      if (!result.streamArn) {
        io.out.write("GameScoreRecords has no stream: nothing to replay.\n");
        return 0;
      }
      const seconds = result.durationMs / 1000;
      const rate = seconds > 0 ? Math.round(result.records / seconds) : result.records;
      io.out.write(
        `Replayed ${formatCount(result.records)} records in ${formatCount(result.invocations)} ` +
          `invocations, ${seconds.toFixed(1)} s (${formatCount(rate)} records/s). Records the ` +
          `aggregates already held were skipped by their marks.\n`,
      );
      if (result.undecodable.length > 0) {
        io.out.write(
          `\n${result.undecodable.length} record(s) cannot be applied (bad data; see the ` +
            `failures list and fix or delete the record):\n` +
            `${formatTable(
              ["record", "sequence number", "problem"],
              result.undecodable.map((p) => [p.recordId, p.sequenceNumber, p.reason]),
            )}\n`,
        );
      }
      if (result.failed.length > 0) {
        io.out.write(
          `\n${result.failed.length} record(s) still failed after ${MAX_RETRIES} retries; ` +
            `run the replay again, then \`npm run reconcile\`:\n` +
            `${formatTable(
              ["record", "sequence number", "error"],
              result.failed.map((p) => [p.recordId, p.sequenceNumber, p.reason]),
            )}\n`,
        );
        return 1;
      }
      return 0;
    },
  });
}

await runAsMain(import.meta.url, main);
