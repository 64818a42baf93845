"use client";

import type { InspectorRecord } from "@streamboard/core/contract";
import Link from "next/link";
import { useEffect, useState } from "react";
import { Alert } from "./alert";
import { Button } from "./button";
import { Card } from "./card";
import { EditRecordDialog } from "./edit-record-dialog";
import { EmptyState } from "./empty-state";
import { eventColors } from "./event-badge";
import { EventsChart } from "./events-chart";
import { FailuresPanel } from "./failures-panel";
import { PauseIcon, PlayIcon, SearchIcon, StreamIcon } from "./icons";
import { LeaderboardTable } from "./leaderboard-table";
import { ApiError, fetchJson } from "./lib/api-client";
import { stringAttribute } from "./lib/dynamo-json";
import { LiveIndicator } from "./live-indicator";
import { LogoutButton } from "./logout-button";
import { PageHeading } from "./page-heading";
import { RunnerLag } from "./runner-lag";
import { StreamRecordCard } from "./stream-record-card";
import { TopPlayersChart } from "./top-players-chart";
import { useLeaderboard } from "./use-leaderboard";
import { useNow } from "./use-now";
import { useRunnerHealth } from "./use-runner-health";
import { useStreamTail } from "./use-stream-tail";

const eventTypes = ["INSERT", "MODIFY", "REMOVE"] as const;
type EventType = (typeof eventTypes)[number];

const recordIdOf = (r: InspectorRecord) => stringAttribute(r.keys, "RecordID") ?? "";

function matchesPlayer(record: InspectorRecord, query: string): boolean {
  if (!query) return true;
  const q = query.toLowerCase();
  return [record.newImage, record.oldImage].some((image) =>
    stringAttribute(image, "PlayerName")?.toLowerCase().includes(q),
  );
}

