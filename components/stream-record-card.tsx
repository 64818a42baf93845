import type { InspectorRecord } from "@streamboard/core/contract";
import { useState } from "react";
import { Button } from "./button";
import { EventBadge } from "./event-badge";
import { PencilIcon, TrashIcon } from "./icons";
import { ImageDiff } from "./image-diff";
import { numberAttribute, stringAttribute } from "./lib/dynamo-json";
import { formatClock, formatScore } from "./lib/format";

interface StreamRecordCardProps {
  record: InspectorRecord;
  /** The record has a REMOVE later in the tail: nothing left to edit or delete. */
  removed: boolean;
  onEdit: (recordId: string) => void;
  onDelete: (recordId: string) => Promise<void>;
}

export function StreamRecordCard({ record, removed, onEdit, onDelete }: StreamRecordCardProps) {
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const image = record.newImage ?? record.oldImage;
  const recordId = stringAttribute(record.keys, "RecordID") ?? "";
  const playerName = stringAttribute(image, "PlayerName");
  const score = numberAttribute(image, "Score");

  async function confirmDelete() {
    setDeleting(true);
    try {
      await onDelete(recordId);
    } finally {
      setDeleting(false);
      setConfirming(false);
    }
  }

  return (
    <article
      className="px-5 py-4"
      data-testid="stream-record"
      data-event={record.eventName}
      data-record-id={recordId}
      data-player={playerName}
    >
      <header className="mb-1.5 flex flex-wrap items-center gap-x-3 gap-y-2">
        <EventBadge eventName={record.eventName} />
        <span className="min-w-0 truncate text-sm font-medium text-slate-900">
          {playerName ?? "—"}
          {score !== undefined && (
            <span className="ml-2 font-normal tabular-nums text-slate-500">
              {formatScore(score)} pts
            </span>
          )}
        </span>
        <div className="ml-auto flex items-center gap-1">
          {recordId && !removed && record.eventName !== "REMOVE" && !confirming && (
            <>
              <Button
                variant="ghost"
                size="sm"
                onClick={() => onEdit(recordId)}
                aria-label={`Edit record ${recordId}`}
              >
                <PencilIcon width={14} height={14} /> Edit
              </Button>
              <Button
                variant="ghost"
                size="sm"
                className="hover:!bg-rose-50 hover:!text-rose-700"
                onClick={() => setConfirming(true)}
                aria-label={`Delete record ${recordId}`}
              >
                <TrashIcon width={14} height={14} /> Delete
              </Button>
            </>
          )}
          {confirming && (
            <>
              <span className="mr-1 text-xs text-slate-500">Delete this record?</span>
              <Button variant="secondary" size="sm" onClick={() => setConfirming(false)}>
                Cancel
              </Button>
              <Button
                variant="danger"
                size="sm"
                busy={deleting}
                onClick={() => void confirmDelete()}
              >
                Delete
              </Button>
            </>
          )}
          {removed && record.eventName !== "REMOVE" && (
            <span className="text-xs text-slate-400">since removed</span>
          )}
        </div>
      </header>
      <p className="mb-2.5 flex flex-wrap gap-x-4 gap-y-0.5 font-mono text-[11px] text-slate-400">
        <span title="Sequence number">
          seq <span className="text-slate-600">{record.sequenceNumber}</span>
        </span>
        <span title={record.approximateCreationDateTime}>
          at{" "}
          <span className="text-slate-600">{formatClock(record.approximateCreationDateTime)}</span>
        </span>
        <span title={record.shardId}>
          shard <span className="text-slate-600">…{record.shardId?.slice(-8)}</span>
        </span>
        <span>
          <span className="text-slate-600">{record.sizeBytes}</span> B
        </span>
      </p>
      <ImageDiff record={record} />
    </article>
  );
}
