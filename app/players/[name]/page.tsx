import { periodOf, type PeriodKind } from "@streamboard/core/contract";
import { getPlayer } from "@streamboard/core/leaderboard";
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
 * The player's all-time aggregate, or undefined when they have no games at all (the 404 page).
 * Cached per request: the metadata and the page ask once between them.
 */
const allTimeOf = cache(async (raw: string) => {
  const name = decodeName(raw);
  if (!name) return undefined;
  try {
    const entry = await getPlayer(name, "ALL");
    return entry.gamesPlayed > 0 ? entry : undefined;
  } catch (error) {
    if ((error as { code?: unknown }).code === "not_found") return undefined;
    throw error;
  }
});

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const entry = await allTimeOf((await params).name);
  return {
    title: {
      absolute: entry ? `${entry.playerName} — Streamboard` : "Player not found — Streamboard",
    },
  };
}

// /players/{name} – a player's profile: standings per period, games over time, every game
export default async function PlayerProfilePage({ params, searchParams }: Props) {
  const [{ name: raw }, query] = await Promise.all([params, searchParams]);
  const entry = await allTimeOf(raw);
  if (!entry) notFound();
  const kind: PeriodKind = periodKindParam(query.period);
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-3 text-sm">
        <Link href="/" className="font-medium text-indigo-700 underline-offset-2 hover:underline">
          ← Leaderboard
        </Link>
      </nav>
      <PageHeading
        title={entry.playerName}
        description="Player profile: standings, games over time and every game, live. Periods are in UTC."
      />
      <ProfileView
        name={entry.playerName}
        kind={kind}
        serverPeriod={periodOf(kind)}
      />
    </>
  );
}
