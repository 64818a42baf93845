"use client";

import {
  ReapplyResult,
  type AggregateEffect,
  type InspectorRecord,
} from "@streamboard/core/contract";
import { useEffect, useRef, useState } from "react";
import { Alert } from "./alert";
import { Button } from "./button";
import { EventBadge } from "./event-badge";
import { PencilIcon, TrashIcon } from "./icons";
import { ImageDiff } from "./image-diff";
import { ApiError, fetchJson } from "./lib/api-client";
import { formatScore, utcOffsetLabel } from "./lib/format";

interface StreamRecordViewProps {
  /** The record, once known (from the window at once, then fresh from the API). */
  record: InspectorRecord | undefined;
  logId: string;
  error: ApiError | undefined;
  /** The page's URL that opens this record. */
  link: string;
  onClose: () => void;
  onEdit: (record: InspectorRecord) => void;
  onDeleted: (recordId: string) => void;
  onReapplied: () => void;
  onShowHistory: (recordId: string) => void;
}

const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

function When({ iso, label }: { iso: string; label: string }) {
  const date = new Date(iso);
  const valid = !Number.isNaN(date.getTime());
  return (
    <div className="min-w-0">
      <dt className="text-[10px] font-medium uppercase tracking-wider text-slate-400">{label}</dt>
      <dd className="font-mono text-[12px] text-slate-800">
        <span data-testid={`${label.toLowerCase().replace(/\W+/g, "-")}-utc`}>{iso}</span>
        {valid && (
          <span className="block text-slate-500">
            {date.toLocaleString("en-GB", { hour12: false })} local ({localZone()},{" "}
            {utcOffsetLabel(date)})
          </span>
        )}
      </dd>
    </div>
  );
}

const change = (before: number | null | undefined, after: number | null | undefined) => {
  const text = (n: number | null | undefined) =>
    n === null || n === undefined ? "—" : formatScore(n);
  return before === after ? text(after) : `${text(before)} → ${text(after)}`;
};

const rankText = (n: number | null | undefined) =>
  n === undefined ? "?" : n === null ? "—" : `#${n}`;

