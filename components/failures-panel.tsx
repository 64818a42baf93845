"use client";

import { ReapplyResult, type FailureEntry, type FailureState } from "@streamboard/core/contract";
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { Alert } from "./alert";
import { Button } from "./button";
import { Card } from "./card";
import { EditRecordDialog } from "./edit-record-dialog";
import { EmptyState } from "./empty-state";
import { EventBadge } from "./event-badge";
import { CheckIcon } from "./icons";
import { ApiError, fetchJson } from "./lib/api-client";
import { formatAgo, formatClock, humanize } from "./lib/format";
import { useFailures } from "./use-failures";

const causes: Record<FailureEntry["cause"], { label: string; className: string; title: string }> = {
  quarantined: {
    label: "quarantined",
    className: "bg-rose-50 text-rose-700 ring-rose-600/20",
    title:
      "The aggregator can never apply this record: it set it aside at once, and the shard moved on",
  },
  retries_exhausted: {
    label: "retries exhausted",
    className: "bg-rose-50 text-rose-700 ring-rose-600/20",
    title: "Failed on every attempt the subscription allows (maximumRetryAttempts)",
  },
  record_expired: {
    label: "record expired",
    className: "bg-amber-50 text-amber-800 ring-amber-600/25",
    title: "Older than the subscription's maximumRecordAgeInSeconds before it could be applied",
  },
};

const states: Record<FailureState, { label: string; className: string; title: string }> = {
  open: {
    label: "open",
    className: "bg-rose-50 text-rose-700 ring-rose-600/20",
    title: "Not counted on the board: fix the record, re-apply it, or acknowledge it",
  },
  acknowledged: {
    label: "acknowledged",
    className: "bg-slate-100 text-slate-600 ring-slate-500/20",
    title: "An operator set it aside",
  },
  resolved: {
    label: "resolved",
    className: "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
    title: "The record has since been fixed (deleted, or completed and counted)",
  },
};

/** Entries shown; the destination itself keeps every one. */
const LIMIT = 50;

const reapplyText: Record<ReapplyResult["outcome"], string> = {
  applied: "Applied: it counts on the board now.",
  already_applied: "Already applied: its change was in; nothing changed.",
  quarantined: "Still cannot be applied",
};

type Pending = "reapply" | "delete" | "acknowledge" | null;

