import { PERIOD_KINDS, type PeriodKind } from "@streamboard/core/contract";
import Link from "next/link";
import { profileHref } from "./profile-link";

export const PERIOD_TAB_LABELS: Record<PeriodKind, string> = {
  DAY: "Today",
  WEEK: "This week",
  MONTH: "This month",
  ALL: "All time",
};

/**
 * The profile's periods, as links (`?period=WEEK`): each is an address to share, works before
 * the page's script has loaded, and the one shown is `aria-current`.
 */
export function ProfilePeriodTabs({ name, kind }: { name: string; kind: PeriodKind }) {
  return (
    <nav aria-label="Period" className="w-full sm:w-auto">
      <ul
        className="flex gap-1 rounded-xl bg-slate-100 p-1 sm:inline-flex"
        data-testid="profile-period-tabs"
      >
        {PERIOD_KINDS.map((option) => {
          const current = option === kind;
          return (
            <li key={option} className="flex-1 sm:flex-none">
              <Link
                href={`${profileHref(name)}${option === "ALL" ? "" : `?period=${option}`}`}
                scroll={false}
                replace
                aria-current={current ? "page" : undefined}
                className={`block whitespace-nowrap rounded-lg px-1.5 py-1.5 text-center text-[13px] font-medium sm:px-3 sm:text-sm focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 ${
                  current
                    ? "bg-white text-slate-900 shadow-sm"
                    : "text-slate-700 hover:bg-white/60 hover:text-slate-900"
                }`}
              >
                {PERIOD_TAB_LABELS[option]}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
