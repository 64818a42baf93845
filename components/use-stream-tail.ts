import { StreamPage, type InspectorRecord } from "@streamboard/core/contract";
import { useCallback, useRef, useState } from "react";
import useSWR from "swr";
import { fetchJson, type ApiError } from "./lib/api-client";

/** Newest first, one copy of each event (a retried poll may return a record twice), at most `max`. */
function merge(current: InspectorRecord[], incoming: InspectorRecord[], max: number) {
  if (incoming.length === 0) return current;
  const seen = new Set(current.map((r) => r.eventID));
  const fresh = incoming.filter((r) => !seen.has(r.eventID)).reverse();
  return fresh.length === 0 ? current : [...fresh, ...current].slice(0, max);
}

/**
 * Tails GET /api/stream: the first poll takes the newest records, each later one continues from
 * the cursor, so nothing is missed between polls. Pausing freezes what is shown while polling
 * goes on, so resuming shows what arrived meanwhile.
 */
export function useStreamTail({ max = 200, pageSize = 100 } = {}) {
  const cursor = useRef<string | undefined>(undefined);
  const [records, setRecords] = useState<InspectorRecord[]>([]);
  const [frozen, setFrozen] = useState<InspectorRecord[] | null>(null);

  const { error, isLoading } = useSWR<StreamPage, ApiError>(
    "stream-tail",
    async () => {
      const params = new URLSearchParams({ limit: String(pageSize) });
      if (cursor.current) params.set("cursor", cursor.current);
      const page = await fetchJson(`/api/stream?${params.toString()}`, {}, StreamPage);
      if (page.cursor) cursor.current = page.cursor;
      setRecords((current) => merge(current, page.records, max));
      return page;
    },
    {
      refreshInterval: 1000,
      dedupingInterval: 500,
      revalidateOnFocus: false,
      // A 401 means the session ended: polling again will not fix it.
      onErrorRetry: (err, _key, _config, revalidate, { retryCount }) => {
        if (err.status === 401 || retryCount > 20) return;
        setTimeout(() => void revalidate({ retryCount }), 2000);
      },
    },
  );

  const paused = frozen !== null;
  const setPaused = useCallback((pause: boolean) => setFrozen(pause ? records : null), [records]);
  const shown = frozen ?? records;
  const frozenIds = new Set(shown.map((r) => r.eventID));
  const newWhilePaused = paused ? records.filter((r) => !frozenIds.has(r.eventID)).length : 0;

  return { records: shown, all: records, paused, setPaused, newWhilePaused, error, isLoading };
}
