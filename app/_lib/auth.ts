import "server-only";
import { createHash } from "node:crypto";
import { VisibleError } from "@streamboard/core/contract";
import { isOperatorRequest, SESSION_COOKIE } from "./session";

/**
 * Throws 401 unless the request carries operator credentials; answers who acted, as
 * `operatorActor` describes them (for the operator action log).
 */
export function requireOperator(request: Request): string {
  if (!isOperatorRequest(request)) {
    throw new VisibleError(
      "unauthorized",
      "Operator credentials required: send `Authorization: Bearer <token>` or log in at /login.",
    );
  }
  return operatorActor(request);
}

/**
 * The credential an operator request came with, as the action log records "who": `bearer token`,
 * or `session <first 8 hex digits of a SHA-256 of the cookie>`, which tells one browser session
 * from another without storing the cookie. There are no operator identities yet (one shared
 * OPERATOR_TOKEN): issue 12 brings per-operator sessions, and then this names the operator.
 */
export function operatorActor(request: Request): string {
  if (/^Bearer\s+/i.test(request.headers.get("authorization") ?? "")) return "bearer token";
  const cookie = cookieValue(request.headers.get("cookie"), SESSION_COOKIE) ?? "";
  return `session ${createHash("sha256").update(cookie, "utf8").digest("hex").slice(0, 8)}`;
}

function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of header?.split(";") ?? []) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
