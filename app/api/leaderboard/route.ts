import { limitParam, type LeaderboardPage } from "@streamboard/core/contract";
import { getLeaderboard } from "@streamboard/core/leaderboard";
import { z } from "zod";
import { readQuery, route, textParam } from "@/app/_lib/api";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const Query = z.object({ limit: limitParam("leaderboard"), period: textParam });

// GET /api/leaderboard – the top players by total score
export const GET = route(async (request: Request) => {
  const { limit, period } = readQuery(request, Query);
  const page: LeaderboardPage = await getLeaderboard({ limit, period });
  return Response.json(page);
});
