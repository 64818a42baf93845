import { StreamPage } from "@streamboard/core/contract";
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, fetchJson } from "./lib/api-client";
import { filterParams, filtersKey, type StreamFilters } from "./lib/stream-query";
import {
  EMPTY_WINDOW,
  countNew,
  windowOf,
  withNewer,
  withOlder,
  type StreamWindow,
} from "./lib/stream-window";

/** How the head is followed: server-sent events, or polling `?cursor=` (SSE broke or is off). */
export type LiveTransport = "sse" | "poll";

export interface UseStreamLogOptions {
  filters: StreamFilters;
  /** Seek: the window starts at this ISO time and does not follow the head. */
  at: string | undefined;
  /** `"poll"` never opens an EventSource (on AWS responses are buffered: SSE would stall). */
  transport?: LiveTransport;
  pageSize?: number;
  olderPageSize?: number;
  /** Records kept; the oldest pages go first (Load older reads them again). */
  max?: number;
}

const POLL_MS = 1500;
const RETRY_MS = 2000;
/** An EventSource that has not opened by then is taken as buffered (a proxy, Lambda's URLs). */
const SSE_OPEN_TIMEOUT_MS = 4000;
/** While on SSE, a poll this often checks that it delivers; records it missed twice: poll. */
const SSE_CHECK_MS = 15_000;

const url = (path: string, params: URLSearchParams) => `${path}?${params.toString()}`;

/**
 * A window of the stream log (GET /api/stream), newest first, one copy of each record, filtered
 * on the server. At the head it follows new records live (SSE from /api/stream/live, else
 * polling `?cursor=`); `at` seeks instead. `loadOlder` pages back with `before`, `loadNewer`
 * forward with `cursor`. Paused, records keep arriving but are held back ("N new") until resumed.
 */
