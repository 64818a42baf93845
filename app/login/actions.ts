"use server";

import { ApiErrorBody } from "@streamboard/core/contract";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { NextResponse } from "next/server";
import { POST as postLogin } from "@/app/api/login/route";
import { safeNextPath } from "@/app/_lib/next-path";
import { SESSION_COOKIE } from "@/app/_lib/session";

/** The /login page's messages for an `error` code: never the token, only what went wrong. */
export type LoginErrorCode = "unauthorized" | "invalid_input" | "too_many_requests" | "failed";

/**
 * The login form's action, for a browser that posts it before (or without) JavaScript: the token
 * travels in the POST body only. It asks POST /api/login itself, so the token is checked, and the
 * session cookie set, exactly as for the JSON login; then 303 to `next` (validated as the page
 * does), or back to /login with an error code, never the token, in the URL.
 */
export async function signIn(form: FormData): Promise<never> {
  const next = safeNextPath(stringOf(form.get("next")));
  const token = stringOf(form.get("token"))?.trim() ?? "";
  const incoming = await headers();
  const protocol = incoming.get("x-forwarded-proto")?.split(",")[0]?.trim() ?? "http";
  const host = incoming.get("x-forwarded-host") ?? incoming.get("host") ?? "localhost";
  const response = await postLogin(
    new Request(`${protocol}://${host}/api/login`, {
      method: "POST",
      // The client's address and browser, so the login limit and the session see this client.
      headers: {
        "content-type": "application/json",
        ...forwarded(incoming, "x-forwarded-for"),
        ...forwarded(incoming, "user-agent"),
      },
      body: JSON.stringify({ token }),
    }),
  );
  if (response.status !== 204) {
    const body = ApiErrorBody.safeParse(await response.json().catch(() => null));
    const code: LoginErrorCode =
      body.success &&
      (body.data.error.code === "unauthorized" ||
        body.data.error.code === "invalid_input" ||
        body.data.error.code === "too_many_requests")
        ? body.data.error.code
        : "failed";
    redirect(`/login?${new URLSearchParams({ next, error: code }).toString()}`);
  }
  // The route's own cookie (value, path, age, flags), set on this response.
  const session =
    response instanceof NextResponse ? response.cookies.get(SESSION_COOKIE) : undefined;
  if (!session) redirect(`/login?${new URLSearchParams({ next, error: "failed" }).toString()}`);
  (await cookies()).set(session);
  redirect(next);
}

function forwarded(incoming: Headers, name: string): Record<string, string> {
  const value = incoming.get(name);
  return value ? { [name]: value } : {};
}

function stringOf(value: FormDataEntryValue | null): string | undefined {
  return typeof value === "string" ? value : undefined;
}
