"use client";

import {
  describePeriod,
  LeaderboardPage,
  periodOf,
  type LeaderboardEntry,
  type PeriodKind,
} from "@streamboard/core/contract";
import { useCallback, useEffect, useRef, useState } from "react";
import { BoardPeriodTabs, ResetsIn } from "./board-period-tabs";
import { Button } from "./button";
import { Card } from "./card";
import { LeaderboardTable } from "./leaderboard-table";
import { getJson } from "./lib/api-client";
import { useStoredPlayer } from "./use-stored-player";
import { PAGE_SIZE } from "./lib/period-param";

const getPage = getJson(LeaderboardPage);

const boardHref = (period: string, pages?: number) =>
  `/leaderboard?period=${encodeURIComponent(period)}${pages && pages > 1 ? `&page=${pages}` : ""}`;

/** The whole board, page by page: scrolls on by cursor; "Load more" where scrolling cannot. */
export function BoardPages(props: {
  period: string;
  kind: PeriodKind;
  players: number;
  initialEntries: LeaderboardEntry[];
  initialCursor: string | undefined;
  initialPages: number;
  resetsAt: string | undefined;
  previous?: string;
  next?: string;
}) {
  const { period, kind } = props;
  const [playerName] = useStoredPlayer();
  const [entries, setEntries] = useState(props.initialEntries);
  const [cursor, setCursor] = useState(props.initialCursor);
  const [pages, setPages] = useState(props.initialPages);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const sentinel = useRef<HTMLDivElement>(null);

  const loadMore = useCallback(async () => {
    if (!cursor || loading) return;
    setLoading(true);
    setError(undefined);
    try {
      const page = await getPage(
        `/api/leaderboard?period=${encodeURIComponent(period)}&limit=${PAGE_SIZE}&cursor=${encodeURIComponent(cursor)}`,
      );
      setEntries((current) => [...current, ...page.entries]);
      setCursor(page.cursor);
      setPages((n) => {
        // The address says how far the board was read, so a shared link opens there.
        window.history.replaceState(null, "", boardHref(period, n + 1));
        return n + 1;
      });
    } catch (e) {
      setError(e instanceof Error ? e.message : "The next page could not be loaded.");
    } finally {
      setLoading(false);
    }
  }, [cursor, loading, period]);

  useEffect(() => {
    const target = sentinel.current;
    if (!target || !cursor) return;
    const observer = new IntersectionObserver(
      (seen) => {
        if (seen.some((s) => s.isIntersecting)) void loadMore();
      },
      { rootMargin: "400px" },
    );
    observer.observe(target);
    return () => observer.disconnect();
  }, [cursor, loadMore]);

  const current = kind === "ALL" || period === periodOf(kind);
  return (
    <div className="space-y-4">
      <BoardPeriodTabs
        selected={current ? kind : ("" as PeriodKind)}
        hrefOf={(k) => boardHref(k)}
      />
      <Card
        title={describePeriod(period)}
        description={`${props.players} ${props.players === 1 ? "player" : "players"} · ${entries.length} shown`}
        bodyClassName="pb-2"
        actions={
          <div className="flex flex-wrap items-center gap-3 text-sm">
            {current && <ResetsIn at={props.resetsAt} />}
            {props.previous && (
              <a className="font-medium text-indigo-700 underline" href={boardHref(props.previous)}>
                ← {describePeriod(props.previous)}
              </a>
            )}
            {props.next && !current && (
              <a className="font-medium text-indigo-700 underline" href={boardHref(props.next)}>
                {describePeriod(props.next)} →
              </a>
            )}
          </div>
        }
      >
        <LeaderboardTable entries={entries} highlight={playerName || undefined} />
        <div
          ref={sentinel}
          className="flex flex-col items-center gap-2 px-5 py-4"
          data-page={pages}
        >
          {error && (
            <p role="alert" className="text-sm text-rose-700">
              {error}
            </p>
          )}
          {cursor ? (
            <Button
              type="button"
              variant="secondary"
              busy={loading}
              onClick={() => void loadMore()}
            >
              Load more
            </Button>
          ) : (
            <p className="text-xs text-slate-600">
              {entries.length > 0
                ? "The end of the board."
                : "Nobody has played in this period yet."}
            </p>
          )}
        </div>
      </Card>
    </div>
  );
}
