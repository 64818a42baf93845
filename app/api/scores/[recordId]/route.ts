import { deleteScore, getScore, updateScore } from "@streamboard/core/score";
import { readJson, route } from "@/app/_lib/api";
import { requireOperator } from "@/app/_lib/auth";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

interface Context {
  params: Promise<{ recordId: string }>;
}

// GET /api/scores/{recordId} – one score record
export const GET = route(async (_request: Request, { params }: Context) => {
  const { recordId } = await params;
  return Response.json(await getScore(recordId));
});

// PATCH /api/scores/{recordId} – operator: correct a record (a MODIFY on the stream)
export const PATCH = route(async (request: Request, { params }: Context) => {
  requireOperator(request);
  const { recordId } = await params;
  const patch = await readJson(request);
  return Response.json(await updateScore(recordId, patch));
});

// DELETE /api/scores/{recordId} – operator: remove a record (a REMOVE on the stream)
export const DELETE = route(async (request: Request, { params }: Context) => {
  requireOperator(request);
  const { recordId } = await params;
  await deleteScore(recordId);
  return new Response(null, { status: 204 });
});
