import type { PlayerPeriods } from "@streamboard/core/contract";
import { getPlayerPeriods } from "@streamboard/core/leaderboard";
import { readAsNamed } from "@streamboard/core/names";
import { route } from "@/app/_lib/api";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

interface Context {
  params: Promise<{ playerName: string }>;
}

// GET /api/players/{playerName}/periods – the player's standing today, this week, this month and
// all time (where they have games), for their profile
export const GET = route(async (_request: Request, { params }: Context) => {
  const { playerName } = await params;
  const periods: PlayerPeriods = await readAsNamed(playerName, (name) => getPlayerPeriods(name));
  return Response.json(periods);
});
