"use client";

import type { FailureEntry } from "@streamboard/core/contract";
import { Alert } from "./alert";
import { Card } from "./card";
import { EmptyState } from "./empty-state";
import { EventBadge } from "./event-badge";
import { CheckIcon } from "./icons";
import { formatAgo, formatClock } from "./lib/format";
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

/** Entries shown; the destination itself keeps every one. */
const LIMIT = 50;

function FailureRow({ failure, now }: { failure: FailureEntry; now: number }) {
  const cause = causes[failure.cause];
  return (
    <article
      className="px-5 py-3.5"
      data-testid="failure"
      data-record-id={failure.recordId}
      data-cause={failure.cause}
    >
      <header className="flex items-center gap-2">
        <EventBadge eventName={failure.eventName} />
        <span
          className="min-w-0 truncate font-mono text-[12px] text-slate-900"
          title={failure.recordId || "No RecordID in the record's keys"}
        >
          {failure.recordId || "—"}
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
    </article>
  );
}

/**
 * The quarantine (and, locally, the runner's on-failure destination): stream records the
 * aggregator set aside, so they never blocked their shard. Each one is a change the leaderboard
 * does not include until fixed.
 */
export function FailuresPanel({ now, className = "" }: { now: number; className?: string }) {
  const { data, error, isLoading } = useFailures(LIMIT);
  const failures = data?.failures;
  const count = failures?.length;

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
            >
              {count >= LIMIT ? `${LIMIT}+` : count}
            </span>
          )}
        </span>
      }
      description="Records the aggregator set aside · polling every 2 s"
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
              key={`${failure.shardId}:${failure.sequenceNumber}:${failure.time}`}
              failure={failure}
              now={now}
            />
          ))}
        </div>
      )}
    </Card>
  );
}
