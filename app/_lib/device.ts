import "server-only";
import type { ClaimKey } from "@streamboard/core/contract";
import { isDeviceId, newDeviceId } from "@streamboard/core/names";

/*
 * The player's device: a random id in an HttpOnly cookie (scripts cannot read it, so a script
 * injected into the page cannot carry the player's names away), set the first time the device
 * submits. Names are claimed for it (`@streamboard/core/names`); the server stores only its hash.
 */
export const DEVICE_COOKIE = "streamboard_device";
// Chromium caps cookie lifetimes at 400 days; a device that plays keeps it fresh (set again on use).
const DEVICE_MAX_AGE = 400 * 24 * 60 * 60;

/** The recovery key of a claim made by a plain form POST, for the next page to show once. */
export const NEW_KEY_COOKIE = "streamboard_new_key";
const NEW_KEY_MAX_AGE = 120;

function cookieValue(request: Request, name: string): string | undefined {
  for (const part of request.headers.get("cookie")?.split(";") ?? []) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const isHttps = (request: Request) =>
  new URL(request.url).protocol === "https:" ||
  request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https";

function cookie(request: Request, name: string, value: string, maxAge: number): string {
  return [
    `${name}=${value}`,
    "Path=/",
    `Max-Age=${maxAge}`,
    "HttpOnly",
    "SameSite=Lax",
    ...(isHttps(request) ? ["Secure"] : []),
  ].join("; ");
}

/** This request's device id; `fresh` when it had none (or a value this server never gave out). */
export function deviceOf(request: Request): { id: string; fresh: boolean } {
  const value = cookieValue(request, DEVICE_COOKIE);
  return isDeviceId(value) ? { id: value, fresh: false } : { id: newDeviceId(), fresh: true };
}

/** The Set-Cookie header that keeps the device id (sent whenever a device was used). */
export const deviceCookie = (request: Request, id: string) =>
  cookie(request, DEVICE_COOKIE, id, DEVICE_MAX_AGE);

/**
 * A short-lived HttpOnly cookie with a new claim's key, for the page after a plain form POST: a
 * redirect's URL would put the key in the history, server logs and Referer.
 */
export const newKeyCookie = (request: Request, claim: ClaimKey) =>
  cookie(
    request,
    NEW_KEY_COOKIE,
    Buffer.from(JSON.stringify(claim)).toString("base64url"),
    NEW_KEY_MAX_AGE,
  );

export const clearNewKeyCookie = (request: Request) => cookie(request, NEW_KEY_COOKIE, "", 0);

/** The new-key cookie's claim, when it holds one. */
export function readNewKeyCookie(value: string | undefined): ClaimKey | undefined {
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as unknown;
    const claim = parsed as Partial<ClaimKey> | null;
    return typeof claim?.playerName === "string" && typeof claim.recoveryKey === "string"
      ? { playerName: claim.playerName, recoveryKey: claim.recoveryKey }
      : undefined;
  } catch {
    return undefined;
  }
}
