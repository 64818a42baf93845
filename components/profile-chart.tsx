"use client";

import { useSyncExternalStore } from "react";
import {
  Area,
  AreaChart,
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { formatCompact, formatScore } from "./lib/format";
import type { GamePoint } from "./lib/profile-games";

const REDUCED_MOTION = "(prefers-reduced-motion: reduce)";

function subscribeMotion(onChange: () => void) {
  const query = window.matchMedia(REDUCED_MOTION);
  query.addEventListener("change", onChange);
  return () => query.removeEventListener("change", onChange);
}

/** Whether the user asked for less motion; true while rendering on the server (no animation). */
function usePrefersReducedMotion(): boolean {
  return useSyncExternalStore(
    subscribeMotion,
    () => window.matchMedia(REDUCED_MOTION).matches,
    () => true,
  );
}

const HOUR_MS = 3_600_000;

function timeTick(span: number) {
  return (ms: number) => {
    const date = new Date(ms);
    if (span <= HOUR_MS / 6)
      return date.toLocaleTimeString("en-GB", {
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      });
    if (span <= 2 * 24 * HOUR_MS)
      return date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
    return date.toLocaleDateString("en-GB", { day: "numeric", month: "short" });
  };
}

const whenLabel = (ms: unknown) =>
  new Date(Number(ms)).toLocaleString("en-GB", {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });

const axis = { fontSize: 10, fill: "#64748b" };
const tooltipStyle = { fontSize: 12, borderRadius: 8, borderColor: "#e2e8f0" };

interface DotProps {
  cx?: number;
  cy?: number;
  payload?: GamePoint;
}

/** A game's dot; the best game's is larger and amber, so it stands out without a legend. */
function GameDot({ cx, cy, payload }: DotProps) {
  if (cx === undefined || cy === undefined || !payload) return null;
  if (payload.best) {
    return (
      <circle
        cx={cx}
        cy={cy}
        r={6}
        fill="#f59e0b"
        stroke="#fff"
        strokeWidth={2}
        data-testid="profile-chart-best"
      />
    );
  }
  return <circle cx={cx} cy={cy} r={3} fill="#6366f1" stroke="#fff" strokeWidth={1} />;
}

/**
 * A player's games in one period: each game's score over time (the best one highlighted), and
 * their running total. recharts is loaded on its own (profile-charts.tsx); the containers are
 * images with a text summary for screen readers, and the games table is the full alternative.
 */
export function ProfileChart({
  points,
  domain,
  summary,
}: {
  points: GamePoint[];
  domain: [number, number];
  summary: { games: string; total: string };
}) {
  const animate = !usePrefersReducedMotion();
  // The total starts from 0 at the axis' start and holds to its end (now, or the period's end).
  const totals = [
    { time: domain[0], total: 0 },
    ...points,
    { time: domain[1], total: points.at(-1)?.total ?? 0 },
  ];
  const tick = timeTick(domain[1] - domain[0]);
  const xAxis = (
    <XAxis
      dataKey="time"
      type="number"
      scale="time"
      domain={domain}
      tickFormatter={tick}
      tick={axis}
      axisLine={false}
      tickLine={false}
      minTickGap={24}
    />
  );
  const yAxis = (
    <YAxis
      tickFormatter={(v: number) => formatCompact(v)}
      tick={axis}
      axisLine={false}
      tickLine={false}
      width={44}
    />
  );
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <figure className="min-w-0">
        <figcaption className="mb-2 text-xs font-medium text-slate-600">Score per game</figcaption>
        <div
          className="h-48"
          role="img"
          aria-label={summary.games}
          data-testid="profile-games-chart"
        >
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
              <CartesianGrid vertical={false} stroke="#f1f5f9" />
              {xAxis}
              {yAxis}
              <Tooltip
                labelFormatter={whenLabel}
                formatter={(value) => [formatScore(Number(value)), "Score"]}
                contentStyle={tooltipStyle}
              />
              <Line
                dataKey="score"
                stroke="#a5b4fc"
                strokeWidth={1.5}
                dot={<GameDot />}
                activeDot={{ r: 5 }}
                isAnimationActive={animate}
              />
            </LineChart>
          </ResponsiveContainer>
        </div>
      </figure>
      <figure className="min-w-0">
        <figcaption className="mb-2 text-xs font-medium text-slate-600">Total over time</figcaption>
        <div
          className="h-48"
          role="img"
          aria-label={summary.total}
          data-testid="profile-total-chart"
        >
          <ResponsiveContainer width="100%" height="100%">
            <AreaChart data={totals} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
              <CartesianGrid vertical={false} stroke="#f1f5f9" />
              {xAxis}
              {yAxis}
              <Tooltip
                labelFormatter={whenLabel}
                formatter={(value) => [formatScore(Number(value)), "Total"]}
                contentStyle={tooltipStyle}
              />
              <Area
                dataKey="total"
                type="stepAfter"
                stroke="#6366f1"
                fill="#e0e7ff"
                strokeWidth={2}
                isAnimationActive={animate}
              />
            </AreaChart>
          </ResponsiveContainer>
        </div>
      </figure>
    </div>
  );
}
