/**
 * What the operator commands (`npm run replay`, `npm run reconcile`) share beyond the CLI frame
 * (`cli.ts`): finding the running stack, progress on the terminal, and plain tables.
 */
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { dynamo, isAwsError } from "@streamboard/core/infra";
import { localResourceEnvironment, tableName } from "@streamboard/core/infra";
import { UserError, type Output } from "./cli.ts";
import { localEnv } from "./env.ts";

/** `DYNAMODB_ENDPOINT`, else the engine `npm run dev` starts (on `DYNAMODB_PORT`, 8000). */
export function stackEndpoint(source?: Record<string, string | undefined>): string {
  const env = localEnv(source);
  return env.DYNAMODB_ENDPOINT ?? `http://127.0.0.1:${env.DYNAMODB_PORT ?? 8000}`;
}

/**
 * Points this process at the running stack (its endpoint and the local table names, unless the
 * environment names them already) and checks that it answers, so a missing `npm run dev` is one
 * clear sentence rather than an SDK stack trace after its retries.
 */
export async function connectToStack(): Promise<string> {
  const endpoint = stackEndpoint();
  process.env.DYNAMODB_ENDPOINT = endpoint;
  for (const [name, value] of Object.entries(localResourceEnvironment())) {
    process.env[name] ??= value;
  }
  const table = tableName("GameScoreRecords");
  try {
    await dynamo().send(new DescribeTableCommand({ TableName: table }), {
      abortSignal: AbortSignal.timeout(5000),
    });
  } catch (error) {
    if (isAwsError(error, "ResourceNotFoundException")) {
      throw new UserError(
        `${endpoint} answers but has no ${table} table. Is it the engine of \`npm run dev\`? ` +
          `(DYNAMODB_ENDPOINT / DYNAMODB_PORT choose the endpoint.)`,
      );
    }
    throw new UserError(
      `Nothing answers at ${endpoint}: start the stack first with \`npm run dev\` ` +
        `(or set DYNAMODB_ENDPOINT, or DYNAMODB_PORT if dev runs on another port).`,
    );
  }
  return endpoint;
}

/**
 * Progress of a long step: a redrawn bar on a terminal, a plain line a second otherwise (CI
 * logs, pipes). `total` may be unknown; then it counts.
 */
export function startProgress(label: string, out: Output, unit = "records") {
  const tty = out.isTTY === true;
  const started = performance.now();
  let lastDraw = -Infinity;
  let drawn = false;
  let last: { done: number; total: number | undefined; shown: boolean } | undefined;
  const line = (done: number, total: number | undefined, bar: boolean) => {
    const seconds = (performance.now() - started) / 1000;
    // A rate over the first few milliseconds says nothing.
    const rate = seconds >= 0.2 ? `, ${formatCount(Math.round(done / seconds))} ${unit}/s` : "";
    const count = total ? `${formatCount(done)}/${formatCount(total)}` : formatCount(done);
    const percent = total ? Math.min(100, Math.floor((done / total) * 100)) : undefined;
    const width = 24;
    const filled = total ? Math.min(width, Math.round((done / total) * width)) : 0;
    const head = bar && total ? `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ` : "";
    return `${label}: ${head}${count} ${unit}${percent !== undefined ? ` (${percent}%)` : ""}${rate}`;
  };
  return {
    update(done: number, total?: number) {
      const now = performance.now();
      last = { done, total, shown: false };
      if (now - lastDraw < (tty ? 100 : 1000)) return;
      lastDraw = now;
      last.shown = true;
      if (tty) {
        out.write(`\r\x1b[2K${line(done, total, true)}`);
        drawn = true;
      } else {
        out.write(`${line(done, total, false)}\n`);
      }
    },
    /** Clears the bar (the caller prints the outcome), or logs where a plain log left off. */
    finish() {
      if (tty && drawn) out.write("\r\x1b[2K");
      else if (!tty && last && !last.shown) out.write(`${line(last.done, last.total, false)}\n`);
    },
  };
}

export const formatCount = (n: number) => n.toLocaleString("en-US");

/** Columns padded to their widest cell; numbers right-aligned. */
export function formatTable(headers: string[], rows: (string | number | undefined)[][]): string {
  const cells = rows.map((row) => row.map((cell) => (cell === undefined ? "—" : String(cell))));
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...cells.map((row) => row[i]?.length ?? 0)),
  );
  const numeric = headers.map((_, i) =>
    rows.every((row) => row[i] === undefined || typeof row[i] === "number"),
  );
  const render = (row: string[]) =>
    row
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [render(headers), render(widths.map((w) => "-".repeat(w))), ...cells.map(render)].join(
    "\n",
  );
}

/** A port number from a flag or variable; a UserError naming it otherwise. */
export function parsePort(name: string, raw: string, allowZero: boolean): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535 || (port === 0 && !allowZero)) {
    throw new UserError(`${name} must be a port number${allowZero ? " (or 0)" : ""}, got "${raw}"`);
  }
  return port;
}
