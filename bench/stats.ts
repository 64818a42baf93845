export interface BenchResult {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  note?: string;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);

/** A plain-text table: what `npm run bench` prints. */
export function formatTable(results: readonly BenchResult[]): string {
  return formatGrid(
    ["bench", "metric", "value", "unit", "note"],
    results.map((r) => [r.bench, r.metric, String(r.value), r.unit, r.note ?? ""]),
  );
}

/** Any rows under a header, as a plain-text table (columns padded to their widest cell). */
export function formatGrid(
  header: readonly string[],
  body: readonly (readonly string[])[],
): string {
  const rows = [header, ...body];
  const widths = header.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? "").length)));
  const line = (row: readonly string[]) =>
    `| ${widths.map((w, col) => (row[col] ?? "").padEnd(w)).join(" | ")} |`;
  return [
    line(header),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...body.map(line),
  ].join("\n");
}
