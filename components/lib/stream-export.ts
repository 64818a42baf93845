import { StreamPage, type InspectorRecord } from "@streamboard/core/contract";
import { fetchJson } from "./api-client";
import { filterParams, orderKeyOf, type StreamFilters } from "./stream-query";

/*
 * Export: every record matching the filters over a range, read page by page from GET /api/stream
 * (500 a request, its limit), newest first, at most EXPORT_CAP records; then a file.
 */

export type ExportFormat = "ndjson" | "json";
/** `window`: from the window's newest record to its oldest loaded one; `retained`: all the log keeps. */
export type ExportRange = "window" | "retained";

/** Records in one file at most: about 50 MB of JSON, what a browser tab holds comfortably. */
export const EXPORT_CAP = 50_000;
const PAGE = 500;

export interface ExportProgress {
  records: number;
  pages: number;
}

export interface ExportResult {
  records: InspectorRecord[];
  /** The cap was reached before the range was read to its end. */
  capped: boolean;
}

interface CollectOptions {
  filters: StreamFilters;
  range: ExportRange;
  /** The window, newest first: its ends bound a `window` export. */
  window: readonly InspectorRecord[];
  onProgress?: (progress: ExportProgress) => void;
  signal?: AbortSignal;
  cap?: number;
}

const read = (params: URLSearchParams, signal: AbortSignal | undefined) =>
  fetchJson(`/api/stream?${params.toString()}`, signal ? { signal } : {}, StreamPage);

/** Reads the range's records from the server with the window's filters. */
export async function collectExport({
  filters,
  range,
  window,
  onProgress,
  signal,
  cap = EXPORT_CAP,
}: CollectOptions): Promise<ExportResult> {
  const seen = new Set<string>();
  const records: InspectorRecord[] = [];
  let pages = 0;
  const add = (record: InspectorRecord) => {
    if (seen.has(record.eventID)) return;
    seen.add(record.eventID);
    records.push(record);
  };
  const params = filterParams(filters);
  params.set("limit", String(PAGE));

  if (range === "retained") {
    // Newest first, back with `before` until nothing older is kept.
    for (;;) {
      const page = await read(params, signal);
      pages += 1;
      page.records.forEach(add);
      onProgress?.({ records: records.length, pages });
      if (records.length >= cap) return { records: records.slice(0, cap), capped: true };
      if (!page.before) return { records, capped: false };
      params.set("before", page.before);
    }
  }

  const newest = window[0];
  const oldest = window[window.length - 1];
  if (!newest || !oldest) return { records: [], capped: false };
  const [low, high] = [orderKeyOf(oldest), orderKeyOf(newest)];
  // Oldest first from the window's start (`at` its time), forward with `cursor` past its newest.
  params.set("at", oldest.approximateCreationDateTime);
  for (;;) {
    const page = await read(params, signal);
    pages += 1;
    let passed = false;
    for (const record of [...page.records].reverse()) {
      const key = orderKeyOf(record);
      if (key < low) continue;
      if (key > high) {
        passed = true;
        break;
      }
      add(record);
    }
    onProgress?.({ records: records.length, pages });
    if (records.length >= cap) return { records: records.slice(0, cap).reverse(), capped: true };
    if (passed || !page.newer) return { records: records.reverse(), capped: false };
    params.delete("at");
    params.set("cursor", page.cursor);
  }
}

/** The file's text: one JSON record per line, or one JSON array. */
export function exportText(records: readonly InspectorRecord[], format: ExportFormat): string {
  return format === "json"
    ? `${JSON.stringify(records, null, 2)}\n`
    : records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : "");
}

/** `stream-<filters>-<time>.ndjson`: what was exported, from the name alone. */
export function exportFileName(filters: StreamFilters, format: ExportFormat, now = new Date()) {
  const parts = [...filterParams(filters)].map(([k, v]) => `${k}-${v}`).join("_");
  const safe = parts.replace(/[^A-Za-z0-9_.,-]+/g, "-").slice(0, 80);
  const stamp = now.toISOString().replace(/[:.]/g, "-").slice(0, 19);
  return `stream${safe ? `_${safe}` : ""}_${stamp}.${format}`;
}

/** Hands the text to the browser as a download. */
export function downloadText(text: string, fileName: string, format: ExportFormat) {
  const blob = new Blob([text], {
    type: format === "json" ? "application/json" : "application/x-ndjson",
  });
  const href = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = href;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  globalThis.setTimeout(() => URL.revokeObjectURL(href), 30_000);
}
