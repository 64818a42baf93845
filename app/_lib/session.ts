import "server-only";
import {
  endSession,
  safeEqual,
  startSession,
  verifySession as verify,
} from "@streamboard/core/auth";
import { serverEnv } from "@streamboard/core/env";
import { LOGIN_FAILURES, peek, take } from "@streamboard/core/limits";
import { TooManyRequests, clientOf } from "./limits";
import { NextResponse } from "next/server";

/**
 * Operator sessions (core/auth/sessions.ts): the cookie names a session the Sessions table holds,
 * signed with OPERATOR_TOKEN — never the token itself — so a leaked cookie does not reveal the
 * token, logout and "sign out everywhere" end sessions server-side, and rotating the token
 * signs every session out.
 */
export const SESSION_COOKIE = "streamboard_operator";
export { SESSION_TTL_SECONDS } from "@streamboard/core/auth";

function operatorToken(): string | undefined {
  return serverEnv().OPERATOR_TOKEN;
}

export function isOperatorToken(candidate: string): boolean {
  const token = operatorToken();
  return token !== undefined && safeEqual(candidate, token);
}

/** A new session cookie value; call only after `isOperatorToken` said yes. */
export async function createSession(request?: Request): Promise<string> {
  const token = operatorToken();
  if (!token) throw new Error("OPERATOR_TOKEN is not set");
  return startSession(token, { userAgent: request?.headers.get("user-agent") ?? undefined });
}

/** Whether the cookie value is a live operator session. */
export async function verifySession(value: string | undefined): Promise<boolean> {
  const token = operatorToken();
  if (!token || !value) return false;
  return verify(token, value);
}

/** Ends the session the cookie names, server-side. */
export async function endSessionOf(value: string | undefined): Promise<void> {
  await endSession(value);
}

export function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of header?.split(";") ?? []) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The request's operator session cookie, if it sent one. */
export const sessionCookieOf = (request: Request) =>
  cookieValue(request.headers.get("cookie"), SESSION_COOKIE);

/** The bearer token of `Authorization: Bearer …`, if any. */
export const bearerOf = (request: Request) =>
  /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1]?.trim();

/**
 * `Authorization: Bearer $OPERATOR_TOKEN`, or a live session cookie that /login set.
 *
 * A bearer token is a guess like a login: wrong ones count against the client's login limit
 * (LOGIN_FAILURES), and a locked-out client is refused with 429 before its token is even
 * compared, so the API is no way around the login's limit.
 */
export async function isOperatorRequest(request: Request): Promise<boolean> {
  const bearer = bearerOf(request);
  if (bearer) {
    const client = clientOf(request);
    const allowed = await peek(LOGIN_FAILURES, client);
    if (!allowed.ok) {
      throw new TooManyRequests("Too many wrong operator tokens.", allowed.retryAfterSeconds);
    }
    if (isOperatorToken(bearer)) return true;
    await take(LOGIN_FAILURES, client);
    return false;
  }
  return verifySession(sessionCookieOf(request));
}

/** An answer that clears the browser's session cookie (logout). */
export function clearedCookie(status: number, body?: unknown): NextResponse {
  const response =
    body === undefined ? new NextResponse(null, { status }) : NextResponse.json(body, { status });
  response.cookies.set(SESSION_COOKIE, "", {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    maxAge: 0,
  });
  return response;
}
