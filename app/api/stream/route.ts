import { limitParam, type StreamPage } from "@streamboard/core/contract";
import { readStream } from "@streamboard/core/stream";
import { z } from "zod";
import { readQuery, route, textParam } from "@/app/_lib/api";
import { requireOperator } from "@/app/_lib/auth";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const Query = z.object({ cursor: textParam, limit: limitParam("stream") });

// GET /api/stream – operator: raw GameScoreRecords stream records after `cursor` (or the newest)
export const GET = route(async (request: Request) => {
  requireOperator(request);
  const { cursor, limit } = readQuery(request, Query);
  const page: StreamPage = await readStream({ cursor, limit });
  return Response.json(page);
});
