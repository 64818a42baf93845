import type { ClaimKey } from "@streamboard/core/contract";
import { recoverClaim } from "@streamboard/core/names";
import { readJson, route } from "@/app/_lib/api";
import { deviceCookie, deviceOf } from "@/app/_lib/device";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// POST /api/claims/recover – move a name to this device with its recovery key; 200 with the
// new key (the old one stops working), 403 for a wrong key (nothing changes), 404 if none holds it
export const POST = route(async (request: Request) => {
  const input = await readJson(request);
  const device = deviceOf(request);
  const claim: ClaimKey = await recoverClaim(input, device.id);
  return Response.json(claim, {
    headers: { "Set-Cookie": deviceCookie(request, device.id), "Cache-Control": "no-store" },
  });
});
