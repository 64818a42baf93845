import {
  describePeriod,
  parsePeriod,
  periodKindOf,
  shiftPeriod,
  VisibleError,
} from "@streamboard/core/contract";
import { getLeaderboard } from "@streamboard/core/leaderboard";
import type { Metadata } from "next";
import { BoardPages } from "@/components/board-pages";
import { PAGE_SIZE } from "@/components/lib/period-param";
import { PageHeading } from "@/components/page-heading";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Leaderboard — Streamboard" };

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
/** Deep links load at most this many pages at once. */
const MAX_PAGES = 20;

/**
 * Every page of a board: `?period=` (DAY, WEEK, MONTH, ALL, or a past one such as
 * `WEEK#2026-W48`) and `?page=N` (the first N pages, so a shared link opens where it was).
 * Server-rendered, so it works before hydration; then it scrolls on by cursor.
 */
export default async function LeaderboardPage({ searchParams }: Props) {
  const params = await searchParams;
  let period: string;
  try {
    period = parsePeriod(one(params.period));
  } catch (error) {
    if (!(error instanceof VisibleError)) throw error;
    period = "ALL";
  }
  const pages = Math.min(MAX_PAGES, Math.max(1, Math.floor(Number(one(params.page)) || 1)));
  let page = await getLeaderboard({ period, limit: PAGE_SIZE });
  const entries = [...page.entries];
  for (let i = 1; i < pages && page.cursor; i++) {
    page = await getLeaderboard({ period, limit: PAGE_SIZE, cursor: page.cursor });
    entries.push(...page.entries);
  }
  const kind = periodKindOf(period);
  return (
    <>
      <PageHeading
        title="Leaderboard"
        description={`${describePeriod(period)}: every player, best first. Equal totals: whoever reached the total first ranks higher.`}
      />
      <BoardPages
        key={period}
        period={period}
        kind={kind}
        players={page.players}
        initialEntries={entries}
        initialCursor={page.cursor}
        initialPages={pages}
        resetsAt={page.resetsAt}
        {...(kind !== "ALL"
          ? { previous: shiftPeriod(period, -1), next: shiftPeriod(period, 1) }
          : {})}
      />
    </>
  );
}
