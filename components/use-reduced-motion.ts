"use client";

import { useSyncExternalStore } from "react";

const QUERY = "(prefers-reduced-motion: reduce)";

function subscribe(onChange: () => void) {
  const media = globalThis.matchMedia?.(QUERY);
  media?.addEventListener("change", onChange);
  return () => media?.removeEventListener("change", onChange);
}

const prefersReducedMotion = () => globalThis.matchMedia?.(QUERY).matches ?? false;

/**
 * Whether the user asked for less motion (`prefers-reduced-motion: reduce`), following changes.
 * For motion that CSS cannot turn off (globals.css does the CSS): a chart's animation, a
 * scripted scroll. The server renders as if reduced: no motion until the browser says.
 */
export function usePrefersReducedMotion(): boolean {
  return useSyncExternalStore(subscribe, prefersReducedMotion, () => true);
}
