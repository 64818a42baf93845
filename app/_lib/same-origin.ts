/**
 * Where a request says it comes from, for refusing cross-site writes (CSRF). A plain module: the
 * proxy and the form handlers (app/play/route.ts) share it.
 *
 * The site's own origin is read from the request: `x-forwarded-proto` / `x-forwarded-host` when
 * present (CloudFront, and OpenNext behind it, set them to what the browser asked for; the
 * Lambda's own Host is the function URL), else the URL's protocol and the `Host` header. A
 * client can send those headers itself, but one that sets its own headers is not a browser being
 * tricked into a request, which is all this guards against: a cross-site page cannot set
 * `x-forwarded-host`, `Origin` or `Sec-Fetch-Site`, nor `Authorization`, without a CORS
 * preflight, which this site never grants.
 */

export type OriginVerdict = "same" | "cross" | "unknown";

function first(value: string | null): string | undefined {
  const item = value?.split(",")[0]?.trim();
  return item ? item : undefined;
}

/** The origins this request may call its own: as forwarded (CloudFront) and as received. */
export function siteOrigins(request: Request): Set<string> {
  const url = new URL(request.url);
  const protocol = first(request.headers.get("x-forwarded-proto"))?.replace(/:$/, "");
  const forwardedHost = first(request.headers.get("x-forwarded-host"));
  const host = request.headers.get("host") ?? url.host;
  const origins = new Set<string>([`${url.protocol}//${host}`, url.origin]);
  if (protocol) origins.add(`${protocol}://${host}`);
  if (forwardedHost)
    origins.add(`${protocol ?? url.protocol.replace(/:$/, "")}://${forwardedHost}`);
  return new Set([...origins].map((origin) => origin.toLowerCase()));
}

/** True when the request reached this site over https (directly or as CloudFront forwarded it). */
export function isHttps(request: Request): boolean {
  const forwarded = first(request.headers.get("x-forwarded-proto"));
  return forwarded
    ? forwarded.toLowerCase() === "https"
    : new URL(request.url).protocol === "https:";
}

/**
 * `same` when `Origin` is this site (or, without an Origin, `Sec-Fetch-Site` is `same-origin`
 * or `none`: the user's own navigation); `cross` when either names another site (an `Origin` of
 * `null` included: sandboxed frames, cross-site redirects); `unknown` with neither header (curl,
 * a game server, a browser too old to send them).
 */
export function originVerdict(request: Request): OriginVerdict {
  const origin = request.headers.get("origin");
  if (origin !== null) {
    return siteOrigins(request).has(origin.trim().toLowerCase()) ? "same" : "cross";
  }
  const site = request.headers.get("sec-fetch-site")?.trim().toLowerCase();
  if (site === undefined || site === "") return "unknown";
  return site === "same-origin" || site === "none" ? "same" : "cross";
}
