import { isIP } from "node:net";
import { serverEnv } from "../env/server.ts";

/*
 * Who a request comes from, for per-client limits: the address the nearest trusted proxy saw.
 *
 * On AWS the app runs behind CloudFront, which appends the viewer's address to
 * `X-Forwarded-For`; whatever a client put there itself is to the left of it. So the client is
 * the entry `CLIENT_IP_HOPS` (default 1) from the right. Locally Next sets the header to the
 * socket's address when the request has none, and keeps one the client sent: locally (where the
 * only client is you) the header is trusted as sent. docs/threat-model.md says what follows.
 *
 * IPv6 clients are limited per /64: one subscriber is usually given a whole /64, and limiting
 * single addresses would let them rotate through 2^64 of them.
 */

export function clientAddress(
  forwardedFor: string | null,
  hops = serverEnv().CLIENT_IP_HOPS,
): string {
  const entries = (forwardedFor ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  const raw = entries[Math.max(0, entries.length - hops)] ?? "";
  return normalise(raw) ?? "unknown";
}

function normalise(raw: string): string | undefined {
  // `[v6]:port` and `v4:port` forms.
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(raw)?.[1];
  const withoutPort = bracketed ?? (/^[\d.]+:\d+$/.test(raw) ? raw.replace(/:\d+$/, "") : raw);
  const mapped = /^::ffff:([\d.]+)$/i.exec(withoutPort)?.[1];
  const address = mapped ?? withoutPort;
  const family = isIP(address);
  if (family === 4) return address;
  if (family === 6) return `${expand(address).slice(0, 4).join(":")}::/64`;
  return undefined;
}

/** The eight groups of an IPv6 address, `::` expanded. */
function expand(address: string): string[] {
  const [head = "", tail] = address.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(missing).fill("0"), ...right].map((g) =>
    g.replace(/^0+(?=.)/, ""),
  );
}
