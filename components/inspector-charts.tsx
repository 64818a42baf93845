"use client";

import dynamic from "next/dynamic";
import { memo } from "react";

/*
 * The inspector's charts, loaded on their own after the page: recharts is about 126 KiB gzipped,
 * more than half of what the page needs first, and nothing else on the page uses it. Memoised:
 * a chart re-renders when its data changes, not whenever the board or the clock around it does
 * (a recharts render is tens of milliseconds: an idle page would show long tasks).
 */

const placeholder = () => <div className="h-40 animate-pulse rounded-lg bg-slate-50" />;

export const EventsChart = memo(
  dynamic(() => import("./events-chart").then((m) => m.EventsChart), {
    ssr: false,
    loading: placeholder,
  }),
);

export const IteratorAgeChart = memo(
  dynamic(() => import("./iterator-age-chart").then((m) => m.IteratorAgeChart), {
    ssr: false,
    loading: placeholder,
  }),
);

export const TopPlayersChart = memo(
  dynamic(() => import("./top-players-chart").then((m) => m.TopPlayersChart), {
    ssr: false,
    loading: placeholder,
  }),
);
