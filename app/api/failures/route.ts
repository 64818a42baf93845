import { limitParam, type FailureList } from "@streamboard/core/contract";
import { listFailures } from "@streamboard/core/ops";
import { z } from "zod";
import { readQuery, route } from "@/app/_lib/api";
import { requireOperator } from "@/app/_lib/auth";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const Query = z.object({
  limit: limitParam("failures"),
  acknowledged: z
    .enum(["include", "exclude"], { error: "acknowledged must be include or exclude" })
    .optional(),
});

// GET /api/failures – operator: the stream records the aggregator gave up on, newest first
export const GET = route(async (request: Request) => {
  await requireOperator(request);
  const { limit, acknowledged } = readQuery(request, Query);
  const body: FailureList = {
    failures: await listFailures({ limit, acknowledged: acknowledged ?? "exclude" }),
  };
  return Response.json(body);
});
