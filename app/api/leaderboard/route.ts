import { getLeaderboard } from "@streamboard/core/leaderboard";
import { z } from "zod";
import { limitParam, readQuery, route, textParam } from "@/app/_lib/api";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const Query = z.object({ limit: limitParam(100), period: textParam });

// GET /api/leaderboard – the top players by total score
export const GET = route(async (request: Request) => {
  const { limit, period } = readQuery(request, Query);
  return Response.json(await getLeaderboard({ limit, period }));
});
