"use client";

import type { InspectorRecord } from "@streamboard/core/contract";
import { memo } from "react";
import { EventBadge } from "./event-badge";
import { numberAttribute, stringAttribute } from "./lib/dynamo-json";
import { formatClock, formatScore } from "./lib/format";

/** Every row is this tall: the virtual list places rows by index alone. */
export const ROW_HEIGHT = 40;

export function summaryOf(record: InspectorRecord) {
  const player =
    stringAttribute(record.newImage, "PlayerName") ??
    stringAttribute(record.oldImage, "PlayerName");
  const oldPlayer = stringAttribute(record.oldImage, "PlayerName");
  return {
    player,
    renamedFrom: record.newImage && oldPlayer && oldPlayer !== player ? oldPlayer : undefined,
    oldScore: numberAttribute(record.oldImage, "Score"),
    newScore: numberAttribute(record.newImage, "Score"),
  };
}

interface StreamRecordRowProps {
  record: InspectorRecord;
  index: number;
  selected: boolean;
  onSelect: (index: number, open: boolean) => void;
}

function ScoreChange({ from, to }: { from: number | undefined; to: number | undefined }) {
  if (from === undefined && to === undefined) return <span className="text-slate-400">—</span>;
  if (from === undefined || to === undefined || from === to) {
    return <span>{formatScore((to ?? from)!)}</span>;
  }
  return (
    <span>
      <span className="text-rose-600 line-through decoration-rose-300">{formatScore(from)}</span>
      <span className="mx-1 text-slate-400">→</span>
      <span className="font-semibold text-emerald-700">{formatScore(to)}</span>
    </span>
  );
}

/**
 * One record as a one-line summary (event, time, record id, player, score old → new); the record
 * view shows the rest. Memoised: a new record on top re-renders no other row.
 */
export const StreamRecordRow = memo(function StreamRecordRow({
  record,
  index,
  selected,
  onSelect,
}: StreamRecordRowProps) {
  const { player, renamedFrom, oldScore, newScore } = summaryOf(record);
  const outcome = record.aggregator?.outcome;
  return (
    <div
      role="option"
      tabIndex={selected ? 0 : -1}
      aria-selected={selected}
      aria-label={`${record.eventName} ${record.recordId || "?"} ${player ?? ""}`}
      data-testid="stream-record"
      data-event={record.eventName}
      data-record-id={record.recordId}
      data-player={player}
      data-log-id={record.logId}
      onClick={() => onSelect(index, true)}
      onKeyDown={(e) => {
        if (e.key === "Enter") onSelect(index, true);
      }}
      className={`flex h-full cursor-pointer items-center gap-3 border-b border-slate-100 px-4 text-[13px] outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-indigo-600 ${
        selected ? "bg-indigo-50" : "hover:bg-slate-50"
      }`}
    >
      <span className="w-[4.6rem] shrink-0">
        <EventBadge eventName={record.eventName} />
      </span>
      <time
        className="w-16 shrink-0 font-mono text-[11px] tabular-nums text-slate-500"
        dateTime={record.approximateCreationDateTime}
        title={record.approximateCreationDateTime}
      >
        {formatClock(record.approximateCreationDateTime)}
      </time>
      <span
        className="hidden w-28 shrink-0 truncate font-mono text-[11px] text-slate-400 sm:inline"
        title={record.recordId}
      >
        {record.recordId ? `…${record.recordId.slice(-10)}` : "no RecordID"}
      </span>
      <span className="min-w-0 flex-1 truncate font-medium text-slate-900">
        {player ?? <span className="font-normal italic text-slate-400">no player</span>}
        {renamedFrom && (
          <span className="ml-1.5 font-normal text-slate-400">(was {renamedFrom})</span>
        )}
      </span>
      <span className="shrink-0 text-right tabular-nums text-slate-600">
        <ScoreChange from={oldScore} to={newScore} />
      </span>
      <span
        className={`hidden h-1.5 w-1.5 shrink-0 rounded-full sm:inline-block ${
          outcome === "applied"
            ? "bg-emerald-500"
            : outcome === "quarantined"
              ? "bg-rose-500"
              : "bg-slate-300"
        }`}
        title={
          outcome === "applied"
            ? "Applied by the aggregator"
            : outcome === "quarantined"
              ? "Quarantined by the aggregator"
              : "Not yet applied"
        }
        data-outcome={outcome ?? "pending"}
      />
    </div>
  );
});
