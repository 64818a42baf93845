"use client";

import dynamic from "next/dynamic";
import { memo } from "react";

/*
 * The profile's charts, loaded after the page: recharts is about 126 KiB gzipped, and nothing
 * else on the profile needs it, so the first paint (standings, games) does not wait for it.
 * Memoised: the charts re-render when their points change, not on every tick of the clock.
 */
export const ProfileChart = memo(
  dynamic(() => import("./profile-chart").then((m) => m.ProfileChart), {
    ssr: false,
    loading: () => (
      <div className="grid gap-6 lg:grid-cols-2" aria-hidden="true">
        <div className="h-56 rounded-lg bg-slate-50 motion-safe:animate-pulse" />
        <div className="h-56 rounded-lg bg-slate-50 motion-safe:animate-pulse" />
      </div>
    ),
  }),
);
