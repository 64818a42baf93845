import "server-only";
import { VisibleError } from "@streamboard/core/contract";
import { isOperatorRequest } from "./session";

/** Throws 401 unless the request carries operator credentials. */
export function requireOperator(request: Request): void {
  if (!isOperatorRequest(request)) {
    throw new VisibleError(
      "unauthorized",
      "Operator credentials required: send `Authorization: Bearer <token>` or log in at /login.",
    );
  }
}