function Effects({ changes }: { changes: AggregateEffect[] }) {
  if (changes.length === 0) {
    return (
      <p className="text-[13px] text-slate-600">
        Applied; it changed nothing the board holds (e.g. only a nickname).
      </p>
    );
  }
  return (
    <div className="overflow-x-auto rounded-lg ring-1 ring-slate-200">
      <table className="w-full text-[12px]" data-testid="record-effects">
        <thead className="bg-slate-50 text-left text-[10px] uppercase tracking-wider text-slate-500">
          <tr>
            <th className="px-3 py-1.5 font-medium">Player</th>
            <th className="px-3 py-1.5 font-medium">Period</th>
            <th className="px-3 py-1.5 font-medium">Total</th>
            <th className="px-3 py-1.5 font-medium">Games</th>
            <th className="px-3 py-1.5 font-medium">Rank</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 font-mono tabular-nums">
          {changes.map((c) => (
            <tr
              key={`${c.playerName}#${c.period}`}
              data-period={c.period}
              data-player={c.playerName}
            >
              <td className="px-3 py-1.5 font-sans text-slate-900">{c.playerName}</td>
              <td className="px-3 py-1.5 text-slate-500">{c.period}</td>
              <td className="px-3 py-1.5" data-testid="effect-total">
                {change(c.totalBefore, c.totalAfter)}
              </td>
              <td className="px-3 py-1.5">{change(c.gamesBefore, c.gamesAfter)}</td>
              <td className="px-3 py-1.5" data-testid="effect-rank">
                {c.rankBefore === c.rankAfter
                  ? rankText(c.rankAfter)
                  : `${rankText(c.rankBefore)} → ${rankText(c.rankAfter)}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState<"copied" | "failed" | undefined>(undefined);
  useEffect(() => {
    if (!done) return;
    const id = globalThis.setTimeout(() => setDone(undefined), 2000);
    return () => globalThis.clearTimeout(id);
  }, [done]);
  return (
    <Button
      variant="secondary"
      size="sm"
      onClick={() => {
        navigator.clipboard.writeText(text).then(
          () => setDone("copied"),
          () => setDone("failed"),
        );
      }}
    >
      {done === "copied" ? "Copied" : done === "failed" ? "Copy failed" : label}
    </Button>
  );
}

/**
 * One stream record, whole: its event and times (UTC and local), keys, the old/new image diff,
 * what the aggregator did with it (per player and period, total and rank before → after; or why
 * it was quarantined), the raw JSON, and the operator's actions on it.
 */
export function StreamRecordView({
  record,
  logId,
  error,
  link,
  onClose,
  onEdit,
  onDeleted,
  onReapplied,
  onShowHistory,
}: StreamRecordViewProps) {
  const panel = useRef<HTMLDivElement>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState<"delete" | "reapply" | "acknowledge" | undefined>(undefined);
  const [result, setResult] = useState<{ tone: "success" | "error" | "info"; text: string }>();

  async function remove(recordId: string) {
    setBusy("delete");
    try {
      await fetchJson(`/api/scores/${encodeURIComponent(recordId)}`, { method: "DELETE" });
      setConfirming(false);
      setResult({ tone: "success", text: "Deleted: its REMOVE is on its way through the stream." });
      onDeleted(recordId);
    } catch (e) {
      setResult({ tone: "error", text: e instanceof ApiError ? e.message : "Could not delete." });
    } finally {
      setBusy(undefined);
    }
  }

  async function reapply() {
    setBusy("reapply");
    try {
      const answer = await fetchJson(
        `/api/stream/records/${encodeURIComponent(logId)}/reapply`,
        { method: "POST" },
        ReapplyResult,
      );
      setResult(
        answer.outcome === "applied"
          ? { tone: "success", text: "Re-applied: the aggregator counted it now." }
          : answer.outcome === "already_applied"
            ? { tone: "info", text: "Already applied: it had counted before; nothing changed." }
            : {
                tone: "error",
                text: `Still cannot be applied${answer.reason ? `: ${answer.reason}` : "."}`,
              },
      );
      onReapplied();
    } catch (e) {
      setResult({ tone: "error", text: e instanceof ApiError ? e.message : "Could not re-apply." });
    } finally {
      setBusy(undefined);
    }
  }

  /** A quarantined record's failure: kept, hidden from the failures list (its id is the eventID). */
  async function acknowledge(eventId: string) {
    setBusy("acknowledge");
    try {
      await fetchJson(`/api/failures/${encodeURIComponent(eventId)}/acknowledge`, {
        method: "POST",
      });
      setResult({
        tone: "success",
        text: "Acknowledged: kept, and hidden from the failures list.",
      });
    } catch (e) {
      setResult({
        tone: "error",
        text: e instanceof ApiError ? e.message : "Could not acknowledge.",
      });
    } finally {
      setBusy(undefined);
    }
  }

  const outcome = record?.aggregator;
  return (
    <div
      ref={panel}
      role="dialog"
      aria-label="Stream record"
      data-testid="record-view"
      data-log-id={logId}
      className="fixed inset-y-0 right-0 z-40 flex w-full max-w-xl flex-col border-l border-slate-200 bg-white shadow-2xl"
    >
      <header className="flex items-center gap-3 border-b border-slate-100 px-5 py-3">
        {record && <EventBadge eventName={record.eventName} />}
        <h2 className="min-w-0 flex-1 truncate font-mono text-[13px] font-semibold text-slate-900">
          {record ? record.recordId || "(no RecordID)" : "Stream record"}
        </h2>
        <Button variant="ghost" size="sm" onClick={onClose} aria-label="Close the record view">
          Close <kbd className="ml-1 text-[10px] text-slate-400">Esc</kbd>
        </Button>
      </header>
      <div className="min-h-0 flex-1 space-y-5 overflow-y-auto px-5 py-4">
        {error && !record && (
          <Alert tone="error" title="Could not read the record">
            {error.status === 404 ? "The stream log no longer keeps this record." : error.message}
          </Alert>
        )}
        {!record && !error && (
          <div className="h-40 animate-pulse rounded-lg bg-slate-50" aria-busy="true" />
        )}
        {result && <Alert tone={result.tone}>{result.text}</Alert>}
        {record && (
          <>
            <div className="flex flex-wrap gap-2">
              {/* A REMOVE's record is gone: nothing left to edit or delete. */}
              {record.recordId && record.eventName !== "REMOVE" && (
                <>
                  <Button variant="secondary" size="sm" onClick={() => onEdit(record)}>
                    <PencilIcon width={14} height={14} /> Edit
                  </Button>
                  {!confirming ? (
                    <Button
                      variant="secondary"
                      size="sm"
                      className="hover:!bg-rose-50 hover:!text-rose-700"
                      onClick={() => setConfirming(true)}
                    >
                      <TrashIcon width={14} height={14} /> Delete
                    </Button>
                  ) : (
                    <span className="inline-flex items-center gap-1.5 rounded-md bg-rose-50 px-2 py-1">
                      <span className="text-xs text-rose-800">Delete this record?</span>
                      <Button variant="secondary" size="sm" onClick={() => setConfirming(false)}>
                        Cancel
                      </Button>
                      <Button
                        variant="danger"
                        size="sm"
                        busy={busy === "delete"}
                        onClick={() => void remove(record.recordId)}
                      >
                        Confirm delete
                      </Button>
                    </span>
                  )}
                </>
              )}
              <Button
                variant="secondary"
                size="sm"
                busy={busy === "reapply"}
                onClick={() => void reapply()}
                title="Run this record through the aggregator again: it counts once, however often"
              >
                Re-apply
              </Button>
              {outcome?.outcome === "quarantined" && (
                <Button
                  variant="secondary"
                  size="sm"
                  busy={busy === "acknowledge"}
                  onClick={() => void acknowledge(record.eventID)}
                  title="Keep the failure, hide it from the failures list, with who and when"
                >
                  Acknowledge failure
                </Button>
              )}
              {record.recordId && (
                <Button
                  variant="secondary"
                  size="sm"
                  onClick={() => onShowHistory(record.recordId)}
                >
                  Show this record&apos;s history
                </Button>
              )}
              <CopyButton text={JSON.stringify(record, null, 2)} label="Copy JSON" />
              <CopyButton text={link} label="Copy link" />
            </div>

            <section aria-label="What it changed on the board" data-testid="record-outcome">
              <h3 className="mb-2 text-[13px] font-semibold text-slate-900">
                What it changed on the board
              </h3>
              {!outcome ? (
                <p className="text-[13px] text-slate-500" data-outcome="pending">
                  Not yet applied: the aggregator has not reported on it.
                </p>
              ) : outcome.outcome === "quarantined" ? (
                <div className="space-y-2">
                  <Alert tone="error" title="Quarantined">
                    <span data-outcome="quarantined">{outcome.reason}</span>
                  </Alert>
                  {/* A bad new state still leaves the aggregates its old state counted in. */}
                  {outcome.changes && outcome.changes.length > 0 && (
                    <>
                      <p className="text-[12px] text-slate-500">What it did apply:</p>
                      <Effects changes={outcome.changes} />
                    </>
                  )}
                </div>
              ) : (
                <div data-outcome="applied">
                  <Effects changes={outcome.changes} />
                </div>
              )}
            </section>

            <dl className="grid grid-cols-1 gap-3 sm:grid-cols-2">
              <When iso={record.approximateCreationDateTime} label="Stream time" />
              <When iso={record.loggedAt} label="Logged at" />
              <div className="min-w-0 sm:col-span-2">
                <dt className="text-[10px] font-medium uppercase tracking-wider text-slate-400">
                  Stream
                </dt>
                <dd className="grid grid-cols-[7rem_1fr] gap-x-2 font-mono text-[11px] text-slate-700">
                  <span className="text-slate-400">eventID</span>
                  <span className="break-all">{record.eventID}</span>
                  <span className="text-slate-400">sequence</span>
                  <span className="break-all">{record.sequenceNumber}</span>
                  {record.shardId && (
                    <>
                      <span className="text-slate-400">shard</span>
                      <span className="break-all">{record.shardId}</span>
                    </>
                  )}
                  {record.streamArn && (
                    <>
                      <span className="text-slate-400">stream ARN</span>
                      <span className="break-all">{record.streamArn}</span>
                    </>
                  )}
                  <span className="text-slate-400">view type</span>
                  <span>{record.streamViewType}</span>
                  <span className="text-slate-400">size</span>
                  <span>{record.sizeBytes} B</span>
                  <span className="text-slate-400">keys</span>
                  <span className="break-all">{JSON.stringify(record.keys)}</span>
                  <span className="text-slate-400">log id</span>
                  <span className="break-all">{record.logId}</span>
                </dd>
              </div>
            </dl>

            <section aria-label="Images">
              <h3 className="mb-2 text-[13px] font-semibold text-slate-900">Images</h3>
              {record.imagesOmitted ? (
                <p className="text-[13px] text-slate-500">
                  The images were too large for the log (over 300 KB) and were not kept.
                </p>
              ) : (
                <ImageDiff record={record} />
              )}
            </section>

            <details>
              <summary className="cursor-pointer text-[13px] font-semibold text-slate-900">
                Raw JSON
              </summary>
              <pre
                className="mt-2 max-h-96 overflow-auto rounded-lg bg-slate-900 p-3 font-mono text-[11px] leading-relaxed text-slate-100"
                data-testid="record-json"
              >
                {JSON.stringify(record, null, 2)}
              </pre>
            </details>
          </>
        )}
      </div>
    </div>
  );
}
