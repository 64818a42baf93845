import { VisibleError } from "@streamboard/core/contract";
import { LOGIN_FAILURES, reset, take } from "@streamboard/core/limits";
import { NextResponse } from "next/server";
import { z } from "zod";
import { readJson, route } from "@/app/_lib/api";
import { TooManyRequests, clientOf } from "@/app/_lib/limits";
import {
  SESSION_COOKIE,
  SESSION_TTL_SECONDS,
  createSession,
  isOperatorToken,
} from "@/app/_lib/session";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const LoginInput = z.object({ token: z.string().min(1, "Enter the operator token.").max(1024) });

// POST /api/login – exchange the operator token for a session cookie.
//
// At most 5 attempts a minute per client (core/limits/rules.ts LOGIN_FAILURES): each attempt
// takes a token first, so parallel guesses cannot slip past the limit; a right token gives the
// client its attempts back. The fifth wrong one blocks the client for a minute, doubling with
// each lockout in a row: 429 with Retry-After.
export const POST = route(async (request: Request) => {
  const { token } = LoginInput.parse(await readJson(request));
  const client = clientOf(request);
  // Taken before the token is compared: parallel guesses cannot get past the limit.
  const attempt = await take(LOGIN_FAILURES, client);
  if (!attempt.ok) {
    throw new TooManyRequests("Too many wrong operator tokens.", attempt.retryAfterSeconds);
  }
  if (!isOperatorToken(token)) {
    throw new VisibleError("unauthorized", "That operator token is not valid.");
  }
  await reset(LOGIN_FAILURES, client);
  const response = new NextResponse(null, { status: 204 });
  response.cookies.set(SESSION_COOKIE, await createSession(request), {
    httpOnly: true,
    sameSite: "lax",
    secure: new URL(request.url).protocol === "https:",
    path: "/",
    maxAge: SESSION_TTL_SECONDS,
  });
  return response;
});
