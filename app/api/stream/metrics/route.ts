import type { StreamMetricsPage } from "@streamboard/core/contract";
import { MetricsQuery, readMetrics } from "@streamboard/core/stream";
import { readQuery, route } from "@/app/_lib/api";
import { requireOperator } from "@/app/_lib/auth";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// GET /api/stream/metrics?minutes=60 – operator: each stream subscriber's per-minute counts and iterator age
export const GET = route(async (request: Request) => {
  await requireOperator(request);
  const { minutes } = readQuery(request, MetricsQuery);
  const body: StreamMetricsPage = await readMetrics({ minutes });
  return Response.json(body);
});
