/**
 * Every API route and the methods its `route.ts` exports, for the proxy to answer what Next.js
 * would otherwise answer without the JSON error shape: a method a route does not export (Next
 * gives an empty 405, and a 500 to `TRACE`), and `OPTIONS`. Written out rather than discovered
 * because the proxy runs before routing; `api-routes.test.ts` compares it with the route files'
 * exports, so a route added or changed without this list fails the unit tests.
 *
 * `[name]` is one path segment. The catch-all `app/api/[...path]` (a JSON 404) is not listed.
 */
export const API_ROUTES = {
  "/api/claims/[playerName]": ["DELETE"],
  "/api/claims/recover": ["POST"],
  "/api/failures": ["GET"],
  "/api/failures/[id]/acknowledge": ["POST"],
  "/api/failures/[id]/reapply": ["POST"],
  "/api/health": ["GET"],
  "/api/leaderboard": ["GET"],
  "/api/login": ["POST"],
  "/api/logout": ["POST"],
  "/api/logout/everywhere": ["POST"],
  "/api/operator-actions": ["GET"],
  "/api/players/[playerName]": ["GET"],
  "/api/players/[playerName]/periods": ["GET"],
  "/api/scores": ["GET", "POST"],
  "/api/scores/[recordId]": ["GET", "PATCH", "DELETE"],
  "/api/stream": ["GET"],
  "/api/stream/live": ["GET"],
  "/api/stream/metrics": ["GET"],
  "/api/stream/records/[logId]": ["GET"],
  "/api/stream/records/[logId]/reapply": ["POST"],
} as const satisfies Record<string, readonly RouteMethod[]>;

/** The methods a route file can export (Next.js adds HEAD for GET, and OPTIONS, itself). */
export const ROUTE_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

export type ApiRoute = keyof typeof API_ROUTES;

const patterns = (Object.keys(API_ROUTES) as ApiRoute[]).map((route) => ({
  route,
  segments: route.split("/").slice(1),
}));

/**
 * The route a path is for, as Next.js would pick it: a static segment beats a `[param]`. A
 * trailing slash is ignored (Next.js redirects it away). Undefined for a path no route serves.
 */
export function matchApiRoute(pathname: string): ApiRoute | undefined {
  const segments = pathname.replace(/\/$/, "").split("/").slice(1);
  let best: { route: ApiRoute; score: number } | undefined;
  for (const pattern of patterns) {
    if (pattern.segments.length !== segments.length) continue;
    let score = 0;
    const matches = pattern.segments.every((segment, i) => {
      const actual = segments[i];
      if (segment.startsWith("[")) return actual !== undefined && actual !== "";
      score += 1;
      return segment === actual;
    });
    if (matches && (!best || score > best.score)) best = { route: pattern.route, score };
  }
  return best?.route;
}

/** What the `Allow` header lists for a route: its methods, HEAD with GET, and OPTIONS. */
export function allowedMethods(route: ApiRoute): string[] {
  const methods: string[] = [...API_ROUTES[route]];
  if (methods.includes("GET")) methods.splice(methods.indexOf("GET") + 1, 0, "HEAD");
  return [...methods, "OPTIONS"];
}
