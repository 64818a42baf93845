/**
 * The security headers every page and route answers with, set by `proxy.ts` (and, for the
 * static files the proxy does not see, the fixed subset in `next.config.ts`). A plain module:
 * the proxy, next.config.ts and the tests import it.
 */

/** The headers that do not depend on the request; next.config.ts sets these on static files. */
export const STATIC_SECURITY_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  // `frame-ancestors 'none'` in the CSP says the same to browsers that read CSP level 2.
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "strict-origin-when-cross-origin",
} as const;

/** Two years; a site once seen over https is asked for over https only, subdomains too. */
export const HSTS = "max-age=63072000; includeSubDomains";

export interface PolicyOptions {
  /** This request's nonce: Next.js finds it in the request's CSP and puts it on its scripts. */
  nonce: string;
  /** `next dev`: React's dev build uses eval, and HMR injects styles without a nonce. */
  dev: boolean;
  /** The request came over https (directly or, behind CloudFront, `x-forwarded-proto`). */
  https: boolean;
}

/**
 * A page's Content-Security-Policy. Scripts: only those carrying the nonce, and what they load
 * (`'strict-dynamic'`: the chunks of next/dynamic and recharts). Style elements: this site's CSS
 * files and Next.js's nonced inline styles. Style attributes (`style-src-attr 'unsafe-inline'`):
 * React renders `style={…}` as attributes in server HTML (recharts, progress bars), and a nonce
 * cannot apply to an attribute; an attribute cannot run script, so this opens no script path.
 */
export function pagePolicy({ nonce, dev, https }: PolicyOptions): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    dev ? "style-src 'self' 'unsafe-inline'" : `style-src 'self' 'nonce-${nonce}'`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/** An API answer is data, never a document: nothing in it may load or run, nor be framed. */
export const API_POLICY =
  "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Sets the security headers on a response's headers (a page's policy, or the API's). */
export function setSecurityHeaders(
  headers: Headers,
  options: { policy: string; https: boolean },
): void {
  headers.set("Content-Security-Policy", options.policy);
  for (const [name, value] of Object.entries(STATIC_SECURITY_HEADERS)) headers.set(name, value);
  if (options.https) headers.set("Strict-Transport-Security", HSTS);
}

/** A fresh nonce: 128 random bits, base64. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}
