"use client";

import type { LeaderboardEntry } from "@streamboard/core/contract";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { EmptyState } from "./empty-state";
import { TrophyIcon } from "./icons";
import { formatCompact, formatScore } from "./lib/format";

/** Total score of the top players, longest bar first. */
export function TopPlayersChart({ entries }: { entries: LeaderboardEntry[] | undefined }) {
  if (entries === undefined) return <div className="h-40 animate-pulse rounded-lg bg-slate-50" />;
  if (entries.length === 0) {
    return (
      <EmptyState icon={<TrophyIcon />} title="No players yet">
        Totals appear once the aggregator has counted a score.
      </EmptyState>
    );
  }
  const top = entries.slice(0, 8);
  return (
    <div style={{ height: Math.max(120, top.length * 26 + 24) }} data-testid="top-players-chart">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={top} layout="vertical" margin={{ top: 0, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid horizontal={false} stroke="#f1f5f9" />
          <XAxis
            type="number"
            tickFormatter={(v: number) => formatCompact(v)}
            tick={{ fontSize: 10, fill: "#94a3b8" }}
            axisLine={false}
            tickLine={false}
          />
          <YAxis
            type="category"
            dataKey="playerName"
            width={96}
            tick={{ fontSize: 11, fill: "#334155" }}
            axisLine={false}
            tickLine={false}
          />
          <Tooltip
            cursor={{ fill: "#f8fafc" }}
            formatter={(value) => [formatScore(Number(value)), "Total score"]}
            contentStyle={{ fontSize: 12, borderRadius: 8, borderColor: "#e2e8f0" }}
          />
          <Bar
            dataKey="totalScore"
            fill="#6366f1"
            radius={[0, 4, 4, 0]}
            isAnimationActive={false}
          />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
