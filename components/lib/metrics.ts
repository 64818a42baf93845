import type { StreamMetricsPage, SubscriberMinute } from "@streamboard/core/contract";

/*
 * The subscribers' per-minute counters (StreamMetricsPage) as the inspector's charts draw them:
 * one slot per UTC minute up to now, minutes without batches as zeros (the API leaves them out).
 */

/** `YYYY-MM-DDTHH:MM` of a time (UTC), the key of SubscriberMinute. */
export const minuteOf = (ms: number) => new Date(ms).toISOString().slice(0, 16);

/** The last `count` minutes up to the one `now` is in, oldest first. */
export function lastMinutes(now: number, count: number): string[] {
  const start = Math.floor(now / 60_000) * 60_000;
  return Array.from({ length: count }, (_, i) => minuteOf(start - (count - 1 - i) * 60_000));
}

/**
 * The subscriber that sees every record: the stream log's (every record is logged), else the
 * first that reports.
 */
export function countingSubscriber(page: StreamMetricsPage | undefined): string | undefined {
  const names = Object.keys(page?.subscribers ?? {}).sort();
  return names.find((n) => /log/i.test(n)) ?? names[0];
}

export interface RateSlot {
  minute: string;
  INSERT: number;
  MODIFY: number;
  REMOVE: number;
}

/** Events per second in each minute (the minute's count / 60), by type. */
export function eventRates(minutes: SubscriberMinute[] | undefined, slots: string[]): RateSlot[] {
  const byMinute = new Map((minutes ?? []).map((m) => [m.minute, m]));
  const rate = (n: number | undefined) => Math.round(((n ?? 0) / 60) * 100) / 100;
  return slots.map((minute) => {
    const m = byMinute.get(minute);
    return {
      minute,
      INSERT: rate(m?.inserts),
      MODIFY: rate(m?.modifies),
      REMOVE: rate(m?.removes),
    };
  });
}

/** Each subscriber's largest iterator age per minute (ms; null: no batch that minute). */
export function iteratorAges(
  page: StreamMetricsPage | undefined,
  slots: string[],
): { names: string[]; rows: Array<Record<string, number | string | null>> } {
  const names = Object.keys(page?.subscribers ?? {}).sort();
  const maps = names.map(
    (n) => new Map((page?.subscribers[n] ?? []).map((m) => [m.minute, m.maxIteratorAgeMs])),
  );
  const rows = slots.map((minute) => {
    const row: Record<string, number | string | null> = { minute };
    names.forEach((n, i) => (row[n] = maps[i]!.get(minute) ?? null));
    return row;
  });
  return { names, rows };
}

/** `HH:MM` of a minute key, in the browser's local time. */
export function minuteLabel(minute: string): string {
  const date = new Date(`${minute}:00Z`);
  return date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", hour12: false });
}
