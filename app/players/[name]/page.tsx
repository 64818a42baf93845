import { periodOf, type PeriodKind } from "@streamboard/core/contract";
import { getPlayerPeriods } from "@streamboard/core/leaderboard";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import { PageHeading } from "@/components/page-heading";
import { ProfileView } from "@/components/profile-view";
import { periodKindParam } from "@/components/lib/profile-games";

export const dynamic = "force-dynamic";

interface Props {
  params: Promise<{ name: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/** The name in the address; names hold no `%`, so one decode is safe, and a bad escape is no name. */
function decodeName(raw: string): string | undefined {
  try {
    const name = decodeURIComponent(raw).trim();
    return name ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The player's standings (today, this week, this month, all time), or undefined when they have
 * no games at all (the 404 page). The page's first paint, handed to the live view; cached per
 * request, so the metadata and the page read once between them.
 */
const standingsOf = cache(async (raw: string) => {
  const name = decodeName(raw);
  if (!name) return undefined;
  try {
    const periods = await getPlayerPeriods(name);
    const allTime = periods.periods.find((standing) => standing.period === "ALL");
    return allTime && allTime.gamesPlayed > 0 ? { periods, allTime } : undefined;
  } catch (error) {
    if ((error as { code?: unknown }).code === "not_found") return undefined;
    throw error;
  }
});

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const found = await standingsOf((await params).name);
  return {
    title: {
      absolute: found
        ? `${found.allTime.playerName} — Streamboard`
        : "Player not found — Streamboard",
    },
  };
}

// /players/{name} – a player's profile: standings per period, games over time, every game
export default async function PlayerProfilePage({ params, searchParams }: Props) {
  const [{ name: raw }, query] = await Promise.all([params, searchParams]);
  const found = await standingsOf(raw);
  if (!found) notFound();
  const name = found.allTime.playerName;
  const kind: PeriodKind = periodKindParam(query.period);
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-3 text-sm">
        <Link href="/" className="font-medium text-indigo-700 underline-offset-2 hover:underline">
          ← Leaderboard
        </Link>
      </nav>
      <PageHeading
        title={name}
        description="Player profile: standings, games over time and every game, live. Periods are in UTC."
      />
      <ProfileView
        name={name}
        initialPeriods={found.periods}
        kind={kind}
        serverPeriod={periodOf(kind)}
      />
    </>
  );
}
