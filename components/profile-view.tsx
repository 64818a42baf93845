"use client";

import {
  describePeriod,
  formatCountdown,
  periodOf,
  resetsAt,
  type PeriodKind,
  type PlayerPeriods,
  type ScoreRecord,
} from "@streamboard/core/contract";
import Link from "next/link";
import { useMemo, useState } from "react";
import { Alert } from "./alert";
import { Card } from "./card";
import { EmptyState } from "./empty-state";
import { TrophyIcon } from "./icons";
import { LiveIndicator } from "./live-indicator";
import { formatScore } from "./lib/format";
import {
  CHART_CAP,
  chartDomain,
  gameSeries,
  standingOf,
  TABLE_PAGE_SIZE,
} from "./lib/profile-games";
import { ProfileChart } from "./profile-charts";
import { ProfileGamesTable } from "./profile-games-table";
import { PERIOD_TAB_LABELS, ProfilePeriodTabs } from "./profile-period-tabs";
import { ProfileStandings } from "./profile-standings";
import { useNow } from "./use-now";
import { useProfilePeriods } from "./use-profile";
import { useProfileGames } from "./use-profile-games";

const when = (ms: number) =>
  new Date(ms).toLocaleString("en-GB", {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });

/** The earliest loaded record with the best score: the game that set it. */
function bestRecordOf(records: readonly ScoreRecord[], bestScore: number | undefined) {
  if (bestScore === undefined) return undefined;
  let best: ScoreRecord | undefined;
  for (const record of records) if (record.score === bestScore) best = record;
  return best;
}

/**
 * A player's profile, live: their standing in the chosen period (tabs), their games and running
 * total over time in it, their best game, and every game, page by page.
 */
export function ProfileView({
  name,
  kind,
  serverPeriod,
  initialPeriods,
}: {
  name: string;
  kind: PeriodKind;
  /** The period `kind` named when the server rendered: the clock takes over once hydrated. */
  serverPeriod: string;
  /** The standings the server read for the first paint; polling takes over from them. */
  initialPeriods?: PlayerPeriods;
}) {
  const now = useNow();
  // Rolls over at midnight UTC (day, week, month) while the page is open.
  const period = now === 0 ? serverPeriod : periodOf(kind, now);
  const [rows, setRows] = useState(TABLE_PAGE_SIZE);

  const periods = useProfilePeriods(name, initialPeriods);
  const games = useProfileGames(name, { period, rows });
  const standing = standingOf(periods.data?.periods, period);
  const allTime = standingOf(periods.data?.periods, "ALL");
  const displayName = allTime?.playerName ?? name;

  const series = useMemo(
    () => gameSeries(games.records, period, games.more),
    [games.records, period, games.more],
  );
  const domain = chartDomain(series.points, period, Math.max(now, series.points.at(-1)?.time ?? 0));
  const bestRecordId = bestRecordOf(games.records, allTime?.bestScore)?.recordId;
  const label = describePeriod(period, now || undefined);
  const resets = resetsAt(period);

  const live = periods.error || games.error ? "error" : "live";
  const error = periods.error ?? games.error;

  if (periods.data === null) {
    return (
      <EmptyState icon={<TrophyIcon />} title={`${name} has no games any more`}>
        Their records were removed.{" "}
        <Link href="/" className="font-medium text-indigo-700 underline">
          Back to the leaderboard
        </Link>
      </EmptyState>
    );
  }

  const gamesSummary =
    series.points.length === 0
      ? `No games ${label.toLowerCase()}.`
      : `${series.points.length} games ${label.toLowerCase()}, scores from ${formatScore(
          Math.min(...series.points.map((p) => p.score)),
        )} to ${formatScore(series.best?.score ?? 0)}; best game ${formatScore(
          series.best?.score ?? 0,
        )} on ${when(series.best?.time ?? 0)}.`;
  const totalSummary =
    series.points.length === 0
      ? `No total ${label.toLowerCase()}.`
      : `Total ${label.toLowerCase()} rose to ${formatScore(series.points.at(-1)?.total ?? 0)} over ${series.points.length} games.`;

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <ProfilePeriodTabs name={displayName} kind={kind} />
        <div className="flex items-center gap-3 text-xs text-slate-600">
          {resets && now > 0 && (
            <span data-testid="profile-resets">
              Resets in{" "}
              <time dateTime={resets} className="font-medium tabular-nums text-slate-800">
                {formatCountdown(resets, now)}
              </time>
            </span>
          )}
          <LiveIndicator state={live} />
        </div>
      </div>

      {error && (
        <Alert tone="error" title="Could not refresh the profile">
          {error.message} The page keeps trying.
        </Alert>
      )}

      <Card
        title={PERIOD_TAB_LABELS[kind] === label ? label : `${PERIOD_TAB_LABELS[kind]} · ${label}`}
        description={periods.data && !standing ? `No games ${label.toLowerCase()} yet` : undefined}
        aria-label="Standing"
      >
        <ProfileStandings standing={standing} loading={periods.data === undefined} />
        {series.best && (
          <p className="mt-4 text-sm text-slate-700" data-testid="profile-best-game">
            <span className="mr-2 inline-block h-2.5 w-2.5 rounded-full bg-amber-500 align-middle" />
            Best game {label.toLowerCase() === "all time" ? "of all time" : label.toLowerCase()}:{" "}
            <strong className="tabular-nums text-slate-900">
              {formatScore(series.best.score)}
            </strong>{" "}
            on{" "}
            <time dateTime={new Date(series.best.time).toISOString()}>
              {when(series.best.time)}
            </time>
          </p>
        )}
      </Card>

      <Card
        title="Games over time"
        description={
          series.capped
            ? `The newest ${CHART_CAP} games of ${label.toLowerCase()}; older ones are in the table below.`
            : `Each game's score and the running total, ${label.toLowerCase()}.`
        }
      >
        <div data-testid="profile-chart">
          {games.records.length === 0 && games.isLoading ? (
            <div
              className="h-56 rounded-lg bg-slate-50 motion-safe:animate-pulse"
              aria-busy="true"
            />
          ) : series.points.length === 0 ? (
            <EmptyState icon={<TrophyIcon />} title={`No games ${label.toLowerCase()}`}>
              Games {label.toLowerCase()} will be charted here as they are played.
            </EmptyState>
          ) : (
            <ProfileChart
              points={series.points}
              domain={domain}
              summary={{ games: gamesSummary, total: totalSummary }}
            />
          )}
          {series.capped && (
            <p className="mt-3 text-xs text-slate-600" data-testid="profile-chart-capped">
              Showing the newest {CHART_CAP} games only.
            </p>
          )}
        </div>
      </Card>

      <Card
        title="All games"
        description={
          allTime ? `${formatScore(allTime.gamesPlayed)} games, newest first` : "Newest first"
        }
        bodyClassName=""
      >
        <ProfileGamesTable
          records={games.isLoading && games.records.length === 0 ? undefined : games.records}
          rows={rows}
          more={games.more}
          loading={games.loadingOlder}
          bestRecordId={bestRecordId}
          onLoadOlder={() => setRows((n) => n + TABLE_PAGE_SIZE)}
        />
      </Card>
    </div>
  );
}
