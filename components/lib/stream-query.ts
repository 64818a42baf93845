import { StreamEventName, type InspectorRecord } from "@streamboard/core/contract";

/*
 * What the inspector shows, as the query string holds it (a copied URL opens the same view):
 * the server-side filters of GET /api/stream, the seek time, the opened record. Pure, so the
 * page, the tail hook and the export read one definition.
 */

export const EVENT_TYPES = StreamEventName.options;
export type EventType = StreamEventName;

export interface StreamFilters {
  /** The event types shown; all three when none is turned off. */
  types: readonly EventType[];
  player: string;
  recordId: string;
  q: string;
}

export interface InspectorView {
  filters: StreamFilters;
  /** Seek: an ISO time the window starts at; undefined at the live head. */
  at: string | undefined;
  /** The opened record's `logId`. */
  record: string | undefined;
}

export const NO_FILTERS: StreamFilters = { types: EVENT_TYPES, player: "", recordId: "", q: "" };

/** Read a view from the page's query string; unknown or malformed values fall back to none. */
export function viewOf(params: URLSearchParams): InspectorView {
  const typeParam = params.get("type");
  const types = typeParam
    ? EVENT_TYPES.filter((t) => typeParam.split(",").includes(t))
    : EVENT_TYPES;
  const at = params.get("at") ?? "";
  return {
    filters: {
      types: types.length ? types : EVENT_TYPES,
      player: params.get("player") ?? "",
      recordId: params.get("recordId") ?? "",
      q: params.get("q") ?? "",
    },
    at: at && !Number.isNaN(Date.parse(at)) ? new Date(at).toISOString() : undefined,
    record: params.get("record") || undefined,
  };
}

/** The filters as GET /api/stream (and /live) take them: only what narrows anything. */
export function filterParams(filters: StreamFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.types.length && filters.types.length < EVENT_TYPES.length) {
    params.set("type", EVENT_TYPES.filter((t) => filters.types.includes(t)).join(","));
  }
  if (filters.player.trim()) params.set("player", filters.player.trim());
  if (filters.recordId.trim()) params.set("recordId", filters.recordId.trim());
  if (filters.q.trim()) params.set("q", filters.q.trim());
  return params;
}

/**
 * The page's query string for a view, keeping parameters the view does not own (e.g. `live=poll`).
 */
export function searchOf(view: InspectorView, current?: URLSearchParams): string {
  const params = new URLSearchParams(current);
  for (const key of ["type", "player", "recordId", "q", "at", "record"]) params.delete(key);
  for (const [key, value] of filterParams(view.filters)) params.set(key, value);
  if (view.at) params.set("at", view.at);
  if (view.record) params.set("record", view.record);
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** A stable key of the filters: the window is re-read from scratch when it changes. */
export const filtersKey = (filters: StreamFilters) => filterParams(filters).toString();

const RELATIVE = /^-(\d+)([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `-15m`, `-2h`, `-1d` as an ISO time before `now`, or undefined for anything else. */
export function resolveRelative(text: string, now: number): string | undefined {
  const match = RELATIVE.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match as unknown as [string, string, keyof typeof UNIT_MS];
  return new Date(now - Number(amount) * UNIT_MS[unit]).toISOString();
}

/** `datetime-local` input value (local time, to the minute) of an ISO time, and back. */
export function localInputOf(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function isoOfLocalInput(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return undefined;
  const ms = new Date(value).getTime(); // no zone: the browser's local time
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * A record's place in the log, comparable as text: time, then the stream's sequence number
 * (padded, as the log's `Position`), then the eventID for a tie.
 */
export const orderKeyOf = (r: InspectorRecord) =>
  `${r.approximateCreationDateTime}#${r.sequenceNumber.padStart(40, "0")}#${r.eventID}`;
