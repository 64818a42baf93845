"use client";

import dynamic from "next/dynamic";

/*
 * The inspector's charts, loaded on their own after the page: recharts is about 126 KiB gzipped,
 * more than half of what the page needs first, and nothing else on the page uses it.
 */

const placeholder = () => <div className="h-40 animate-pulse rounded-lg bg-slate-50" />;

export const EventsChart = dynamic(() => import("./events-chart").then((m) => m.EventsChart), {
  ssr: false,
  loading: placeholder,
});

export const IteratorAgeChart = dynamic(
  () => import("./iterator-age-chart").then((m) => m.IteratorAgeChart),
  { ssr: false, loading: placeholder },
);

export const TopPlayersChart = dynamic(
  () => import("./top-players-chart").then((m) => m.TopPlayersChart),
  { ssr: false, loading: placeholder },
);
