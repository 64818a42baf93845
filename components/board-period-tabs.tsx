"use client";

import type { PeriodKind } from "@streamboard/core/contract";
import { formatCountdown } from "@/packages/core/src/contract/periods.ts";
import { useNow } from "./use-now";

export const PERIOD_TABS: Record<PeriodKind, string> = {
  DAY: "Today",
  WEEK: "This week",
  MONTH: "This month",
  ALL: "All time",
};

/** Today / This week / This month / All time, as links (they work before hydration too). */
export function BoardPeriodTabs({
  selected,
  hrefOf,
  onSelect,
  label = "Board period",
}: {
  selected: PeriodKind;
  hrefOf: (kind: PeriodKind) => string;
  /** Once hydrated: switch without a navigation. */
  onSelect?: (kind: PeriodKind) => void;
  label?: string;
}) {
  return (
    <nav aria-label={label}>
      <ul className="flex flex-wrap gap-1 rounded-lg bg-slate-100 p-1 text-sm">
        {(["DAY", "WEEK", "MONTH", "ALL"] as const).map((kind) => (
          <li key={kind} className="flex-1 sm:flex-none">
            <a
              href={hrefOf(kind)}
              aria-current={kind === selected ? "page" : undefined}
              data-testid={`period-${kind}`}
              onClick={(event) => {
                if (!onSelect) return;
                event.preventDefault();
                onSelect(kind);
              }}
              className={`block rounded-md px-3 py-1.5 text-center font-medium ${
                kind === selected
                  ? "bg-white text-slate-900 shadow-sm"
                  : "text-slate-700 hover:text-slate-900"
              }`}
            >
              {PERIOD_TABS[kind]}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** "Resets in 3 h 12 m", ticking. */
export function ResetsIn({ at }: { at: string | undefined }) {
  const now = useNow();
  if (!at || now === 0) return null;
  return (
    <span className="text-xs text-slate-600" data-testid="resets-in">
      Resets in {formatCountdown(at, now)}
    </span>
  );
}
