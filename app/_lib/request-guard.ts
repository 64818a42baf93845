import "server-only";
import { errorResponse, isJsonContentType } from "./api";
import { allowedMethods, matchApiRoute } from "./api-routes";
import { originVerdict } from "./same-origin";

/**
 * What `proxy.ts` answers before routing, where Next.js would answer a 500 or a body without the
 * API's error shape, or where a request must not reach its route at all:
 *
 * 1. a path that is not valid percent-encoded UTF-8 (`%zz`, `%FF`, `%ED%A0%80`): 400, where
 *    Next.js's own decoding threw a 500;
 * 2. on /api/: a method the route does not export: 405 with `Allow` (Next.js: an empty 405, or
 *    a 500 for `TRACE`); `OPTIONS`: 204 with `Allow`; any other method on an unknown path: 404;
 * 3. a cross-site write that carries cookies: 403 (CSRF);
 * 4. on /api/: a body that is not JSON: 415 (a cross-site form can post `text/plain` or
 *    form-encoded bodies without a preflight; the API takes JSON only).
 *
 * Undefined: the request goes on to its route.
 */
export function guardRequest(request: Request): Response | undefined {
  const { pathname } = new URL(request.url);
  const api = pathname === "/api" || pathname.startsWith("/api/");
  return (
    malformedPath(pathname, api) ??
    (api ? apiMethod(request, pathname) : pageMethod(request)) ??
    crossSiteWrite(request, pathname, api) ??
    (api ? nonJsonBody(request) : undefined)
  );
}

/** Methods that change state, and so must come from this site when they carry cookies. */
const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The form handlers that check the origin themselves, to answer as a page does (a 303 back with
 * a message) rather than with a bare 403.
 */
const FORM_HANDLERS = new Set(["/play"]);

/** The cookie `/login` sets (app/_lib/session.ts); repeated here so the proxy reads no secrets. */
const OPERATOR_COOKIE = "streamboard_operator";

function malformedPath(pathname: string, api: boolean): Response | undefined {
  try {
    for (const segment of pathname.split("/")) decodeURIComponent(segment);
    return undefined;
  } catch {
    const message = "The path is not valid percent-encoded UTF-8.";
    return api ? errorResponse("bad_request", message) : text(400, message);
  }
}

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

function apiMethod(request: Request, pathname: string): Response | undefined {
  const route = matchApiRoute(pathname);
  const method = request.method.toUpperCase();
  if (!route && (pathname === "/api" || pathname === "/api/")) {
    // The catch-all needs a segment: /api itself would be the HTML not-found page.
    return errorResponse("not_found", `No API route ${method} ${pathname}.`);
  }
  if (!route) {
    // Routed to the catch-all's JSON 404 (or to a route not listed yet, which the unit test of
    // API_ROUTES catches); a method Next.js has no handler for would be its 500.
    return KNOWN_METHODS.has(method)
      ? undefined
      : errorResponse("not_found", `No API route ${method} ${pathname}.`);
  }
  const allow = allowedMethods(route);
  if (method === "OPTIONS") {
    return new Response(null, { status: 204, headers: { Allow: allow.join(", ") } });
  }
  if (allow.includes(method)) return undefined;
  const response = errorResponse(
    "method_not_allowed",
    `${method} is not allowed on ${pathname}; allowed: ${allow.join(", ")}.`,
  );
  response.headers.set("Allow", allow.join(", "));
  return response;
}

/** Pages answer GET and HEAD, and POST (server actions, the /play form); not PUT, TRACE, … */
const PAGE_METHODS = ["GET", "HEAD", "POST", "OPTIONS"];

function pageMethod(request: Request): Response | undefined {
  const method = request.method.toUpperCase();
  if (PAGE_METHODS.includes(method)) return undefined;
  const { pathname } = new URL(request.url);
  const response = text(
    405,
    `${method} is not allowed on ${pathname}; allowed: ${PAGE_METHODS.join(", ")}.`,
  );
  response.headers.set("Allow", PAGE_METHODS.join(", "));
  return response;
}

/**
 * Refuses a write that carries cookies unless it comes from this site (`same-origin.ts` says how
 * that is told). Requests with `Authorization` (a game server's Bearer token) are not a browser's
 * ambient credentials and pass. With neither `Origin` nor `Sec-Fetch-Site` (every browser sends
 * one on a write), only the operator's session cookie is refused: it alone grants authority
 * that a non-browser client has no business reaching through a cookie jar.
 */
function crossSiteWrite(request: Request, pathname: string, api: boolean): Response | undefined {
  if (!WRITES.has(request.method.toUpperCase()) || FORM_HANDLERS.has(pathname)) return undefined;
  if (/^Bearer\s+\S/i.test(request.headers.get("authorization") ?? "")) return undefined;
  const cookies = request.headers.get("cookie");
  if (!cookies?.trim()) return undefined;
  const verdict = originVerdict(request);
  if (verdict === "same") return undefined;
  if (verdict === "unknown" && !hasCookie(cookies, OPERATOR_COOKIE)) return undefined;
  const message =
    verdict === "cross"
      ? "Cross-site request refused: this request with cookies came from another origin."
      : "Request refused: a request with the session cookie must say where it comes from (Origin).";
  return api ? errorResponse("forbidden", message) : text(403, message);
}

function hasCookie(header: string, name: string): boolean {
  return header.split(";").some((part) => part.split("=")[0]?.trim() === name);
}

function nonJsonBody(request: Request): Response | undefined {
  if (!["POST", "PUT", "PATCH"].includes(request.method.toUpperCase())) return undefined;
  // A declared type that is not JSON: what an HTML form (or a no-cors fetch) sends. Without a
  // Content-Type, `readJson` decides (an empty body is a 400, any other a 415); an explicitly
  // empty body (`Content-Length: 0`, as `curl -d ''` sends) is no body to refuse.
  const contentType = request.headers.get("content-type");
  if (contentType === null || isJsonContentType(contentType)) return undefined;
  if (request.headers.get("content-length") === "0") return undefined;
  return errorResponse(
    "unsupported_media_type",
    "The request body must be JSON: send Content-Type: application/json.",
  );
}

function text(status: number, message: string): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}
