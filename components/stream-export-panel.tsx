"use client";

import type { InspectorRecord } from "@streamboard/core/contract";
import { useRef, useState } from "react";
import { Button } from "./button";
import { ApiError } from "./lib/api-client";
import { formatScore } from "./lib/format";
import {
  EXPORT_CAP,
  collectExport,
  downloadText,
  exportFileName,
  exportText,
  type ExportFormat,
  type ExportProgress,
  type ExportRange,
} from "./lib/stream-export";
import type { StreamFilters } from "./lib/stream-query";

export interface StreamExportProps {
  filters: StreamFilters;
  /** The window, newest first. */
  records: readonly InspectorRecord[];
}

/**
 * Export the filtered records as NDJSON or JSON: the loaded range (the window's newest to its
 * oldest record) or everything the log keeps, read again from the server page by page.
 */
export function StreamExportPanel({ filters, records }: StreamExportProps) {
  const [format, setFormat] = useState<ExportFormat>("ndjson");
  const [range, setRange] = useState<ExportRange>("window");
  const [progress, setProgress] = useState<ExportProgress | undefined>(undefined);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const abort = useRef<AbortController | undefined>(undefined);

  async function run() {
    const controller = new AbortController();
    abort.current = controller;
    setMessage(undefined);
    setProgress({ records: 0, pages: 0 });
    try {
      const result = await collectExport({
        filters,
        range,
        window: records,
        onProgress: setProgress,
        signal: controller.signal,
      });
      if (controller.signal.aborted) return;
      downloadText(exportText(result.records, format), exportFileName(filters, format), format);
      setMessage(
        `${formatScore(result.records.length)} records exported` +
          (result.capped ? ` (stopped at the cap of ${formatScore(EXPORT_CAP)})` : "") +
          ".",
      );
    } catch (e) {
      setMessage(
        controller.signal.aborted
          ? "Export cancelled."
          : `Export failed: ${e instanceof ApiError ? e.message : String(e)}`,
      );
    } finally {
      abort.current = undefined;
      setProgress(undefined);
    }
  }

  const radio = "h-3.5 w-3.5 accent-indigo-600";
  return (
    <div
      id="stream-export"
      role="group"
      aria-label="Export records"
      className="absolute right-0 z-30 mt-2 w-72 space-y-3 rounded-xl bg-white p-4 text-[13px] shadow-lg ring-1 ring-slate-200"
    >
      <fieldset className="space-y-1">
        <legend className="mb-1 text-[11px] font-medium uppercase tracking-wider text-slate-400">
          Range (with the current filters)
        </legend>
        <label className="flex items-center gap-2">
          <input
            type="radio"
            className={radio}
            checked={range === "window"}
            onChange={() => setRange("window")}
          />
          The loaded range ({formatScore(records.length)} shown)
        </label>
        <label className="flex items-center gap-2">
          <input
            type="radio"
            className={radio}
            checked={range === "retained"}
            onChange={() => setRange("retained")}
          />
          Everything the log keeps
        </label>
      </fieldset>
      <fieldset className="flex gap-4">
        <legend className="mb-1 text-[11px] font-medium uppercase tracking-wider text-slate-400">
          Format
        </legend>
        <label className="flex items-center gap-2">
          <input
            type="radio"
            className={radio}
            checked={format === "ndjson"}
            onChange={() => setFormat("ndjson")}
          />
          NDJSON
        </label>
        <label className="flex items-center gap-2">
          <input
            type="radio"
            className={radio}
            checked={format === "json"}
            onChange={() => setFormat("json")}
          />
          JSON
        </label>
      </fieldset>
      <p className="text-[11px] text-slate-500">
        At most {formatScore(EXPORT_CAP)} records, newest first.
      </p>
      <div className="flex items-center gap-2">
        {progress ? (
          <>
            <span className="flex-1 tabular-nums text-slate-600" data-testid="export-progress">
              Reading… {formatScore(progress.records)} records, {progress.pages} pages
            </span>
            <Button variant="secondary" size="sm" onClick={() => abort.current?.abort()}>
              Cancel
            </Button>
          </>
        ) : (
          <Button
            size="sm"
            onClick={() => void run()}
            disabled={range === "window" && records.length === 0}
          >
            Download {format === "json" ? "JSON" : "NDJSON"}
          </Button>
        )}
      </div>
      {message && (
        <p className="text-[12px] text-slate-600" role="status" data-testid="export-message">
          {message}
        </p>
      )}
    </div>
  );
}
