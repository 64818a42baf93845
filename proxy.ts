import { NextResponse, type NextRequest } from "next/server";
import { guardRequest } from "@/app/_lib/request-guard";
import { isHttps } from "@/app/_lib/same-origin";
import { API_POLICY, newNonce, pagePolicy, setSecurityHeaders } from "@/app/_lib/security-headers";
import { SESSION_COOKIE, verifySession } from "@/app/_lib/session";

/**
 * Every request but static files passes here first (Next.js 16's proxy, on Node.js):
 * `guardRequest` answers what must not reach a route (malformed paths, wrong methods, cross-site
 * writes, non-JSON bodies); /inspector without an operator session goes to /login and back
 * after; and every answer gets the security headers, a page's CSP with a fresh nonce that
 * Next.js reads from the request's own CSP header and puts on its scripts.
 */
export async function proxy(request: NextRequest) {
  const https = isHttps(request);
  const { pathname, search } = request.nextUrl;
  const api = pathname === "/api" || pathname.startsWith("/api/");
  const nonce = newNonce();
  const policy = api
    ? API_POLICY
    : pagePolicy({ nonce, dev: process.env.NODE_ENV === "development", https });
  const secure = <T extends Response>(response: T): T => {
    setSecurityHeaders(response.headers, { policy, https });
    return response;
  };

  const refused = guardRequest(request);
  if (refused) return secure(refused);

  if (
    (pathname === "/inspector" || pathname.startsWith("/inspector/")) &&
    !(await verifySession(request.cookies.get(SESSION_COOKIE)?.value))
  ) {
    const login = new URL("/login", request.url);
    login.searchParams.set("next", `${pathname}${search}`);
    return secure(NextResponse.redirect(login));
  }

  const headers = new Headers(request.headers);
  if (!api) {
    headers.set("x-nonce", nonce);
    headers.set("Content-Security-Policy", policy);
  }
  return secure(NextResponse.next({ request: { headers } }));
}

export const config = {
  // Everything but the build's static files (content-hashed JS and CSS, which next.config.ts
  // gives the fixed headers): pages, routes, 404s, /icon.svg.
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
