"use client";

import type { StreamMetricsPage } from "@streamboard/core/contract";
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { formatDuration } from "./lib/format";
import { iteratorAges, lastMinutes, minuteLabel } from "./lib/metrics";
import { usePrefersReducedMotion } from "./use-reduced-motion";

const colors = ["#6366f1", "#0ea5e9", "#f59e0b", "#10b981"];
const MINUTES = 60;

/**
 * How far behind the stream each subscriber was, minute by minute over the last hour (the
 * largest iterator age of its batches, as Lambda's IteratorAge metric): the aggregator and the
 * stream log, the shard's two readers.
 */
export function IteratorAgeChart({
  metrics,
  now,
}: {
  metrics: StreamMetricsPage | undefined;
  now: number;
}) {
  const reducedMotion = usePrefersReducedMotion();
  const { names, rows } = iteratorAges(metrics, lastMinutes(now, MINUTES));
  if (metrics && names.length === 0) {
    return (
      <p className="flex h-40 items-center justify-center text-[13px] text-slate-500">
        No batches in the last hour.
      </p>
    );
  }
  return (
    <div>
      <div className="mb-2 flex flex-wrap gap-3 px-1 text-[11px] text-slate-500">
        {names.map((name, i) => (
          <span key={name} className="inline-flex items-center gap-1.5" data-subscriber={name}>
            <span
              className="h-2 w-2 rounded-sm"
              style={{ background: colors[i % colors.length] }}
            />
            {name}
          </span>
        ))}
      </div>
      <div className="h-40" data-testid="iterator-age-chart">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: -8 }}>
            <CartesianGrid vertical={false} stroke="#f1f5f9" />
            <XAxis
              dataKey="minute"
              tickFormatter={minuteLabel}
              interval={14}
              tick={{ fontSize: 10, fill: "#5f6e82" }}
              axisLine={false}
              tickLine={false}
            />
            <YAxis
              tickFormatter={(ms: number) => formatDuration(ms)}
              tick={{ fontSize: 10, fill: "#5f6e82" }}
              axisLine={false}
              tickLine={false}
              width={56}
            />
            <Tooltip
              isAnimationActive={!reducedMotion}
              labelFormatter={(minute) => minuteLabel(typeof minute === "string" ? minute : "")}
              formatter={(value, name) => [formatDuration(Number(value)), String(name)]}
              contentStyle={{ fontSize: 12, borderRadius: 8, borderColor: "#e2e8f0" }}
            />
            {names.map((name, i) => (
              <Line
                key={name}
                dataKey={name}
                stroke={colors[i % colors.length]}
                dot={{ r: 2 }}
                strokeWidth={1.8}
                connectNulls={false}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}
