import type { InspectorRecord, StreamPage } from "@streamboard/core/contract";

/*
 * The inspector's window onto the stream log: pages of records, newest page first, each record
 * once (by eventID: a retried poll or a live page can repeat one). Each page keeps its own
 * `before` token, so when the window outgrows its cap the oldest pages are dropped whole and
 * "Load older" still continues exactly where what is kept begins. Pure; the hook holds one.
 */

export interface WindowPage {
  records: InspectorRecord[];
  /** `?before=` reads what precedes this page; undefined: nothing older is kept in the log. */
  before: string | undefined;
}

export interface StreamWindow {
  pages: WindowPage[];
  /** Newest first, over all pages. */
  records: InspectorRecord[];
  ids: ReadonlySet<string>;
  /** `?cursor=` reads what is newer than the window. */
  cursor: string | undefined;
  /** Records newer than the window were already in the log when it was last read. */
  newer: boolean;
  /** What precedes the oldest page (undefined: the start of what the log keeps). */
  before: string | undefined;
  /** Pages were dropped from the old end to keep the cap. */
  trimmed: boolean;
}

export const EMPTY_WINDOW: StreamWindow = {
  pages: [],
  records: [],
  ids: new Set(),
  cursor: undefined,
  newer: false,
  before: undefined,
  trimmed: false,
};

function build(
  pages: WindowPage[],
  cursor: string | undefined,
  newer: boolean,
  max: number,
  trimmed: boolean,
): StreamWindow {
  let kept = pages;
  let total = pages.reduce((sum, p) => sum + p.records.length, 0);
  while (kept.length > 1 && total > max) {
    total -= kept[kept.length - 1]!.records.length;
    kept = kept.slice(0, -1);
    trimmed = true;
  }
  // In stream order, newest first: a tail can hand back an entry older than ones it already
  // sent (a log write that landed late; see core's log-query.ts), and it belongs where it was.
  const records = kept.flatMap((p) => p.records).sort(newestFirst);
  return {
    pages: kept,
    records,
    ids: new Set(records.map((r) => r.eventID)),
    cursor,
    newer,
    before: kept.length ? kept[kept.length - 1]!.before : undefined,
    trimmed,
  };
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Sequence numbers as numbers: without leading zeros, a shorter run of digits is smaller. */
const compareSequence = (a: string, b: string) => {
  const [x, y] = [a.replace(/^0+/, ""), b.replace(/^0+/, "")];
  return x.length - y.length || compareText(x, y);
};

/** Later time first, then the later sequence number (the log's Position order, reversed). */
export const newestFirst = (a: InspectorRecord, b: InspectorRecord) =>
  compareText(b.approximateCreationDateTime, a.approximateCreationDateTime) ||
  compareSequence(b.sequenceNumber, a.sequenceNumber);

const fresh = (window: StreamWindow, records: InspectorRecord[]) => {
  const seen = new Set(window.ids);
  return records.filter((r) => {
    if (seen.has(r.eventID)) return false;
    seen.add(r.eventID);
    return true;
  });
};

/** A new window from one page (the head, or a seek). */
export function windowOf(page: StreamPage, max: number): StreamWindow {
  const records = fresh(EMPTY_WINDOW, page.records);
  return build([{ records, before: page.before }], page.cursor, page.newer, max, false);
}

/** Records newer than the window (a `cursor` page, a live page) go on top. */
export function withNewer(window: StreamWindow, page: StreamPage, max: number): StreamWindow {
  const records = fresh(window, page.records);
  const cursor = page.cursor || window.cursor;
  // Nothing new (an idle poll): the same window, so nothing re-renders.
  if (!records.length && cursor === window.cursor && page.newer === window.newer) return window;
  const pages = records.length ? [{ records, before: page.before }, ...window.pages] : window.pages;
  return build(pages, cursor, page.newer, max, window.trimmed);
}

/** A `before` page goes at the bottom; its own `before` is where the window now starts. */
export function withOlder(window: StreamWindow, page: StreamPage): StreamWindow {
  const records = fresh(window, page.records);
  const last = window.pages[window.pages.length - 1];
  const pages = last
    ? [
        ...window.pages.slice(0, -1),
        { records: last.records, before: undefined },
        { records, before: page.before },
      ]
    : [{ records, before: page.before }];
  // The older page replaces the last page's `before` (which pointed at it); an older cap never
  // trims what was just asked for.
  return build(
    pages.filter((p, i) => p.records.length > 0 || i === pages.length - 1),
    window.cursor ?? page.cursor,
    window.newer,
    Number.POSITIVE_INFINITY,
    window.trimmed,
  );
}

/** How many of `records` the window does not hold yet (the "N new" while paused). */
export const countNew = (window: StreamWindow, records: InspectorRecord[]) =>
  fresh(window, records).length;
