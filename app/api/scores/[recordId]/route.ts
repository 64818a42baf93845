import { recordActionSafely } from "@streamboard/core/ops";
import { deleteScore, editScore, getScore } from "@streamboard/core/score";
import { readJson, route } from "@/app/_lib/api";
import { requireOperator } from "@/app/_lib/auth";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

interface Context {
  params: Promise<{ recordId: string }>;
}

// GET /api/scores/{recordId} – one score record; one with missing or bad fields comes flagged
export const GET = route(async (_request: Request, { params }: Context) => {
  const { recordId } = await params;
  return Response.json(await getScore(recordId));
});

// PATCH /api/scores/{recordId} – operator: correct or complete a record (one MODIFY, or a 400)
export const PATCH = route(async (request: Request, { params }: Context) => {
  const by = await requireOperator(request);
  const { recordId } = await params;
  const patch = await readJson(request);
  const { record, changes } = await editScore(recordId, patch);
  await recordActionSafely({ by, action: "edit", recordId, changes, outcome: "saved" });
  return Response.json(record);
});

// DELETE /api/scores/{recordId} – operator: remove a record (a REMOVE on the stream)
export const DELETE = route(async (request: Request, { params }: Context) => {
  const by = await requireOperator(request);
  const { recordId } = await params;
  const old = await deleteScore(recordId);
  const changes = Object.fromEntries(
    ["PlayerName", "Score", "NickName", "CreatedAt"].flatMap((field) =>
      old[field] === undefined ? [] : [[field, { from: old[field] }]],
    ),
  );
  await recordActionSafely({ by, action: "delete", recordId, changes, outcome: "deleted" });
  return new Response(null, { status: 204 });
});
