import { readStream } from "@streamboard/core/stream";
import { z } from "zod";
import { limitParam, readQuery, route, textParam } from "@/app/_lib/api";
import { requireOperator } from "@/app/_lib/auth";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const Query = z.object({ cursor: textParam, limit: limitParam(500) });

// GET /api/stream – operator: raw GameScoreRecords stream records after `cursor` (or the newest)
export const GET = route(async (request: Request) => {
  requireOperator(request);
  const { cursor, limit } = readQuery(request, Query);
  return Response.json(await readStream({ cursor, limit }));
});
