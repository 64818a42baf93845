import { useSyncExternalStore } from "react";

function subscribe(tick: () => void) {
  const id = window.setInterval(tick, 1000);
  return () => window.clearInterval(id);
}

const currentSecond = () => Math.floor(Date.now() / 1000) * 1000;

/** The time, to the second, ticking; 0 during server rendering so hydration matches. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, currentSecond, () => 0);
}
