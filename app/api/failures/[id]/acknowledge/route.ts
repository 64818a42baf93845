import { acknowledgeFailure, recordActionSafely } from "@streamboard/core/ops";
import { readJson, route } from "@/app/_lib/api";
import { requireOperator } from "@/app/_lib/auth";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

interface Context {
  params: Promise<{ id: string }>;
}

// POST /api/failures/{id}/acknowledge – operator: keep it, hide it from the list, note why
export const POST = route(async (request: Request, { params }: Context) => {
  const by = await requireOperator(request);
  const { id } = await params;
  // The body is optional: `{}`, `{note}`, or none at all (bad JSON is still a 400).
  const empty = request.body === null || request.headers.get("content-length") === "0";
  const body = empty ? {} : await readJson(request);
  const { at, note, recordId, eventId } = await acknowledgeFailure(id, body, by);
  await recordActionSafely({
    by,
    action: "acknowledge",
    failureId: id,
    ...(recordId ? { recordId } : {}),
    ...(eventId ? { eventId } : {}),
    ...(note ? { note } : {}),
    outcome: "acknowledged",
  });
  return Response.json({ at, by, ...(note ? { note } : {}) });
});
