"use client";

import { InspectorRecord, type LeaderboardEntry } from "@streamboard/core/contract";
import dynamic from "next/dynamic";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import useSWR from "swr";
import { Alert } from "./alert";
import { Button } from "./button";
import { Card } from "./card";
import { EmptyState } from "./empty-state";
import { eventColors } from "./event-badge";
import { FailuresPanel } from "./failures-panel";
import { OperatorActionsPanel } from "./operator-actions-panel";
import { PauseIcon, PlayIcon, SearchIcon, StreamIcon } from "./icons";
import { EventsChart, IteratorAgeChart, TopPlayersChart } from "./inspector-charts";
import { LeaderboardTable } from "./leaderboard-table";
import { getJson, type ApiError } from "./lib/api-client";
import { formatScore } from "./lib/format";
import {
  EVENT_TYPES,
  searchOf,
  viewOf,
  type EventType,
  type InspectorView,
  type StreamFilters,
} from "./lib/stream-query";
import { LiveIndicator } from "./live-indicator";
import { LogoutButton } from "./logout-button";
import { PageHeading } from "./page-heading";
import { RunnerLag } from "./runner-lag";
import { StreamExport } from "./stream-export";
import { ROW_HEIGHT, StreamRecordRow } from "./stream-record-row";
import { StreamSeekBar } from "./stream-seek-bar";
import { useLeaderboard } from "./use-leaderboard";
import { useNow } from "./use-now";
import { useRunnerHealth } from "./use-runner-health";
import { useStreamLog } from "./use-stream-log";
import { useStreamMetrics } from "./use-stream-metrics";
import { VirtualList, type VirtualListHandle } from "./virtual-list";

// Loaded when first opened: the first load of the page stays small (issue 10: at most 200 KiB).
const StreamRecordView = dynamic(
  () => import("./stream-record-view").then((m) => m.StreamRecordView),
  { ssr: false },
);
const EditRecordDialog = dynamic(
  () => import("./edit-record-dialog").then((m) => m.EditRecordDialog),
  { ssr: false },
);

const LIST_HEIGHT = 560;
const TEXT_DEBOUNCE_MS = 250;
const getRecord = getJson(InspectorRecord);

// Each ticking clock lives in the small component that shows it: a clock at the top would
// re-render the whole page, list included, every second.

function LagPill() {
  const health = useRunnerHealth();
  const now = useNow();
  return <RunnerLag health={health.data} error={health.error} now={now} />;
}

function Failures() {
  const now = useNow();
  return <FailuresPanel now={now} />;
}

/** The time, to the minute: what the per-minute charts need. */
function useMinute(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = globalThis.setInterval(() => setNow(Date.now()), 60_000);
    return () => globalThis.clearInterval(id);
  }, []);
  return Math.floor(now / 60_000) * 60_000;
}

/** The same entries as last time when nothing on the board changed (`generatedAt` always does). */
function useStableEntries(entries: LeaderboardEntry[] | undefined) {
  const text = JSON.stringify(entries ?? null);
  const stable = useMemo(() => JSON.parse(text) as LeaderboardEntry[] | null, [text]);
  return stable ?? undefined;
}

const BoardTable = memo(LeaderboardTable);

// Each chart card holds its own data: the board's poll (every 1.5 s) re-renders the top players
// card only, and the metrics charts re-render when the counters (or the minute) change.
const MetricsCharts = memo(function MetricsCharts() {
  const metrics = useStreamMetrics(60);
  const now = useMinute();
  return (
    <>
      <Card
        className="lg:col-span-5"
        title="Events per second"
        description="Last 30 minutes, by type"
      >
        <EventsChart metrics={metrics.data} now={now} />
      </Card>
      <Card
        className="lg:col-span-4"
        title="Iterator age"
        description="Last hour: how far behind the stream each subscriber was"
      >
        <IteratorAgeChart metrics={metrics.data} now={now} />
      </Card>
    </>
  );
});

const TopPlayers = memo(function TopPlayers() {
  const board = useLeaderboard(10);
  const entries = useStableEntries(board.data?.entries);
  return (
    <Card className="lg:col-span-3" title="Top players" description="Total score">
      <TopPlayersChart entries={entries} />
    </Card>
  );
});

