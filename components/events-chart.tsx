"use client";

import type { InspectorRecord } from "@streamboard/core/contract";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { eventColors } from "./event-badge";
import { toMillis } from "./lib/format";

const WINDOW_SECONDS = 60;
const types = ["INSERT", "MODIFY", "REMOVE"] as const;

interface Bucket {
  ago: number;
  INSERT: number;
  MODIFY: number;
  REMOVE: number;
}

/** Stream events per second for the last minute, stacked by type. */
export function eventsPerSecond(records: InspectorRecord[], now: number): Bucket[] {
  const buckets: Bucket[] = Array.from({ length: WINDOW_SECONDS }, (_, i) => ({
    ago: WINDOW_SECONDS - 1 - i,
    INSERT: 0,
    MODIFY: 0,
    REMOVE: 0,
  }));
  const nowSecond = Math.floor(now / 1000);
  for (const record of records) {
    const ago = nowSecond - Math.floor(toMillis(record.approximateCreationDateTime) / 1000);
    const bucket = buckets[WINDOW_SECONDS - 1 - ago];
    if (ago >= 0 && bucket && (types as readonly string[]).includes(record.eventName)) {
      bucket[record.eventName] += 1;
    }
  }
  return buckets;
}

export function EventsChart({ records, now }: { records: InspectorRecord[]; now: number }) {
  const data = now ? eventsPerSecond(records, now) : [];
  const total = data.reduce((sum, b) => sum + b.INSERT + b.MODIFY + b.REMOVE, 0);
  return (
    <div>
      <div className="mb-3 flex flex-wrap items-baseline justify-between gap-x-3 gap-y-1 px-1">
        <p className="text-2xl font-semibold tabular-nums tracking-tight text-slate-900">
          {total}
          <span className="ml-1.5 text-xs font-normal text-slate-500">
            events in the last minute
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
            margin={{ top: 4, right: 4, bottom: 0, left: -28 }}
            barCategoryGap={1}
          >
            <CartesianGrid vertical={false} stroke="#f1f5f9" />
            <XAxis
              dataKey="ago"
              tickFormatter={(ago: number) => (ago === 0 ? "now" : `-${ago}s`)}
              ticks={[59, 45, 30, 15, 0]}
              tick={{ fontSize: 10, fill: "#94a3b8" }}
              axisLine={false}
              tickLine={false}
            />
            <YAxis
              allowDecimals={false}
              tick={{ fontSize: 10, fill: "#94a3b8" }}
              axisLine={false}
              tickLine={false}
            />
            <Tooltip
              cursor={{ fill: "#f8fafc" }}
              labelFormatter={(ago) => (Number(ago) === 0 ? "this second" : `${Number(ago)} s ago`)}
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
