"use client";

import type { StreamMetricsPage } from "@streamboard/core/contract";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { eventColors } from "./event-badge";
import { countingSubscriber, eventRates, lastMinutes, minuteLabel } from "./lib/metrics";
import { usePrefersReducedMotion } from "./use-reduced-motion";

const types = ["INSERT", "MODIFY", "REMOVE"] as const;
const MINUTES = 30;

/**
 * Stream events per second over the last half hour, minute by minute, stacked by type: from the
 * stream log subscriber's counters (GET /api/stream/metrics), so it is the same on AWS.
 */
export function EventsChart({
  metrics,
  now,
}: {
  metrics: StreamMetricsPage | undefined;
  now: number;
}) {
  const reducedMotion = usePrefersReducedMotion();
  const subscriber = countingSubscriber(metrics);
  const minutes = subscriber ? metrics?.subscribers[subscriber] : undefined;
  const data = eventRates(minutes, lastMinutes(now, MINUTES));
  // Per-minute counters: the busiest minute's average rate is what they can honestly tell.
  const peak = Math.max(0, ...data.map((b) => b.INSERT + b.MODIFY + b.REMOVE));
  const total = (minutes ?? []).reduce((sum, m) => sum + m.records, 0);
  return (
    <div>
      <div className="mb-3 flex flex-wrap items-baseline justify-between gap-x-3 gap-y-1 px-1">
        <p className="text-2xl font-semibold tabular-nums tracking-tight text-slate-900">
          <span data-testid="events-rate">{peak.toFixed(2)}</span>
          <span className="ml-1.5 text-xs font-normal text-slate-500">
            events/s at the busiest minute · <span data-testid="events-total">{total}</span> in the
            hour
          </span>
        </p>
        <div className="flex gap-3 text-[11px] text-slate-500">
          {types.map((type) => (
            <span key={type} className="inline-flex items-center gap-1.5">
              <span
                className="h-2 w-2 rounded-sm"
                style={{ background: eventColors[type]?.chart }}
              />
              {type}
            </span>
          ))}
        </div>
      </div>
      <div className="h-40" data-testid="events-chart">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart
            data={data}
            margin={{ top: 4, right: 4, bottom: 0, left: -20 }}
            barCategoryGap={1}
          >
            <CartesianGrid vertical={false} stroke="#f1f5f9" />
            <XAxis
              dataKey="minute"
              tickFormatter={minuteLabel}
              interval={9}
              tick={{ fontSize: 10, fill: "#5f6e82" }}
              axisLine={false}
              tickLine={false}
            />
            <YAxis tick={{ fontSize: 10, fill: "#5f6e82" }} axisLine={false} tickLine={false} />
            <Tooltip
              isAnimationActive={!reducedMotion}
              cursor={{ fill: "#f8fafc" }}
              labelFormatter={(minute) =>
                `${minuteLabel(typeof minute === "string" ? minute : "")} (events/s)`
              }
              contentStyle={{ fontSize: 12, borderRadius: 8, borderColor: "#e2e8f0" }}
            />
            {types.map((type) => (
              <Bar
                key={type}
                dataKey={type}
                stackId="events"
                fill={eventColors[type]?.chart}
                isAnimationActive={false}
              />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}
