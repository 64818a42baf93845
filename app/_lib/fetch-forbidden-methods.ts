import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { ApiErrorBody } from "@streamboard/core/contract";
import { allowedMethods, matchApiRoute } from "./api-routes";
import { API_POLICY, setSecurityHeaders } from "./security-headers";

/**
 * A method the Fetch API refuses to represent (`new Request(url, { method: "TRACE" })` throws):
 * Next.js builds a Request for the proxy and for every route handler, so it never reaches
 * `proxy.ts` and came back as Next.js's bare 500. CloudFront does not forward it (TRACE is not
 * among its allowed methods); `next start` (npm start, the e2e stack) does.
 */
const FORBIDDEN = new Set(["TRACE"]);

/** The same answer the proxy gives a method a route lacks: 405, `Allow`, the JSON error shape. */
export function answerForbiddenMethod(request: IncomingMessage, response: ServerResponse): boolean {
  const method = request.method?.toUpperCase() ?? "";
  if (!FORBIDDEN.has(method)) return false;
  const pathname = (request.url ?? "/").split("?")[0] ?? "/";
  const api = pathname === "/api" || pathname.startsWith("/api/");
  const route = api ? matchApiRoute(pathname) : undefined;
  const allow = (
    route ? allowedMethods(route) : api ? [] : ["GET", "HEAD", "POST", "OPTIONS"]
  ).join(", ");
  const headers = new Headers();
  setSecurityHeaders(headers, {
    policy: API_POLICY,
    https: request.headers["x-forwarded-proto"]?.toString().split(",")[0]?.trim() === "https",
  });
  let body: string;
  if (api && !route) {
    const error: ApiErrorBody = {
      error: { code: "not_found", message: `No API route ${method} ${pathname}.` },
    };
    response.statusCode = 404;
    body = JSON.stringify(error);
    headers.set("Content-Type", "application/json");
  } else {
    response.statusCode = 405;
    headers.set("Allow", allow);
    const message = `${method} is not allowed on ${pathname}; allowed: ${allow}.`;
    const error: ApiErrorBody = { error: { code: "method_not_allowed", message } };
    body = api ? JSON.stringify(error) : `${message}\n`;
    headers.set("Content-Type", api ? "application/json" : "text/plain; charset=utf-8");
  }
  headers.forEach((value, name) => response.setHeader(name, value));
  response.end(body);
  return true;
}

let installed = false;

/**
 * Answers TRACE on every Node.js HTTP server in this process before Next.js sees them
 * (called from `instrumentation.ts`, which runs in the server process before it takes requests).
 */
export function installForbiddenMethodGuard(ServerClass: { prototype: Server }): void {
  if (installed) return;
  installed = true;
  // Called below with the server as `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const emit = ServerClass.prototype.emit as (
    event: string | symbol,
    ...args: unknown[]
  ) => boolean;
  ServerClass.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      const [request, response] = args as [IncomingMessage, ServerResponse];
      if (answerForbiddenMethod(request, response)) return true;
    }
    return emit.call(this, event, ...args);
  } as Server["emit"];
}
