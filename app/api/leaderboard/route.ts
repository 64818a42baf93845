import { limitParam, type LeaderboardPage } from "@streamboard/core/contract";
import { getLeaderboard } from "@streamboard/core/leaderboard";
import { z } from "zod";
import { readQuery, route, textParam } from "@/app/_lib/api";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const Query = z.object({
  limit: limitParam("leaderboard"),
  period: textParam,
  cursor: textParam,
  around: textParam,
});

// GET /api/leaderboard – a page of a period's board: the top, the page after `cursor`, or the
// window `around` a player with their standing
export const GET = route(async (request: Request) => {
  const query = readQuery(request, Query);
  const page: LeaderboardPage = await getLeaderboard(query);
  return Response.json(page);
});
