import { releaseClaim } from "@streamboard/core/names";
import { route } from "@/app/_lib/api";
import { requireOperator } from "@/app/_lib/auth";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

interface Context {
  params: Promise<{ playerName: string }>;
}

// DELETE /api/claims/{playerName} – operator: release a name (no device holds it; its recovery
// key stops working; the next device to submit under it claims it); 404 unless a device held it
export const DELETE = route(async (request: Request, { params }: Context) => {
  await requireOperator(request);
  const { playerName } = await params;
  await releaseClaim(playerName);
  return new Response(null, { status: 204 });
});