function FailureRow({
  failure,
  now,
  onEdit,
  onChanged,
}: {
  failure: FailureEntry;
  now: number;
  onEdit: (recordId: string) => void;
  onChanged: () => void;
}) {
  const cause = causes[failure.cause];
  const state = states[failure.state ?? "open"];
  const [confirm, setConfirm] = useState<"delete" | "acknowledge" | null>(null);
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState<Pending>(null);
  const [result, setResult] = useState<{ tone: "success" | "error" | "info"; text: string } | null>(
    null,
  );
  const id = encodeURIComponent(failure.id);
  // A delete or acknowledge removes the control that had the focus: the result takes it.
  const resultRef = useRef<HTMLDivElement>(null);
  const [focusResult, setFocusResult] = useState(0);
  useEffect(() => {
    if (focusResult > 0) resultRef.current?.focus();
  }, [focusResult]);

  async function act(kind: Exclude<Pending, null>, run: () => Promise<string>) {
    setBusy(kind);
    setResult(null);
    try {
      setResult({ tone: "success", text: await run() });
      if (confirm) setFocusResult((n) => n + 1);
      setConfirm(null);
      onChanged();
    } catch (error) {
      setResult({
        tone: "error",
        text: error instanceof ApiError ? humanize(error.message) : "Could not reach the server.",
      });
    } finally {
      setBusy(null);
    }
  }

  const reapply = () =>
    act("reapply", async () => {
      const r = await fetchJson(`/api/failures/${id}/reapply`, { method: "POST" }, ReapplyResult);
      return r.reason ? `${reapplyText[r.outcome]}: ${r.reason}` : reapplyText[r.outcome];
    });
  const remove = () =>
    act("delete", async () => {
      await fetchJson(`/api/scores/${encodeURIComponent(failure.recordId)}`, { method: "DELETE" });
      return "Record deleted: its REMOVE counts nothing, the bad data is gone.";
    });
  const acknowledge = () =>
    act("acknowledge", async () => {
      await fetchJson(`/api/failures/${id}/acknowledge`, {
        method: "POST",
        body: JSON.stringify(note.trim() ? { note: note.trim() } : {}),
      });
      return "Acknowledged.";
    });

  return (
    <article
      className="px-5 py-3.5"
      data-testid="failure"
      data-failure-id={failure.id}
      data-record-id={failure.recordId}
      data-cause={failure.cause}
      data-state={failure.state ?? "open"}
    >
      <header className="flex items-center gap-2">
        <EventBadge eventName={failure.eventName} />
        <span
          className="min-w-0 truncate font-mono text-[12px] text-slate-900"
          title={failure.recordId || "No RecordID in the record's keys"}
        >
          {failure.recordId || "—"}
        </span>
        <span
          className={`shrink-0 rounded px-1.5 py-px text-[11px] font-medium ring-1 ring-inset ${state.className}`}
          title={state.title}
          data-testid="failure-state"
        >
          {state.label}
        </span>
        <time
          className="ml-auto shrink-0 text-xs tabular-nums text-slate-400"
          dateTime={failure.time}
          title={`Given up at ${failure.time}`}
        >
          {now > 0 ? formatAgo(failure.time, now) : formatClock(failure.time)}
        </time>
      </header>
      <p className="mt-1.5 flex flex-wrap gap-x-4 gap-y-0.5 font-mono text-[11px] text-slate-400">
        <span title="Sequence number">
          seq <span className="text-slate-600">{failure.sequenceNumber}</span>
        </span>
        {failure.shardId && (
          <span title={failure.shardId}>
            shard <span className="text-slate-600">…{failure.shardId.slice(-8)}</span>
          </span>
        )}
      </p>
      <div className="mt-2 rounded-md bg-slate-50 px-2.5 py-2 ring-1 ring-inset ring-slate-200">
        <p className="flex flex-wrap items-center gap-x-2 gap-y-1 text-[11px] text-slate-500">
          <span
            className={`rounded px-1.5 py-px font-medium ring-1 ring-inset ${cause.className}`}
            title={cause.title}
          >
            {cause.label}
          </span>
          <span className="tabular-nums">
            {failure.attempts} {failure.attempts === 1 ? "attempt" : "attempts"}
          </span>
        </p>
        <p
          className="mt-1.5 break-words font-mono text-[11.5px] leading-relaxed text-rose-800"
          data-testid="failure-reason"
        >
          {failure.reason}
        </p>
      </div>
      {failure.acknowledged && (
        <p className="mt-1.5 text-[11.5px] text-slate-500" data-testid="failure-acknowledged">
          Acknowledged by{" "}
          <span className="font-medium text-slate-700">{failure.acknowledged.by}</span>{" "}
          <time dateTime={failure.acknowledged.at} title={failure.acknowledged.at}>
            {now > 0
              ? formatAgo(failure.acknowledged.at, now)
              : formatClock(failure.acknowledged.at)}
          </time>
          {failure.acknowledged.note && <> · “{failure.acknowledged.note}”</>}
        </p>
      )}
      <div className="mt-2 flex flex-wrap items-center gap-1.5" data-testid="failure-actions">
        {failure.logId && (
          <Link
            className="rounded-md px-2 py-1 text-xs font-medium text-indigo-700 hover:bg-indigo-50"
            href={`/inspector?record=${encodeURIComponent(failure.logId)}`}
          >
            Open in inspector
          </Link>
        )}
        {failure.recordId && (
          <Link
            className="rounded-md px-2 py-1 text-xs font-medium text-indigo-700 hover:bg-indigo-50"
            href={`/inspector?recordId=${encodeURIComponent(failure.recordId)}`}
            title="Every stream record of this score record"
          >
            Record history
          </Link>
        )}
        {failure.recordId && (
          <Button size="sm" variant="secondary" onClick={() => onEdit(failure.recordId)}>
            Edit
          </Button>
        )}
        <Button
          size="sm"
          variant="secondary"
          busy={busy === "reapply"}
          onClick={() => void reapply()}
        >
          Re-apply
        </Button>
        {failure.recordId && (
          <Button
            size="sm"
            variant="ghost"
            onClick={() => setConfirm(confirm === "delete" ? null : "delete")}
          >
            Delete
          </Button>
        )}
        {!failure.acknowledged && (
          <Button
            size="sm"
            variant="ghost"
            onClick={() => setConfirm(confirm === "acknowledge" ? null : "acknowledge")}
          >
            Acknowledge
          </Button>
        )}
      </div>
      {confirm === "delete" && (
        <div className="mt-2 flex flex-wrap items-center gap-2 rounded-md bg-rose-50 px-2.5 py-2 text-xs text-rose-800 ring-1 ring-inset ring-rose-200">
          Delete record <span className="font-mono">{failure.recordId}</span> from GameScoreRecords?
          <Button size="sm" variant="danger" busy={busy === "delete"} onClick={() => void remove()}>
            Yes, delete
          </Button>
          <Button size="sm" variant="ghost" onClick={() => setConfirm(null)}>
            Keep
          </Button>
        </div>
      )}
      {confirm === "acknowledge" && (
        <form
          className="mt-2 flex flex-wrap items-center gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            void acknowledge();
          }}
        >
          <input
            aria-label="Note (optional)"
            placeholder="Note (optional)"
            maxLength={500}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            className="min-w-0 flex-1 rounded-md border-0 px-2 py-1 text-xs ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600"
          />
          <Button size="sm" type="submit" busy={busy === "acknowledge"}>
            Confirm
          </Button>
        </form>
      )}
      {result && (
        <div
          ref={resultRef}
          tabIndex={-1}
          className="mt-2 outline-none"
          data-testid="failure-action-result"
        >
          <Alert tone={result.tone}>{result.text}</Alert>
        </div>
      )}
    </article>
  );
}

