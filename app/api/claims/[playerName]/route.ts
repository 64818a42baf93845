import { releaseClaim } from "@streamboard/core/names";
import { recordActionSafely } from "@streamboard/core/ops";
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
  const by = await requireOperator(request);
  const { playerName } = await params;
  const released = await releaseClaim(playerName);
  await recordActionSafely({ by, action: "release", outcome: `released "${released}"` });
  return new Response(null, { status: 204 });
});
