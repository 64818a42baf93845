import { reapplyLogged, recordActionSafely } from "@streamboard/core/ops";
import { route } from "@/app/_lib/api";
import { requireOperator } from "@/app/_lib/auth";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

interface Context {
  params: Promise<{ logId: string }>;
}

// POST /api/stream/records/{logId}/reapply – operator: run a logged record through the aggregator
export const POST = route(async (request: Request, { params }: Context) => {
  const by = await requireOperator(request);
  const { logId } = await params;
  const { result, eventId, recordId } = await reapplyLogged(logId);
  await recordActionSafely({
    by,
    action: "reapply",
    ...(eventId ? { eventId } : {}),
    ...(recordId ? { recordId } : {}),
    outcome: result.outcome.replace("_", " ") + (result.reason ? `: ${result.reason}` : ""),
  });
  return Response.json(result);
});