/** The operator's page: the raw stream beside the board it produces, with fixes at hand. */
export function InspectorDashboard() {
  const tail = useStreamTail();
  const board = useLeaderboard(10);
  const health = useRunnerHealth();
  const now = useNow();
  const [types, setTypes] = useState<ReadonlySet<EventType>>(new Set(eventTypes));
  const [player, setPlayer] = useState("");
  const [editing, setEditing] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ tone: "success" | "error"; text: string } | null>(null);

  useEffect(() => {
    if (!notice) return;
    const id = window.setTimeout(() => setNotice(null), 5000);
    return () => window.clearTimeout(id);
  }, [notice]);

  const removed = new Set(tail.all.filter((r) => r.eventName === "REMOVE").map(recordIdOf));
  const counts = Object.fromEntries(
    eventTypes.map((t) => [t, tail.records.filter((r) => r.eventName === t).length]),
  ) as Record<EventType, number>;
  const visible = tail.records.filter(
    (r) => types.has(r.eventName) && matchesPlayer(r, player.trim()),
  );

  function toggle(type: EventType) {
    setTypes((current) => {
      const next = new Set(current);
      if (next.has(type)) next.delete(type);
      else next.add(type);
      return next;
    });
  }

  function startEdit(recordId: string) {
    setEditing(recordId);
  }

  async function deleteRecord(recordId: string) {
    try {
      await fetchJson<undefined>(`/api/scores/${encodeURIComponent(recordId)}`, {
        method: "DELETE",
      });
      setNotice({
        tone: "success",
        text: "Record deleted — its REMOVE is on its way through the stream.",
      });
      void board.mutate();
    } catch (error) {
      setNotice({
        tone: "error",
        text: error instanceof ApiError ? error.message : "Could not delete the record.",
      });
    }
  }

  const sessionEnded = tail.error?.status === 401;
  const state = tail.paused ? "paused" : tail.error ? "error" : "live";

  return (
    <>
      <PageHeading
        title="Stream inspector"
        description={
          <>
            Raw records of the <span className="font-mono text-[13px]">GameScoreRecords</span>{" "}
            stream (NEW_AND_OLD_IMAGES), newest first, beside the leaderboard the aggregator builds
            from them.
          </>
        }
        actions={
          <>
            <RunnerLag health={health.data} error={health.error} now={now} />
            <LiveIndicator
              state={state}
              label={
                tail.paused && tail.newWhilePaused > 0
                  ? `Paused · ${tail.newWhilePaused} new`
                  : undefined
              }
            />
            <Button
              variant="secondary"
              size="sm"
              onClick={() => tail.setPaused(!tail.paused)}
              aria-pressed={tail.paused}
            >
              {tail.paused ? (
                <PlayIcon width={14} height={14} />
              ) : (
                <PauseIcon width={14} height={14} />
              )}
              {tail.paused ? "Resume" : "Pause"}
            </Button>
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

      <div className="mb-6 grid grid-cols-1 gap-6 lg:grid-cols-12">
        <Card
          className="lg:col-span-7"
          title="Events per second"
          description="Last 60 seconds, by type"
        >
          <EventsChart records={tail.all} now={now} />
        </Card>
        <Card className="lg:col-span-5" title="Top players" description="Total score">
          <TopPlayersChart entries={board.data?.entries} />
        </Card>
      </div>

      <div className="grid grid-cols-1 items-start gap-6 xl:grid-cols-12">
        <Card
          className="xl:col-span-8"
          title="Stream tail"
          description={`Last ${tail.records.length} records · polling every second`}
          bodyClassName=""
          actions={
            <div className="flex flex-wrap items-center gap-2">
              <div className="flex gap-1" role="group" aria-label="Filter by event type">
                {eventTypes.map((type) => {
                  const on = types.has(type);
                  return (
                    <button
                      key={type}
                      type="button"
                      onClick={() => toggle(type)}
                      aria-pressed={on}
                      className={`inline-flex items-center gap-1.5 rounded-md px-2 py-1 font-mono text-[11px] font-semibold ring-1 ring-inset transition ${
                        on
                          ? eventColors[type]?.badge
                          : "bg-white text-slate-400 ring-slate-200 hover:text-slate-600"
                      }`}
                    >
                      {type}
                      <span className="tabular-nums opacity-70">{counts[type]}</span>
                    </button>
                  );
                })}
              </div>
              <label className="relative block">
                <span className="sr-only">Filter by player</span>
                <SearchIcon
                  width={14}
                  height={14}
                  className="pointer-events-none absolute left-2.5 top-1/2 -translate-y-1/2 text-slate-400"
                />
                <input
                  type="search"
                  value={player}
                  onChange={(e) => setPlayer(e.target.value)}
                  placeholder="Player"
                  aria-label="Filter by player"
                  className="w-36 rounded-md border-0 py-1 pl-8 pr-2 text-xs text-slate-900 ring-1 ring-inset ring-slate-200 placeholder:text-slate-400 focus:ring-2 focus:ring-indigo-600"
                />
              </label>
            </div>
          }
        >
          {notice && (
            <div className="border-b border-slate-100 px-5 py-3">
              <Alert tone={notice.tone}>{notice.text}</Alert>
            </div>
          )}
          {tail.error && !sessionEnded && (
            <div className="border-b border-slate-100 px-5 py-3">
              <Alert tone="error" title="Could not read the stream">
                {tail.error.message} Retrying…
              </Alert>
            </div>
          )}
          {visible.length === 0 ? (
            tail.isLoading ? (
              <div className="space-y-3 p-5" aria-busy="true">
                {[0, 1, 2].map((i) => (
                  <div key={i} className="h-24 animate-pulse rounded-lg bg-slate-50" />
                ))}
              </div>
            ) : (
              <EmptyState
                icon={<StreamIcon />}
                title={
                  tail.records.length
                    ? "No records match the filters"
                    : "Waiting for stream records…"
                }
              >
                {tail.records.length
                  ? "Turn an event type back on or clear the player filter."
                  : "Submit a score on the leaderboard page and its INSERT appears here within a second."}
              </EmptyState>
            )
          ) : (
            <div
              className="max-h-[75vh] divide-y divide-slate-100 overflow-y-auto overscroll-contain"
              data-testid="stream-tail"
            >
              {visible.map((record) => (
                <StreamRecordCard
                  key={record.eventID}
                  record={record}
                  removed={removed.has(recordIdOf(record))}
                  onEdit={startEdit}
                  onDelete={deleteRecord}
                />
              ))}
            </div>
          )}
        </Card>

        <div className="flex min-w-0 flex-col gap-6 xl:sticky xl:top-6 xl:col-span-4">
          <Card
            aria-label="Rolling leaderboard"
            title="Leaderboard"
            description="Rolling totals from GameScoresByUser"
            bodyClassName="pb-2"
            actions={<LiveIndicator state={board.error ? "error" : "live"} />}
          >
            <LeaderboardTable entries={board.data?.entries} compact />
          </Card>
          <FailuresPanel now={now} />
        </div>
      </div>

      {editing && (
        <EditRecordDialog
          recordId={editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            setNotice({
              tone: "success",
              text: "Record updated — watch for its MODIFY in the tail.",
            });
            void board.mutate();
          }}
        />
      )}
    </>
  );
}
