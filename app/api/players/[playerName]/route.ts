import { getPlayer } from "@streamboard/core/leaderboard";
import { route } from "@/app/_lib/api";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

interface Context {
  params: Promise<{ playerName: string }>;
}

// GET /api/players/{playerName} – one player's aggregate and rank
export const GET = route(async (_request: Request, { params }: Context) => {
  const { playerName } = await params;
  return Response.json(await getPlayer(playerName));
});
