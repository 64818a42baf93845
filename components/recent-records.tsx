"use client";

import type { ScoreRecord } from "@streamboard/core/contract";
import { EmptyState } from "./empty-state";
import { ClockIcon } from "./icons";
import { formatAgo, formatScore } from "./lib/format";
import { useNow } from "./use-now";

interface RecentRecordsProps {
  playerName: string;
  records: ScoreRecord[] | undefined;
  error?: string | undefined;
}

export function RecentRecords({ playerName, records, error }: RecentRecordsProps) {
  const now = useNow();
  if (!playerName) {
    return (
      <EmptyState icon={<ClockIcon />} title="No games yet">
        Submit your first score and your recent games will show up here.
      </EmptyState>
    );
  }
  if (error && !records) {
    return <p className="px-5 py-6 text-sm text-rose-600">Could not load your games: {error}</p>;
  }
  if (!records) {
    return (
      <div className="space-y-3 px-5 py-4" aria-busy="true">
        {[0, 1, 2].map((i) => (
          <div key={i} className="h-8 animate-pulse rounded-lg bg-slate-100" />
        ))}
      </div>
    );
  }
  if (records.length === 0) {
    return (
      <EmptyState icon={<ClockIcon />} title={`No games for ${playerName} yet`}>
        Your scores appear here the moment you submit them.
      </EmptyState>
    );
  }
  return (
    <ul className="divide-y divide-slate-100" data-testid="recent-records">
      {records.map((record) => (
        <li
          key={record.recordId}
          className="flex items-center justify-between gap-4 px-5 py-3"
          data-record-id={record.recordId}
        >
          <div className="min-w-0">
            <p className="text-sm font-semibold tabular-nums text-slate-900">
              {formatScore(record.score)}
              <span className="ml-1 text-xs font-normal text-slate-400">pts</span>
            </p>
            <p className="truncate text-xs text-slate-500">
              {record.nickName ? `as “${record.nickName}” · ` : ""}
              <span className="font-mono text-[11px] text-slate-400">
                {record.recordId.slice(-8)}
              </span>
            </p>
          </div>
          <time
            dateTime={record.createdAt}
            title={new Date(record.createdAt).toLocaleString()}
            className="shrink-0 text-xs text-slate-400"
          >
            {now ? formatAgo(record.createdAt, now) : ""}
          </time>
        </li>
      ))}
    </ul>
  );
}
