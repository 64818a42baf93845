/**
 * `npm run reconcile [-- --fix]`: recomputes every player's aggregate from GameScoreRecords and
 * compares it with GameScoresByUser (core's `reconcile`). Prints the drift as a table and exits 1
 * when there is any, 0 when clean; `--fix` repairs it, safely even while the runner is live.
 *
 * It talks to a running `npm run dev` (DYNAMODB_ENDPOINT, else 127.0.0.1:$DYNAMODB_PORT, 8000).
 */
import { parseArgs } from "node:util";
import {
  reconcile,
  type AggregateDrift,
  type ReconcileProgress,
  type ReconcileReport,
} from "@streamboard/core/reconcile";
import { dynamo } from "@streamboard/core/infra";
import { outdatedTables, rebuildTable } from "./bootstrap.ts";
import { connectToStack, formatCount, formatTable, startProgress } from "./operator-cli.ts";
import { processIo, runAsMain, runCommand, UserError, type Io, type Output } from "./cli.ts";

export const usage = `usage: npm run reconcile [-- --fix]

  Recomputes every player's aggregate (TotalScore, GamesPlayed, BestScore, LastScore) from the
  score records and compares it with GameScoresByUser. Exits 1 on drift, 0 when clean.

  --fix            repair the drift with conditional writes (safe while \`npm run dev\` runs)
  --settle-ms N    a difference must last this long to count as drift, not lag (default 1000)

  Talks to a running \`npm run dev\`: env DYNAMODB_ENDPOINT, else 127.0.0.1:$DYNAMODB_PORT (8000).`;

export function parseReconcileArgs(argv: string[]): {
  fix: boolean;
  settleMs: number;
  help: boolean;
} {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        fix: { type: "boolean", default: false },
        "settle-ms": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  const raw = values["settle-ms"] ?? "1000";
  if (!/^\d+$/.test(raw)) throw new UserError(`--settle-ms takes milliseconds, got "${raw}"`);
  return { fix: values.fix, settleMs: Number(raw), help: values.help };
}

const PHASES: Record<ReconcileProgress["phase"], string> = {
  count: "counting records",
  records: "scanning records",
  aggregates: "scanning aggregates",
  recheck: "re-reading differences",
  fix: "fixing",
};

export function driftTable(drift: AggregateDrift[]): string {
  const rows = drift.flatMap((d) =>
    d.fields.map((f) => [
      d.playerName,
      d.period,
      f.field,
      f.aggregate,
      f.records,
      f.aggregate !== undefined && f.records !== undefined
        ? `${f.aggregate - f.records > 0 ? "+" : ""}${f.aggregate - f.records}`
        : f.aggregate === undefined
          ? "missing"
          : "extra",
    ]),
  );
  return formatTable(["player", "period", "field", "aggregate", "records", "drift"], rows);
}

function printReport(report: ReconcileReport, fix: boolean, out: Output): number {
  out.write(
    `Compared ${formatCount(report.compared)} aggregate(s) with ${formatCount(report.records)} ` +
      `score record(s) in ${(report.durationMs / 1000).toFixed(1)} s.\n`,
  );
  if (report.undecodable.length > 0) {
    out.write(
      `\n${report.undecodable.length} record(s) cannot be decoded; they are not counted ` +
        `(fix or delete them):\n` +
        `${formatTable(
          ["record", "player", "problem"],
          report.undecodable.map((u) => [u.recordId, u.playerName, u.problem]),
        )}\n`,
    );
  }
  if (report.legacy.length > 0) {
    out.write(
      `\n${report.legacy.length} aggregate(s) still carry their redelivery marks on the item ` +
        `(from before AggregatorMarks)${fix ? "; moved to markers" : ": `--fix` moves them to markers"}.\n`,
    );
  }
  if (report.drift.length === 0) {
    out.write("\nNo drift: every aggregate equals the sum of its records.\n");
    if (report.legacy.length === 0) return 0;
    if (!fix) return 1;
    out.write(`Rewrote ${report.fixed.length} aggregate(s).\n`);
    return report.unfixed.length > 0 ? 1 : 0;
  }
  out.write(`\nDrift in ${report.drift.length} aggregate(s):\n${driftTable(report.drift)}\n`);
  if (!fix) {
    out.write("\nRun `npm run reconcile -- --fix` to repair it.\n");
    return 1;
  }
  out.write(`\nFixed ${report.fixed.length} aggregate(s).\n`);
  if (report.unfixed.length > 0) {
    out.write(`Still drifting after the fix (run it again):\n${driftTable(report.unfixed)}\n`);
    return 1;
  }
  return 0;
}

export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runCommand(argv, io, {
    usage,
    parse: parseReconcileArgs,
    run: async (options) => {
      const endpoint = await connectToStack();
      // A data dir from before AggregatorMarks: its board index projects everything, marks too.
      const outdated = await outdatedTables(dynamo());
      if (outdated.length > 0 && !options.fix) {
        io.out.write(
          `${outdated.join(", ")} is from an older version (its index projects other ` +
            `attributes): run \`npm run reconcile -- --fix\` to rebuild it from the records.\n`,
        );
        return 1;
      }
      for (const id of outdated) {
        io.err.write(`Rebuilding ${id} with its current definition; the fix refills it…\n`);
        await rebuildTable(dynamo(), id);
      }
      io.err.write(`Reconciling aggregates at ${endpoint}${options.fix ? " (--fix)" : ""}…\n`);
      let last: ReconcileProgress | undefined;
      let progress: ReturnType<typeof startProgress> | undefined;
      const report = await reconcile({
        fix: options.fix,
        settleMs: options.settleMs,
        onProgress: (p) => {
          // A new phase, or another round of the same one.
          if (p.phase !== last?.phase || p.done < last.done) {
            progress?.finish();
            const unit = p.phase === "records" || p.phase === "count" ? "records" : "aggregates";
            progress = startProgress(PHASES[p.phase], io.err, unit);
          }
          last = p;
          progress!.update(p.done, p.total);
        },
      });
      progress?.finish();
      return printReport(report, options.fix, io.out);
    },
  });
}

await runAsMain(import.meta.url, main);
