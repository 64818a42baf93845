import type { PlayerStanding } from "@streamboard/core/contract";
import { getPlayer } from "@streamboard/core/leaderboard";
import { z } from "zod";
import { readAsNamed } from "@streamboard/core/names";
import { readQuery, route, textParam } from "@/app/_lib/api";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

interface Context {
  params: Promise<{ playerName: string }>;
}

const Query = z.object({ period: textParam });

// GET /api/players/{playerName}?period= – one player's standing: aggregate, rank of N players
export const GET = route(async (request: Request, { params }: Context) => {
  const { playerName } = await params;
  const { period } = readQuery(request, Query);
  const standing: PlayerStanding = await readAsNamed(playerName, (name) => getPlayer(name, period));
  return Response.json(standing);
});
