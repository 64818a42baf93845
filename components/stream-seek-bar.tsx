"use client";

import { useState, useSyncExternalStore } from "react";
import { Button } from "./button";
import { utcOffsetLabel } from "./lib/format";
import { isoOfLocalInput, localInputOf, resolveRelative } from "./lib/stream-query";

const RELATIVE = ["-5m", "-15m", "-1h", "-6h", "-24h"] as const;
const relativeLabel = (r: string) => `−${r.slice(1).replace("m", " m").replace("h", " h")}`;

interface StreamSeekBarProps {
  /** The ISO time sought, or undefined at the live head. */
  at: string | undefined;
  onSeek: (at: string | undefined) => void;
}

const noSubscription = () => () => {};

/**
 * Where the window starts: the live head, a time picked (in the browser's local time; the URL
 * and the record view carry UTC), or a moment relative to now. The URL keeps the resolved time,
 * so a copied link opens the same records later.
 */
export function StreamSeekBar({ at, onSeek }: StreamSeekBarProps) {
  const [draft, setDraft] = useState<string | undefined>(undefined);
  // Local time is the browser's: the server renders no zone, the browser fills it in.
  const zone = useSyncExternalStore(
    noSubscription,
    () => utcOffsetLabel(),
    () => "",
  );
  const value = draft ?? (at && zone ? localInputOf(at) : "");
  return (
    <div className="flex flex-wrap items-center gap-2" role="group" aria-label="Seek">
      <Button
        variant={at ? "secondary" : "primary"}
        size="sm"
        onClick={() => {
          setDraft(undefined);
          onSeek(undefined);
        }}
        aria-pressed={!at}
      >
        Live
      </Button>
      <div className="flex gap-1">
        {RELATIVE.map((r) => (
          <Button
            key={r}
            variant="ghost"
            size="sm"
            className="!px-2 tabular-nums"
            aria-label={`Seek to ${relativeLabel(r)} ago`}
            onClick={() => {
              setDraft(undefined);
              onSeek(resolveRelative(r, Date.now()));
            }}
          >
            {relativeLabel(r)}
          </Button>
        ))}
      </div>
      <form
        className="flex items-center gap-1.5"
        onSubmit={(e) => {
          e.preventDefault();
          const iso = isoOfLocalInput(value);
          if (iso) {
            setDraft(undefined);
            onSeek(iso);
          }
        }}
      >
        <label className="text-[11px] text-slate-500">
          <span className="sr-only">Seek to a time</span>
          <input
            type="datetime-local"
            value={value}
            onChange={(e) => setDraft(e.target.value)}
            aria-label={`Seek to a time (local, ${zone})`}
            className="rounded-md border-0 py-1 pl-2 pr-1 text-xs text-slate-900 ring-1 ring-inset ring-slate-200 focus:ring-2 focus:ring-indigo-600"
          />
        </label>
        <span className="text-[10px] text-slate-400" title="The picker is in your local time">
          {zone}
        </span>
        <Button type="submit" variant="secondary" size="sm" disabled={!isoOfLocalInput(value)}>
          Seek
        </Button>
      </form>
      {at && (
        <span className="font-mono text-[11px] text-slate-500" data-testid="seek-at">
          from {at}
        </span>
      )}
    </div>
  );
}
