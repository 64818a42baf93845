/**
 * A stand-in origin to resolve `next` against. Any origin gives the same answer (a relative
 * reference resolves the same way under every base), so the page, the server action and the
 * proxy need not know the host to tell "a path on this site" from "somewhere else".
 */
const BASE = "http://streamboard.invalid";

/** C0 controls, DEL and the backslash: browsers drop or rewrite them (`/\t/evil` → `//evil`). */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f\\]/;

/**
 * Where to go after login: a path on this site only, never another origin. `next` is resolved
 * the way a browser resolves a Location (WHATWG URL: tabs and newlines dropped, `\` read as `/`),
 * then refused unless it stays on the same origin; what comes back is that URL's own serialised
 * path, query and fragment, so no raw control character reaches a header and a path that would
 * read as protocol-relative (`/.//evil` → `//evil`) is refused too.
 */
export function safeNextPath(next: string | string[] | undefined, fallback = "/inspector"): string {
  const value = Array.isArray(next) ? next[0] : next;
  if (!value || !value.startsWith("/") || UNSAFE.test(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE || url.pathname.startsWith("//")) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return UNSAFE.test(path) ? fallback : path;
}
