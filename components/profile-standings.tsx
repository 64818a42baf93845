import type { PlayerStanding } from "@streamboard/core/contract";
import type { ReactNode } from "react";
import { formatScore } from "./lib/format";
import { rankLabel } from "./lib/profile-games";

function Stat({ label, children, testId }: { label: string; children: ReactNode; testId: string }) {
  return (
    <div className="min-w-0 rounded-xl bg-slate-50 px-4 py-3">
      <dt className="text-xs font-medium text-slate-600">{label}</dt>
      <dd
        className="mt-1 truncate text-xl font-semibold tabular-nums tracking-tight text-slate-900"
        data-testid={testId}
      >
        {children}
      </dd>
    </div>
  );
}

/**
 * The player's standing in one period: total, rank among the period's players ("#4 of 120", or
 * "top 3%" when the rank is an estimate), games and best game. `undefined`: no games in it.
 */
export function ProfileStandings({
  standing,
  loading,
}: {
  standing: PlayerStanding | undefined;
  loading: boolean;
}) {
  if (loading) {
    return (
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-4" aria-busy="true">
        {[0, 1, 2, 3].map((i) => (
          <div key={i} className="h-[72px] rounded-xl bg-slate-50 motion-safe:animate-pulse" />
        ))}
      </div>
    );
  }
  return (
    <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4" data-testid="profile-standings">
      <Stat label="Total" testId="profile-total">
        {formatScore(standing?.totalScore ?? 0)}
      </Stat>
      <Stat label="Rank" testId="profile-rank">
        {standing ? rankLabel(standing) : "—"}
      </Stat>
      <Stat label="Games" testId="profile-games-played">
        {formatScore(standing?.gamesPlayed ?? 0)}
      </Stat>
      <Stat label="Best game" testId="profile-best">
        {standing ? formatScore(standing.bestScore) : "—"}
      </Stat>
    </dl>
  );
}
