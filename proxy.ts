import { NextResponse, type NextRequest } from "next/server";
import { SESSION_COOKIE, verifySession } from "@/app/_lib/session";

/** Sends a browser without an operator session from /inspector to /login, and back after. */
export async function proxy(request: NextRequest) {
  if (await verifySession(request.cookies.get(SESSION_COOKIE)?.value)) return NextResponse.next();
  return NextResponse.redirect(new URL(`/login?next=${request.nextUrl.pathname}`, request.url));
}

export const config = { matcher: ["/inspector/:path*"] };
