/**
 * `npm run replay -- --from trim-horizon` (or `--since 10m`, `--since 2h`): delivers the records
 * of GameScoreRecords' stream to the aggregator again, in batches of the subscription's size, one
 * shard at a time in stream order, as Lambda would. Aggregates do not move for what they already
 * hold (the aggregator's per-record marks skip redeliveries); what they missed (records the
 * runner gave up on while the engine was down, say) is applied now.
 *
 * It talks to a running `npm run dev` (DYNAMODB_ENDPOINT, else 127.0.0.1:$DYNAMODB_PORT, 8000).
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { describeRecordProblem } from "@streamboard/core/ops";
import { readStreamHistory } from "@streamboard/core/reconcile";
import { aggregatorSubscription } from "@streamboard/core/aggregator";
import type { DynamoDBRecord } from "aws-lambda";
import {
  CliError,
  connectToStack,
  formatCount,
  formatTable,
  runCommand,
  startProgress,
  type Io,
} from "./operator-cli.ts";
import { toLambdaRecord } from "@streamboard/core/stream";
import type { StreamHandler } from "./runner/types.ts";

// A failing batch is retried this often (with backoff) before its failing record is reported.
const MAX_RETRIES = 3;

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
  const batchSize = options.batchSize ?? aggregatorSubscription.batchSize;
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
      .map((record) => toLambdaRecord(record, history!.streamArn)),
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
    for (let start = 0; start < records.length; start += batchSize) {
      const batch = records.slice(start, start + batchSize);
      await deliver(batch, handler, result);
      result.records += batch.length;
      options.onProgress?.(result.records, total);
    }
  }
  result.durationMs = Math.round(performance.now() - started);
  return result;
}

/**
 * One batch, with Lambda's partial-batch rules: a reported failure is retried from the lowest
 * failed record. A record the aggregator can never decode is set aside at once (retrying it
 * changes nothing); another failure is retried with backoff, then reported and passed over.
 */
async function deliver(batch: DynamoDBRecord[], handler: StreamHandler, result: ReplayResult) {
  let rest = batch;
  let retries = 0;
  while (rest.length > 0) {
    let failedAt: number;
    let reason: string;
    try {
      result.invocations++;
      const response = await handler({ Records: structuredClone(rest) });
      const failures = response?.batchItemFailures ?? [];
      if (failures.length === 0) return;
      const indexes = failures.map((f) =>
        rest.findIndex((r) => r.dynamodb?.SequenceNumber === f.itemIdentifier),
      );
      failedAt = indexes.includes(-1) ? 0 : Math.min(...indexes);
      reason = "reported as failed by the handler";
    } catch (error) {
      failedAt = 0;
      reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    const record = rest[failedAt]!;
    const problem = describeRecordProblem(record);
    if (problem) {
      result.undecodable.push(problemOf(record, problem));
      rest = rest.slice(failedAt + 1);
      retries = 0;
    } else if (retries < MAX_RETRIES) {
      retries++;
      rest = rest.slice(failedAt);
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** retries));
    } else {
      result.failed.push(problemOf(record, reason));
      rest = rest.slice(failedAt + 1);
      retries = 0;
    }
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

/** The options of the command; throws CliError on bad flags. */
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
    throw new CliError((error as Error).message);
  }
  if (values.help) return { scope: "", help: true };
  if (values.from !== undefined && values.since !== undefined) {
    throw new CliError("--from and --since exclude each other");
  }
  if (values.from !== undefined) {
    if (values.from.toLowerCase().replace("_", "-") !== "trim-horizon") {
      throw new CliError(`--from takes "trim-horizon", got "${values.from}"`);
    }
    return { scope: "from TRIM_HORIZON", help: false };
  }
  if (values.since !== undefined) {
    const match = /^(\d+)(s|m|h|d)$/.exec(values.since);
    if (!match || Number(match[1]) <= 0) {
      throw new CliError(`--since takes an age such as 90s, 10m, 2h or 1d, got "${values.since}"`);
    }
    return {
      sinceMs: Number(match[1]) * UNITS[match[2]!]!,
      scope: `written in the last ${values.since}`,
      help: false,
    };
  }
  throw new CliError("say what to replay: --from trim-horizon, or --since 10m");
}

export function main(
  argv: string[],
  io: Io = { out: process.stdout, err: process.stderr },
): Promise<number> {
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

const invokedDirectly =
  process.argv[1] !== undefined &&
  pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url;
if (invokedDirectly) {
  // Exit explicitly: idle keep-alive sockets of the SDK clients would otherwise hold the process.
  process.exit(await main(process.argv.slice(2)));
}
