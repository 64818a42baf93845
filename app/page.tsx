import { cookies } from "next/headers";
import { NEW_KEY_COOKIE, readNewKeyCookie } from "@/app/_lib/device";
import { HomeDashboard } from "@/components/home-dashboard";
import { periodKindParam } from "@/components/lib/period-param";
import { PageHeading } from "@/components/page-heading";

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export default async function HomePage({ searchParams }: Props) {
  const params = await searchParams;
  // `player`, `saved`, `error`, `taken`, `moved`: the answer to a plain form POST
  // (app/play/route.ts); a new claim's recovery key comes in a cookie, never in the URL.
  const notice = {
    player: one(params.player),
    saved: one(params.saved) !== undefined,
    error: one(params.error),
    taken: one(params.taken) !== undefined,
    moved: one(params.moved) !== undefined,
    newKey: readNewKeyCookie((await cookies()).get(NEW_KEY_COOKIE)?.value),
  };
  return (
    <>
      <PageHeading
        title="Live leaderboard"
        description="Play, submit your score, and climb today's, this week's, this month's and the all-time board. Your total updates within a second."
      />
      <HomeDashboard initialPeriod={periodKindParam(params.period)} notice={notice} />
    </>
  );
}
