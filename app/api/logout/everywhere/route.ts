import { endAllSessions } from "@streamboard/core/auth";
import { route } from "@/app/_lib/api";
import { requireOperator } from "@/app/_lib/auth";
import { clearedCookie } from "@/app/_lib/session";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// POST /api/logout/everywhere – operator: end every operator session, on every browser, this one
// included: 200 `{ended}`. (Rotating OPERATOR_TOKEN ends them all too, and stops the old token.)
export const POST = route(async (request: Request) => {
  await requireOperator(request);
  const ended = await endAllSessions();
  return clearedCookie(200, { ended });
});
