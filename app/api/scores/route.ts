import {
  VisibleError,
  limitParam,
  nameKey,
  type ScoreList,
  type ScoreSubmitted,
} from "@streamboard/core/contract";
import type { Submitter } from "@streamboard/core/names";
import { listScores, submitScore } from "@streamboard/core/score";
import { z } from "zod";
import { readJson, readQuery, route, textParam } from "@/app/_lib/api";
import { deviceCookie, deviceOf } from "@/app/_lib/device";
import { limitScores } from "@/app/_lib/limits";
import { bearerOf, isOperatorRequest } from "@/app/_lib/session";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const ListQuery = z.object({
  playerName: textParam,
  limit: limitParam("scores"),
  cursor: textParam,
});

// POST /api/scores – submit a score as this device (which must hold the name, or claims it: the
// answer's `claim` then carries its recovery key, once) or as the operator (any name). A retry
// with the same Idempotency-Key and body returns the same record, again with 201 and
// `Idempotent-Replayed: true`; another body with that key is a 409; another device's name a 403
export const POST = route(async (request: Request) => {
  const idempotencyKey = request.headers.get("idempotency-key") ?? undefined;
  const input = await readJson(request);
  const operator = await isOperatorRequest(request);
  if (!operator && bearerOf(request)) {
    throw new VisibleError("unauthorized", "That operator token is not valid.");
  }
  await limitScores(request, nameKeyOf(input), { operator });
  const device = operator ? undefined : deviceOf(request);
  const by: Submitter = device ? { device: device.id } : { operator: true };
  const { record, replayed, claim } = await submitScore(input, { idempotencyKey, by });
  const headers = new Headers({ "Cache-Control": "no-store" });
  if (replayed) headers.set("Idempotent-Replayed", "true");
  if (device) headers.append("Set-Cookie", deviceCookie(request, device.id));
  const body: ScoreSubmitted = { ...record, ...(claim ? { claim } : {}) };
  return Response.json(body, { status: 201, headers });
});

/** The per-name limit's subject: the name as names compare, when the body has one. */
function nameKeyOf(input: unknown): string | undefined {
  const name = (input as { playerName?: unknown } | null)?.playerName;
  return typeof name === "string" && name.trim() !== "" ? nameKey(name) : undefined;
}

// GET /api/scores – recent records, newest first, optionally of one player (paged by `cursor`)
export const GET = route(async (request: Request) => {
  const list: ScoreList = await listScores(readQuery(request, ListQuery));
  return Response.json(list);
});
