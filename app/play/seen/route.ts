import { clearNewKeyCookie } from "@/app/_lib/device";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// POST /play/seen – the page has shown a new claim's recovery key: forget the cookie that held it
export function POST(request: Request): Response {
  return new Response(null, { status: 204, headers: { "Set-Cookie": clearNewKeyCookie(request) } });
}