export function useStreamLog({
  filters,
  at,
  transport: wanted = "sse",
  pageSize = 200,
  olderPageSize = 500,
  max = 10_000,
}: UseStreamLogOptions) {
  const [win, setWindow] = useState<StreamWindow>(EMPTY_WINDOW);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [transport, setTransport] = useState<LiveTransport | undefined>(undefined);
  const [paused, setPausedState] = useState(false);
  // Pages that arrived while paused, merged on resume.
  const held = useRef<StreamPage[]>([]);
  const [heldCount, setHeldCount] = useState(0);
  const [busy, setBusy] = useState<"older" | "newer" | undefined>(undefined);

  const key = filtersKey(filters);
  const pausedRef = useRef(false);
  const windowRef = useRef(win);
  useEffect(() => {
    windowRef.current = win;
  }, [win]);
  const generation = useRef(0);

  // New filters or a new seek: a new window, from nothing (set while rendering, not in an effect).
  const identity = `${key}|${at ?? ""}|${wanted}`;
  const [shownIdentity, setShownIdentity] = useState(identity);
  if (identity !== shownIdentity) {
    setShownIdentity(identity);
    setWindow(EMPTY_WINDOW);
    setHeldCount(0);
    setLoading(true);
    setError(undefined);
    setTransport(undefined);
  }

  useEffect(() => {
    const gen = ++generation.current;
    const live = () => gen === generation.current;
    const base = filterParams(filters);
    const timers = new Set<ReturnType<typeof setTimeout>>();
    let source: EventSource | undefined;
    // The live head's position, advanced by every live page even while they are held back.
    let headCursor: string | undefined;
    let misses = 0;

    const later = (fn: () => void, ms: number) => {
      const id = globalThis.setTimeout(() => {
        timers.delete(id);
        if (live()) fn();
      }, ms);
      timers.add(id);
    };

    const take = (page: StreamPage) => {
      if (!live()) return;
      headCursor = page.cursor || headCursor;
      if (pausedRef.current) {
        held.current.push(page);
        setHeldCount(
          countNew(
            windowRef.current,
            held.current.flatMap((p) => p.records),
          ),
        );
      } else setWindow((w) => withNewer(w, page, max));
    };

    const readHead = async () => {
      const params = new URLSearchParams(base);
      params.set("limit", String(pageSize));
      if (headCursor) params.set("cursor", headCursor);
      return fetchJson(url("/api/stream", params), {}, StreamPage);
    };

    const poll = async () => {
      try {
        const page = await readHead();
        if (!live()) return;
        setError(undefined);
        take(page);
        later(() => void poll(), page.newer ? 0 : POLL_MS);
      } catch (e) {
        if (!live()) return;
        const err = e instanceof ApiError ? e : new ApiError(0, "network_error", String(e));
        setError(err);
        // A 401 means the session ended: polling again will not fix it.
        if (err.status !== 401) later(() => void poll(), RETRY_MS);
      }
    };

    const startPolling = () => {
      source?.close();
      source = undefined;
      setTransport("poll");
      void poll();
    };

    const check = async () => {
      try {
        const page = await readHead();
        if (!live() || !source) return;
        const missed = countNew(windowRef.current, page.records) > 0;
        take(page);
        misses = missed ? misses + 1 : 0;
        if (misses >= 2) startPolling();
        else later(() => void check(), SSE_CHECK_MS);
      } catch {
        if (live() && source) later(() => void check(), SSE_CHECK_MS);
      }
    };

    const startSse = () => {
      const params = new URLSearchParams(base);
      if (headCursor) params.set("cursor", headCursor);
      let opened = false;
      const es = new EventSource(url("/api/stream/live", params));
      source = es;
      setTransport("sse");
      es.onopen = () => {
        opened = true;
        setError(undefined);
      };
      es.addEventListener("page", (event) => {
        try {
          const page = StreamPage.parse(JSON.parse((event as MessageEvent<string>).data));
          opened = true;
          take(page);
        } catch {
          // A page this client cannot read: the safety poll will catch what it carried.
        }
      });
      // EventSource would reconnect with the first URL's cursor; polling goes on from the latest.
      es.onerror = () => {
        if (live() && source === es) startPolling();
      };
      later(() => {
        if (!opened && source === es) startPolling();
      }, SSE_OPEN_TIMEOUT_MS);
      later(() => void check(), SSE_CHECK_MS);
    };

    const start = async () => {
      const params = new URLSearchParams(base);
      params.set("limit", String(pageSize));
      if (at) params.set("at", at);
      try {
        const page = await fetchJson(url("/api/stream", params), {}, StreamPage);
        if (!live()) return;
        setWindow(windowOf(page, max));
        setError(undefined);
        setLoading(false);
        if (at) return;
        headCursor = page.cursor;
        if (wanted === "sse" && typeof EventSource !== "undefined") startSse();
        else startPolling();
      } catch (e) {
        if (!live()) return;
        const err = e instanceof ApiError ? e : new ApiError(0, "network_error", String(e));
        setError(err);
        setLoading(false);
        if (err.status !== 401 && err.status !== 400) later(() => void start(), RETRY_MS);
      }
    };

    held.current = [];
    void start();

    return () => {
      generation.current += 1;
      source?.close();
      for (const id of timers) globalThis.clearTimeout(id);
    };
    // `filters` is read through `key`: the same filters in a new object do not restart the window.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, at, wanted, pageSize, max]);

  const setPaused = useCallback(
    (pause: boolean) => {
      pausedRef.current = pause;
      setPausedState(pause);
      if (!pause) {
        const pages = held.current;
        held.current = [];
        setHeldCount(0);
        if (pages.length) setWindow((w) => pages.reduce((acc, p) => withNewer(acc, p, max), w));
      }
    },
    [max],
  );

  const page = useCallback(
    async (direction: "older" | "newer") => {
      const current = windowRef.current;
      const token = direction === "older" ? current.before : current.cursor;
      if (!token || busy) return;
      const gen = generation.current;
      const params = filterParams(filters);
      params.set("limit", String(direction === "older" ? olderPageSize : pageSize));
      params.set(direction === "older" ? "before" : "cursor", token);
      setBusy(direction);
      try {
        const result = await fetchJson(url("/api/stream", params), {}, StreamPage);
        if (gen !== generation.current) return;
        setWindow((w) =>
          direction === "older" ? withOlder(w, result) : withNewer(w, result, max),
        );
        setError(undefined);
      } catch (e) {
        if (gen === generation.current && e instanceof ApiError) setError(e);
      } finally {
        setBusy(undefined);
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [key, busy, olderPageSize, pageSize, max],
  );

  const loadOlder = useCallback(() => page("older"), [page]);
  const loadNewer = useCallback(() => page("newer"), [page]);

  return {
    window: win,
    records: win.records,
    loading,
    error,
    /** Undefined before the head is followed, and while seeking. */
    transport,
    paused,
    setPaused,
    newWhilePaused: heldCount,
    loadOlder,
    loadNewer,
    loadingOlder: busy === "older",
    loadingNewer: busy === "newer",
    /** Nothing older is kept: the start of the log's retention (or of the filter's matches). */
    atStart: !loading && win.before === undefined,
  };
}
