import { limitParam, type ScoreList, type ScoreRecord } from "@streamboard/core/contract";
import { listScores, submitScore } from "@streamboard/core/score";
import { z } from "zod";
import { readJson, readQuery, route, textParam } from "@/app/_lib/api";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const ListQuery = z.object({
  playerName: textParam,
  limit: limitParam("scores"),
  cursor: textParam,
});

// POST /api/scores – submit a score; a retry with the same Idempotency-Key and body returns the
// same record, again with 201 and `Idempotent-Replayed: true`; another body with that key is a 409
export const POST = route(async (request: Request) => {
  const idempotencyKey = request.headers.get("idempotency-key") ?? undefined;
  const input = await readJson(request);
  const { record, replayed } = await submitScore(input, { idempotencyKey });
  return Response.json(record satisfies ScoreRecord, {
    status: 201,
    headers: replayed ? { "Idempotent-Replayed": "true" } : {},
  });
});

// GET /api/scores – recent records, newest first, optionally of one player (paged by `cursor`)
export const GET = route(async (request: Request) => {
  const list: ScoreList = await listScores(readQuery(request, ListQuery));
  return Response.json(list);
});
