import { OPERATOR_ACTIONS_LIMIT } from "@streamboard/core/contract";
import { listActions } from "@streamboard/core/ops";
import { z } from "zod";
import { readQuery, route, textParam } from "@/app/_lib/api";
import { requireOperator } from "@/app/_lib/auth";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const { max } = OPERATOR_ACTIONS_LIMIT;
const limitError = `limit must be an integer between 1 and ${max}`;
const Query = z.object({
  limit: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z.coerce
      .number({ error: limitError })
      .int({ error: limitError })
      .min(1, { error: limitError })
      .max(max, { error: limitError })
      .optional(),
  ),
  before: textParam,
});

// GET /api/operator-actions – operator: what operators did, newest first; `before` pages back
export const GET = route(async (request: Request) => {
  await requireOperator(request);
  const { limit, before } = readQuery(request, Query);
  return Response.json(
    await listActions({ ...(limit ? { limit } : {}), ...(before ? { before } : {}) }),
  );
});
