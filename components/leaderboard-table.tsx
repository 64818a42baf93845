"use client";

import type { LeaderboardEntry } from "@streamboard/core/contract";
import { EmptyState } from "./empty-state";
import { TrophyIcon } from "./icons";
import { formatAgo, formatScore } from "./lib/format";
import { useNow } from "./use-now";

const GAP = {
  rank: 0,
  playerName: "",
  totalScore: 0,
  gamesPlayed: 0,
  bestScore: 0,
  lastScore: 0,
  updatedAt: "",
  reachedAt: "",
} satisfies LeaderboardEntry;

const medal: Record<number, string> = {
  1: "bg-amber-100 text-amber-800 ring-amber-300",
  2: "bg-slate-100 text-slate-700 ring-slate-300",
  3: "bg-orange-100 text-orange-800 ring-orange-300",
};

interface LeaderboardTableProps {
  entries: LeaderboardEntry[] | undefined;
  highlight?: string;
  compact?: boolean;
  /** Players whose row includes a score the aggregator has not counted yet. */
  pendingPlayers?: ReadonlySet<string>;
  /** Rows shown under the board after a gap: the player's own row when they are below it. */
  extra?: LeaderboardEntry[] | undefined;
  /** How many places the highlighted player just moved (positive: up), shown as ▲3 / ▼2. */
  delta?: number | undefined;
}

/** A player's profile. */
export const profileHref = (playerName: string) => `/players/${encodeURIComponent(playerName)}`;

export function LeaderboardTable({
  entries,
  highlight,
  compact = false,
  pendingPlayers,
  extra = [],
  delta,
}: LeaderboardTableProps) {
  const now = useNow();
  if (entries === undefined) return <LeaderboardSkeleton rows={compact ? 5 : 8} />;
  if (entries.length === 0) {
    return (
      <EmptyState icon={<TrophyIcon />} title="No scores yet">
        The board fills in as soon as the first score goes through the stream.
      </EmptyState>
    );
  }
  const wide = compact ? "hidden" : "hidden sm:table-cell";
  // Games is the last column shown when the others are hidden: it takes the card's edge padding.
  const gamesPad = compact ? "pr-5" : "pr-5 sm:pr-2";
  return (
    <table className="w-full text-sm" data-testid="leaderboard">
      <thead>
        <tr className="text-left text-[11px] font-medium uppercase tracking-wider text-slate-500">
          <th className="w-12 py-2 pl-5 pr-2 font-medium">#</th>
          <th className="w-full px-2 py-2 font-medium">Player</th>
          <th className="px-2 py-2 text-right font-medium">Total</th>
          <th className={`${gamesPad} py-2 pl-2 text-right font-medium`}>Games</th>
          <th className={`${wide} px-2 py-2 text-right font-medium`}>Best</th>
          <th className={`${wide} px-2 py-2 text-right font-medium`}>Last</th>
          <th
            className={`${compact ? "hidden" : "hidden md:table-cell"} py-2 pl-2 pr-5 text-right font-medium`}
          >
            Updated
          </th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {[...entries, ...(extra.length > 0 ? [GAP] : []), ...extra].map((entry) => {
          if (entry === GAP) {
            return (
              <tr key="gap" aria-hidden="true">
                <td colSpan={7} className="py-1 text-center text-xs text-slate-500">
                  ⋯
                </td>
              </tr>
            );
          }
          const mine = highlight !== undefined && entry.playerName === highlight;
          const pending = pendingPlayers?.has(entry.playerName) ?? false;
          // Rows are re-keyed when their total moves; a row whose aggregate just changed flashes.
          const changed = now > 0 && now - Date.parse(entry.updatedAt) < 3000;
          return (
            <tr
              key={`${entry.playerName}:${entry.totalScore}`}
              className={`${changed ? "motion-safe:animate-flash-in" : ""} ${mine ? "bg-indigo-50/70" : ""}`}
              data-testid="leaderboard-row"
              data-player={entry.playerName}
            >
              <td className="py-2.5 pl-5 pr-2">
                <span
                  className={`inline-flex h-6 min-w-6 items-center justify-center rounded-full px-1.5 text-xs font-semibold tabular-nums ${
                    medal[entry.rank] ? `ring-1 ${medal[entry.rank]}` : "text-slate-500"
                  }`}
                >
                  {entry.rank}
                </span>
              </td>
              <td className="max-w-0 px-2 py-2.5">
                <div className="flex items-center gap-2">
                  <a
                    href={profileHref(entry.playerName)}
                    className="truncate font-medium text-slate-900 hover:text-indigo-700 hover:underline"
                  >
                    {entry.playerName}
                  </a>
                  {mine && (
                    <span className="shrink-0 rounded bg-indigo-600 px-1.5 py-px text-[10px] font-semibold uppercase tracking-wide text-white">
                      You
                    </span>
                  )}
                  {mine && delta !== undefined && delta !== 0 && (
                    <span
                      className={`shrink-0 text-xs font-semibold tabular-nums ${delta > 0 ? "text-emerald-700" : "text-rose-700"}`}
                      data-testid="rank-change"
                      title={delta > 0 ? `Up ${delta}` : `Down ${-delta}`}
                    >
                      {delta > 0 ? `▲${delta}` : `▼${-delta}`}
                    </span>
                  )}
                  {pending && (
                    <span
                      className="shrink-0 text-[11px] text-slate-500"
                      title="Submitted; waiting for the aggregator to count it"
                    >
                      syncing…
                    </span>
                  )}
                </div>
              </td>
              <td className="px-2 py-2.5 text-right font-semibold tabular-nums text-slate-900">
                {formatScore(entry.totalScore)}
              </td>
              <td className={`${gamesPad} py-2.5 pl-2 text-right tabular-nums text-slate-600`}>
                {entry.gamesPlayed}
              </td>
              <td className={`${wide} px-2 py-2.5 text-right tabular-nums text-slate-600`}>
                {formatScore(entry.bestScore)}
              </td>
              <td className={`${wide} px-2 py-2.5 text-right tabular-nums text-slate-600`}>
                {formatScore(entry.lastScore)}
              </td>
              <td
                className={`${compact ? "hidden" : "hidden md:table-cell"} whitespace-nowrap py-2.5 pl-2 pr-5 text-right text-xs text-slate-500`}
              >
                {now ? formatAgo(entry.updatedAt, now) : ""}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function LeaderboardSkeleton({ rows }: { rows: number }) {
  return (
    <div className="space-y-3 px-5 py-4" aria-busy="true" aria-label="Loading the leaderboard">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="flex items-center gap-3">
          <div className="h-6 w-6 animate-pulse rounded-full bg-slate-100" />
          <div className="h-3 flex-1 animate-pulse rounded bg-slate-100" />
          <div className="h-3 w-16 animate-pulse rounded bg-slate-100" />
        </div>
      ))}
    </div>
  );
}
