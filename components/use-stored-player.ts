import { useCallback, useSyncExternalStore } from "react";

/** The player name remembered in this browser, so "your games" survive a reload. */
const KEY = "streamboard:playerName";
const listeners = new Set<() => void>();
let fallback = ""; // when storage is disabled (private mode, a sandboxed frame)

function subscribe(listener: () => void) {
  listeners.add(listener);
  window.addEventListener("storage", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", listener);
  };
}

function read(): string {
  try {
    return window.localStorage.getItem(KEY) ?? "";
  } catch {
    return fallback;
  }
}

export function useStoredPlayer(): [string, (name: string) => void] {
  const name = useSyncExternalStore(subscribe, read, () => "");
  const setName = useCallback((next: string) => {
    fallback = next;
    try {
      if (next) window.localStorage.setItem(KEY, next);
      else window.localStorage.removeItem(KEY);
    } catch {
      // Remembered for this visit only.
    }
    listeners.forEach((listener) => listener());
  }, []);
  return [name, setName];
}