function Charts() {
  return (
    <div className="mb-6 grid grid-cols-1 gap-6 lg:grid-cols-12">
      <MetricsCharts />
      <TopPlayers />
    </div>
  );
}

const Board = memo(function Board() {
  const board = useLeaderboard(10);
  const entries = useStableEntries(board.data?.entries);
  return (
    <Card
      aria-label="Rolling leaderboard"
      title="Leaderboard"
      description="Rolling totals from GameScoresByUser"
      bodyClassName="pb-2"
      actions={<LiveIndicator state={board.error ? "error" : "live"} />}
    >
      <BoardTable entries={entries} compact />
    </Card>
  );
});

/**
 * A text filter that types freely and tells the URL a quarter second after the last keystroke:
 * no navigation, no request and no list render per key.
 */
function FilterInput({
  value,
  onCommit,
  label,
  placeholder,
  inputRef,
  width = "w-32",
}: {
  value: string;
  onCommit: (value: string) => void;
  label: string;
  placeholder: string;
  inputRef?: React.Ref<HTMLInputElement>;
  width?: string;
}) {
  const [draft, setDraft] = useState(value);
  const [seen, setSeen] = useState(value);
  // The URL changed under the input (a link, "Show this record's history"): show what it says.
  if (value !== seen) {
    setSeen(value);
    setDraft(value);
  }
  useEffect(() => {
    if (draft === value) return;
    const id = globalThis.setTimeout(() => onCommit(draft), TEXT_DEBOUNCE_MS);
    return () => globalThis.clearTimeout(id);
  }, [draft, value, onCommit]);
  return (
    <label className="relative block">
      <span className="sr-only">{label}</span>
      <SearchIcon
        width={14}
        height={14}
        className="pointer-events-none absolute left-2.5 top-1/2 -translate-y-1/2 text-slate-400"
      />
      <input
        ref={inputRef}
        type="search"
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") onCommit(draft);
          if (e.key === "Escape") e.currentTarget.blur();
        }}
        placeholder={placeholder}
        aria-label={label}
        className={`${width} rounded-md border-0 py-1 pl-8 pr-2 text-xs text-slate-900 ring-1 ring-inset ring-slate-200 placeholder:text-slate-400 focus:ring-2 focus:ring-indigo-600`}
      />
    </label>
  );
}

const isTyping = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));

