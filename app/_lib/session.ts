import "server-only";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { serverEnv } from "@streamboard/core/env";

/**
 * Operator sessions without server state: the cookie holds an expiry and an HMAC of it keyed
 * by OPERATOR_TOKEN — never the token itself — so a leaked cookie does not reveal the token,
 * and rotating the token signs every session out.
 */
export const SESSION_COOKIE = "streamboard_operator";
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

function operatorToken(): string | undefined {
  return serverEnv().OPERATOR_TOKEN;
}

/** Constant-time string equality; hashing first makes the comparison independent of length. */
function safeEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(a), digest(b));
}

function sign(token: string, expiresAt: number): string {
  return createHmac("sha256", token)
    .update(`streamboard-operator:${expiresAt}`)
    .digest("base64url");
}

export function isOperatorToken(candidate: string): boolean {
  const token = operatorToken();
  return token !== undefined && safeEqual(candidate, token);
}

/** A new session cookie value; call only after `isOperatorToken` said yes. */
export function createSession(now = Date.now()): string {
  const token = operatorToken();
  if (!token) throw new Error("OPERATOR_TOKEN is not set");
  const expiresAt = Math.floor(now / 1000) + SESSION_TTL_SECONDS;
  return `${expiresAt}.${sign(token, expiresAt)}`;
}

export function verifySession(value: string | undefined, now = Date.now()): boolean {
  const token = operatorToken();
  if (!token || !value) return false;
  const [expires, mac, ...rest] = value.split(".");
  if (!expires || !mac || rest.length > 0 || !/^\d+$/.test(expires)) return false;
  const expiresAt = Number(expires);
  if (expiresAt * 1000 <= now) return false;
  return safeEqual(mac, sign(token, expiresAt));
}

function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of header?.split(";") ?? []) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** `Authorization: Bearer $OPERATOR_TOKEN`, or the session cookie that /login set. */
export function isOperatorRequest(request: Request): boolean {
  const authorization = request.headers.get("authorization");
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? "")?.[1]?.trim();
  if (bearer) return isOperatorToken(bearer);
  return verifySession(cookieValue(request.headers.get("cookie"), SESSION_COOKIE));
}
