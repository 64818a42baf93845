import { route } from "@/app/_lib/api";
import { clearedCookie, endSessionOf, sessionCookieOf } from "@/app/_lib/session";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// POST /api/logout – end this operator session server-side (a copy of the cookie stops working
// too), and clear the cookie. 204 whether or not there was a session.
export const POST = route(async (request: Request) => {
  await endSessionOf(sessionCookieOf(request));
  return clearedCookie(204);
});