/**
 * The quarantine (and, locally, the runner's on-failure destination): stream records the
 * aggregator set aside, so they never blocked their shard. Each one is a change the leaderboard
 * does not include until fixed: from here, open it, edit (complete) it, delete it, re-apply it
 * (counted once, whatever the number of presses) or acknowledge it.
 */
export function FailuresPanel({ now, className = "" }: { now: number; className?: string }) {
  const [showAcknowledged, setShowAcknowledged] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const { data, error, isLoading, mutate } = useFailures(LIMIT, showAcknowledged);
  const failures = data?.failures;
  const count = failures?.filter((f) => (f.state ?? "open") === "open").length;
  const refresh = () => void mutate();

  return (
    <Card
      className={className}
      aria-label="Failures"
      title={
        <span className="flex items-center gap-2">
          Failures
          {count !== undefined && (
            <span
              className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-semibold tabular-nums ring-1 ring-inset ${
                count > 0
                  ? "bg-rose-50 text-rose-700 ring-rose-600/20"
                  : "bg-emerald-50 text-emerald-700 ring-emerald-600/20"
              }`}
              data-testid="failure-count"
              title="Open failures"
            >
              {count >= LIMIT ? `${LIMIT}+` : count}
            </span>
          )}
        </span>
      }
      description="Records the aggregator set aside · polling every 2 s"
      actions={
        <label className="flex items-center gap-1.5 text-xs text-slate-600">
          <input
            type="checkbox"
            checked={showAcknowledged}
            onChange={(e) => setShowAcknowledged(e.target.checked)}
          />
          Show acknowledged
        </label>
      }
      bodyClassName=""
    >
      {error && error.status !== 401 && (
        <div className="border-b border-slate-100 px-5 py-3">
          <Alert tone="error" title="Could not read the quarantine">
            {error.message}
          </Alert>
        </div>
      )}
      {failures === undefined ? (
        isLoading && (
          <div className="space-y-3 p-5" aria-busy="true">
            {[0, 1].map((i) => (
              <div key={i} className="h-16 animate-pulse rounded-lg bg-slate-50" />
            ))}
          </div>
        )
      ) : failures.length === 0 ? (
        <EmptyState icon={<CheckIcon />} title="Nothing failed">
          Every stream record so far was applied. One the aggregator can never apply lands here at
          once, with the reason.
        </EmptyState>
      ) : (
        <div
          className="max-h-[28rem] divide-y divide-slate-100 overflow-y-auto overscroll-contain"
          data-testid="failures"
        >
          {failures.map((failure) => (
            <FailureRow
              key={failure.id}
              failure={failure}
              now={now}
              onEdit={setEditing}
              onChanged={refresh}
            />
          ))}
        </div>
      )}
      {editing && (
        <EditRecordDialog
          recordId={editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            refresh();
          }}
        />
      )}
    </Card>
  );
}
