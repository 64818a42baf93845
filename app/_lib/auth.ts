import "server-only";
import { VisibleError } from "@streamboard/core/contract";
import { sessionTag } from "@streamboard/core/auth";
import { bearerOf, isOperatorRequest, sessionCookieOf } from "./session";

/**
 * Throws 401 unless the request carries operator credentials (a live session or the token);
 * answers who acted, as `operatorActor` describes them (for the operator action log).
 */
export async function requireOperator(request: Request): Promise<string> {
  if (!(await isOperatorRequest(request))) {
    throw new VisibleError(
      "unauthorized",
      "Operator credentials required: send `Authorization: Bearer <token>` or log in at /login.",
    );
  }
  return operatorActor(request);
}

/**
 * The credential an operator request came with, as the action log records "who": `bearer token`,
 * or `session <8 hex digits of a hash of the session id>`, which tells one browser session from
 * another without storing the cookie. There is one shared OPERATOR_TOKEN, so no names.
 */
export function operatorActor(request: Request): string {
  if (bearerOf(request)) return "bearer token";
  return `session ${sessionTag(sessionCookieOf(request) ?? "")}`;
}
