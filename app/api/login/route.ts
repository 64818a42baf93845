import { VisibleError } from "@streamboard/core/contract";
import { NextResponse } from "next/server";
import { z } from "zod";
import { readJson, route } from "@/app/_lib/api";
import {
  SESSION_COOKIE,
  SESSION_TTL_SECONDS,
  createSession,
  isOperatorToken,
} from "@/app/_lib/session";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const LoginInput = z.object({ token: z.string().min(1, "Enter the operator token.").max(1024) });

// POST /api/login – exchange the operator token for a session cookie
export const POST = route(async (request: Request) => {
  const { token } = LoginInput.parse(await readJson(request));
  if (!isOperatorToken(token)) {
    throw new VisibleError("unauthorized", "That operator token is not valid.");
  }
  const response = new NextResponse(null, { status: 204 });
  response.cookies.set(SESSION_COOKIE, createSession(), {
    httpOnly: true,
    sameSite: "lax",
    secure: new URL(request.url).protocol === "https:",
    path: "/",
    maxAge: SESSION_TTL_SECONDS,
  });
  return response;
});
