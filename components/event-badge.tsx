import type { InspectorRecord } from "@streamboard/core/contract";

type EventName = InspectorRecord["eventName"];

export const eventColors: Record<string, { badge: string; dot: string; chart: string }> = {
  INSERT: {
    badge: "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
    dot: "bg-emerald-500",
    chart: "#10b981",
  },
  MODIFY: {
    badge: "bg-amber-50 text-amber-800 ring-amber-600/25",
    dot: "bg-amber-500",
    chart: "#f59e0b",
  },
  REMOVE: {
    badge: "bg-rose-50 text-rose-700 ring-rose-600/20",
    dot: "bg-rose-500",
    chart: "#f43f5e",
  },
};

// An on-failure entry can carry an event name the aggregator did not recognise.
const unknownColors = {
  badge: "bg-slate-50 text-slate-600 ring-slate-500/20",
  dot: "bg-slate-400",
};

/** INSERT green, MODIFY amber, REMOVE red — the three things a stream record can say. */
export function EventBadge({ eventName }: { eventName: EventName | (string & {}) }) {
  const colors = eventColors[eventName] ?? unknownColors;
  return (
    <span
      className={`inline-flex items-center gap-1.5 rounded-md px-2 py-0.5 font-mono text-[11px] font-semibold tracking-wide ring-1 ring-inset ${colors.badge}`}
      data-event={eventName}
    >
      <span className={`h-1.5 w-1.5 rounded-full ${colors.dot}`} />
      {eventName || "?"}
    </span>
  );
}
