import type { StreamPage } from "@streamboard/core/contract";
import { readLog, StreamQueryParams } from "@streamboard/core/stream";
import { readQuery, route } from "@/app/_lib/api";
import { requireOperator } from "@/app/_lib/auth";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// GET /api/stream – operator: a window of the stream log (newest, before=, cursor=, at=), filtered by type, player, recordId, q
export const GET = route(async (request: Request) => {
  await requireOperator(request);
  const query = readQuery(request, StreamQueryParams);
  const page: StreamPage = await readLog(query);
  return Response.json(page);
});