/** The operator's page: the stream log beside the board it produces, with fixes at hand. */
export function InspectorDashboard() {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const search = searchParams.toString();
  const view = useMemo(() => viewOf(new URLSearchParams(search)), [search]);
  const transport = searchParams.get("live") === "poll" ? "poll" : "sse";

  const log = useStreamLog({ filters: view.filters, at: view.at, transport });
  const records = log.records;

  const [selected, setSelected] = useState<string | undefined>(view.record);
  const [editing, setEditing] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ tone: "success" | "error"; text: string } | null>(null);
  const list = useRef<VirtualListHandle>(null);
  const search$ = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!notice) return;
    const id = globalThis.setTimeout(() => setNotice(null), 5000);
    return () => globalThis.clearTimeout(id);
  }, [notice]);

  // The query string last asked for: two changes in a row (a toggle while a text filter's
  // debounce runs) compose, even before the router has shown the first.
  const latest = useRef(search);
  const viewRef = useRef(view);
  useLayoutEffect(() => {
    latest.current = search;
    viewRef.current = view;
  }, [search, view]);
  // router.replace: a view is not worth a history entry per filter tweak.
  const go = useCallback(
    (change: Partial<Omit<InspectorView, "filters">> & { filters?: Partial<StreamFilters> }) => {
      const params = new URLSearchParams(latest.current);
      const current = viewOf(params);
      const next: InspectorView = {
        ...current,
        ...change,
        filters: { ...current.filters, ...change.filters },
      };
      const query = searchOf(next, params);
      latest.current = query.slice(1);
      viewRef.current = next;
      router.replace(`${pathname}${query}`, { scroll: false });
    },
    [router, pathname],
  );

  const indexOf = useMemo(() => new Map(records.map((r, i) => [r.logId, i])), [records]);
  const selectedIndex = selected === undefined ? -1 : (indexOf.get(selected) ?? -1);

  const open = useCallback((logId: string | undefined) => go({ record: logId }), [go]);

  const select = useCallback(
    (index: number, openIt: boolean) => {
      const record = records[index];
      if (!record) return;
      setSelected(record.logId);
      list.current?.scrollToIndex(index);
      if (openIt || viewRef.current.record) open(record.logId);
    },
    [records, open],
  );

  // A record opened by the URL is the selected one too.
  const [openedSeen, setOpenedSeen] = useState(view.record);
  if (view.record !== openedSeen) {
    setOpenedSeen(view.record);
    if (view.record) setSelected(view.record);
  }

  // The selected row takes the focus when the keyboard moved it, so the focus ring shows where.
  const focusAfterMove = useRef(false);
  useEffect(() => {
    if (!focusAfterMove.current || !selected) return;
    focusAfterMove.current = false;
    document.querySelector<HTMLElement>(`[data-log-id="${CSS.escape(selected)}"]`)?.focus();
  }, [selected, selectedIndex]);

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.metaKey || event.ctrlKey || event.altKey) return;
      if (document.querySelector("dialog[open]")) return; // the edit dialog has the keyboard
      if (event.key === "Escape" && viewRef.current.record) {
        event.preventDefault();
        open(undefined);
        return;
      }
      if (isTyping(event.target)) return;
      if (event.key === "/") {
        event.preventDefault();
        search$.current?.focus();
      } else if (event.key === "j" || event.key === "k") {
        event.preventDefault();
        const from = selectedIndex < 0 ? (event.key === "j" ? -1 : 1) : selectedIndex;
        const to = Math.min(records.length - 1, Math.max(0, from + (event.key === "j" ? 1 : -1)));
        focusAfterMove.current = true;
        select(to, false);
      } else if (
        event.key === "Enter" &&
        selected &&
        !(event.target instanceof HTMLButtonElement)
      ) {
        event.preventDefault();
        open(selected);
      }
    }
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [records.length, selectedIndex, selected, select, open]);

  /**
   * After a delete the confirm button is gone: the focus goes to the deleted record's row in the
   * tail (the log keeps it; its REMOVE lands above it), else the list, else the page's heading,
   * never to <body>.
   */
  const focusAfterDelete = useCallback(
    (logId: string) => {
      const index = indexOf.get(logId);
      if (index !== undefined) {
        setSelected(logId);
        list.current?.scrollToIndex(index);
      }
      requestAnimationFrame(() => {
        const tail = document.querySelector<HTMLElement>('[data-testid="stream-tail"]');
        const row = tail?.querySelector<HTMLElement>(`[data-log-id="${CSS.escape(logId)}"]`);
        (row ?? tail ?? document.querySelector<HTMLElement>("h1"))?.focus();
      });
    },
    [indexOf],
  );

  // The opened record, fresh from the log (its aggregator outcome lands after the record).
  const inWindow = view.record === undefined ? undefined : records[indexOf.get(view.record) ?? -1];
  const opened = useSWR<InspectorRecord, ApiError>(
    view.record ? `/api/stream/records/${encodeURIComponent(view.record)}` : null,
    getRecord,
    {
      refreshInterval: (latest) => (latest && latest.aggregator ? 0 : 2000),
      revalidateOnFocus: false,
    },
  );
  const openedRecord = opened.data?.logId === view.record ? opened.data : inWindow;

  const toggle = (type: EventType) => {
    const on = new Set(view.filters.types);
    if (on.has(type)) on.delete(type);
    else on.add(type);
    go({ filters: { types: on.size ? EVENT_TYPES.filter((t) => on.has(t)) : EVENT_TYPES } });
  };
  const commitPlayer = useCallback((player: string) => go({ filters: { player } }), [go]);
  const commitRecordId = useCallback((recordId: string) => go({ filters: { recordId } }), [go]);
  const commitQ = useCallback((q: string) => go({ filters: { q } }), [go]);

  const renderRow = useCallback(
    (record: InspectorRecord, index: number) => (
      <StreamRecordRow
        record={record}
        index={index}
        selected={record.logId === selected}
        // One row is a tab stop: the selected one, or the first while none is.
        tabbable={record.logId === selected || (selectedIndex < 0 && index === 0)}
        onSelect={select}
      />
    ),
    [selected, selectedIndex, select],
  );

  const sessionEnded = log.error?.status === 401;
  const state = log.paused ? "paused" : log.error ? "error" : "live";
  const filtered =
    view.filters.player || view.filters.recordId || view.filters.q || view.filters.types.length < 3;
  const link =
    typeof globalThis.location === "undefined"
      ? ""
      : `${globalThis.location.origin}${pathname}${searchOf({ ...view, record: view.record })}`;

  const description = view.at
    ? `${records.length} records from ${view.at}`
    : `${records.length} records · ${
        log.transport === "sse"
          ? "live (server-sent events)"
          : log.transport === "poll"
            ? "live (polling every 1.5 s)"
            : "connecting…"
      }`;

  return (
    <>
      <PageHeading
        title="Stream inspector"
        description={
          <>
            Every record of the <span className="font-mono text-[13px]">GameScoreRecords</span>{" "}
            stream (NEW_AND_OLD_IMAGES), from the stream log, newest first, beside the leaderboard
            the aggregator builds from them. Keys: <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>Enter</kbd>{" "}
            opens, <kbd>Esc</kbd> closes, <kbd>/</kbd> searches.
          </>
        }
        actions={
          <>
            <LagPill />
            {!view.at && (
              <>
                <LiveIndicator
                  state={state}
                  label={
                    log.paused && log.newWhilePaused > 0
                      ? `Paused · ${log.newWhilePaused} new`
                      : undefined
                  }
                />
                <Button
                  variant="secondary"
                  size="sm"
                  onClick={() => log.setPaused(!log.paused)}
                  aria-pressed={log.paused}
                >
                  {log.paused ? (
                    <PlayIcon width={14} height={14} />
                  ) : (
                    <PauseIcon width={14} height={14} />
                  )}
                  {log.paused ? "Resume" : "Pause"}
                </Button>
              </>
            )}
            <LogoutButton />
          </>
        }
      />

      {sessionEnded && (
        <div className="mb-6">
          <Alert tone="error" title="Your operator session has ended">
            <Link href="/login?next=/inspector" className="font-medium underline">
              Sign in again
            </Link>{" "}
            to keep tailing the stream.
          </Alert>
        </div>
      )}

      <Charts />

      <div className="grid grid-cols-1 items-start gap-6 xl:grid-cols-12">
        <Card
          className="xl:col-span-8"
          title="Stream log"
          description={description}
          bodyClassName=""
          actions={<StreamExport filters={view.filters} records={records} />}
        >
          <div className="space-y-2 border-b border-slate-100 px-5 py-3">
            <StreamSeekBar at={view.at} onSeek={(at) => go({ at, record: undefined })} />
            <div className="flex flex-wrap items-center gap-2">
              <div className="flex gap-1" role="group" aria-label="Filter by event type">
                {EVENT_TYPES.map((type) => {
                  const on = view.filters.types.includes(type);
                  return (
                    <button
                      key={type}
                      type="button"
                      onClick={() => toggle(type)}
                      aria-pressed={on}
                      className={`inline-flex items-center gap-1.5 rounded-md px-2 py-1 font-mono text-[11px] font-semibold ring-1 ring-inset transition focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600 ${
                        on
                          ? eventColors[type]?.badge
                          : "bg-white text-slate-400 ring-slate-200 hover:text-slate-600"
                      }`}
                    >
                      {type}
                    </button>
                  );
                })}
              </div>
              <FilterInput
                value={view.filters.player}
                onCommit={commitPlayer}
                label="Filter by player"
                placeholder="Player"
              />
              <FilterInput
                value={view.filters.recordId}
                onCommit={commitRecordId}
                label="Filter by record id"
                placeholder="Record id"
                width="w-36"
              />
              <FilterInput
                value={view.filters.q}
                onCommit={commitQ}
                label="Search the images"
                placeholder="Search  /"
                inputRef={search$}
                width="w-40"
              />
              {filtered && (
                <Button
                  variant="ghost"
                  size="sm"
                  onClick={() =>
                    go({ filters: { types: EVENT_TYPES, player: "", recordId: "", q: "" } })
                  }
                >
                  Clear filters
                </Button>
              )}
            </div>
          </div>
          {notice && (
            <div className="border-b border-slate-100 px-5 py-3">
              <Alert tone={notice.tone}>{notice.text}</Alert>
            </div>
          )}
          {log.error && !sessionEnded && (
            <div className="border-b border-slate-100 px-5 py-3">
              <Alert tone="error" title="Could not read the stream log">
                {log.error.message}
                {log.error.status === 400 ? "" : " Retrying…"}
              </Alert>
            </div>
          )}
          {view.at && (
            <div className="flex items-center gap-2 border-b border-slate-100 px-5 py-2">
              <Button
                variant="ghost"
                size="sm"
                busy={log.loadingNewer}
                onClick={() => void log.loadNewer()}
              >
                Load newer
              </Button>
              <span className="text-[11px] text-slate-400">
                {log.window.newer ? "More records are newer than these." : "Up to the head."}
              </span>
            </div>
          )}
          {records.length === 0 ? (
            log.loading ? (
              <div className="space-y-2 p-5" aria-busy="true">
                {[0, 1, 2, 3].map((i) => (
                  <div key={i} className="h-8 animate-pulse rounded bg-slate-50" />
                ))}
              </div>
            ) : (
              <EmptyState
                icon={<StreamIcon />}
                title={filtered || view.at ? "No records match" : "Waiting for stream records…"}
              >
                {filtered
                  ? "Turn an event type back on or clear the filters."
                  : view.at
                    ? "Nothing was logged from that time on."
                    : "Submit a score on the leaderboard page and its INSERT appears here within a second."}
              </EmptyState>
            )
          ) : (
            <VirtualList
              ref={list}
              items={records}
              rowHeight={ROW_HEIGHT}
              height={Math.min(LIST_HEIGHT, records.length * ROW_HEIGHT + 56)}
              keyOf={(r) => r.eventID}
              renderRow={renderRow}
              aria-label="Stream records"
              data-testid="stream-tail"
              footer={
                <div className="flex items-center justify-center gap-3 px-5 py-3 text-[12px] text-slate-500">
                  {log.atStart ? (
                    <span data-testid="log-start">
                      Start of the log reached
                      {log.window.trimmed ? "" : ` · ${formatScore(records.length)} records`}
                    </span>
                  ) : (
                    <Button
                      variant="secondary"
                      size="sm"
                      busy={log.loadingOlder}
                      onClick={() => void log.loadOlder()}
                    >
                      Load older
                    </Button>
                  )}
                </div>
              }
            />
          )}
        </Card>

        <div className="flex min-w-0 flex-col gap-6 xl:sticky xl:top-6 xl:col-span-4">
          <Board />
          <Failures />
          <OperatorActionsPanel />
        </div>
      </div>

      {view.record && (
        <StreamRecordView
          key={view.record}
          record={openedRecord}
          logId={view.record}
          error={opened.error}
          link={link}
          onClose={() => open(undefined)}
          onEdit={(record) => setEditing(record.recordId)}
          onDeleted={() => {
            if (view.record) focusAfterDelete(view.record);
            void opened.mutate();
          }}
          onReapplied={() => void opened.mutate()}
          onShowHistory={(recordId) =>
            go({ filters: { recordId, player: "", q: "", types: EVENT_TYPES }, at: undefined })
          }
        />
      )}

      {editing && (
        <EditRecordDialog
          recordId={editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            setNotice({
              tone: "success",
              text: "Record updated — watch for its MODIFY in the log.",
            });
          }}
        />
      )}
    </>
  );
}
