import { reapplyFailure, recordActionSafely } from "@streamboard/core/ops";
import { route } from "@/app/_lib/api";
import { requireOperator } from "@/app/_lib/auth";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

interface Context {
  params: Promise<{ id: string }>;
}

// POST /api/failures/{id}/reapply – operator: run the record through the aggregator again
export const POST = route(async (request: Request, { params }: Context) => {
  const by = await requireOperator(request);
  const { id } = await params;
  const { result, eventId, recordId } = await reapplyFailure(id);
  await recordActionSafely({
    by,
    action: "reapply",
    failureId: id,
    ...(eventId ? { eventId } : {}),
    ...(recordId ? { recordId } : {}),
    outcome: outcomeText(result),
  });
  return Response.json(result);
});

const outcomeText = (result: { outcome: string; reason?: string }) =>
  result.outcome.replace("_", " ") + (result.reason ? `: ${result.reason}` : "");
