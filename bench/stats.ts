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
  const rows = [
    ["bench", "metric", "value", "unit", "note"],
    ...results.map((r) => [r.bench, r.metric, String(r.value), r.unit, r.note ?? ""]),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, col) => cell.padEnd(widths[col]!)).join(" | ")} |`;
  return [
    line(rows[0]!),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.slice(1).map(line),
  ].join("\n");
}
