import { z } from "zod";
import { ERROR_CODES } from "./codes.ts";

/**
 * The one error type users see. `code` is snake_case and maps to an HTTP status here, in
 * `statusOf`, the one mapping (`app/_lib/api.ts` answers every error through it); anything that
 * is not a VisibleError is a bug, logged and shown as an opaque 500.
 */
export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

const statuses: Record<ErrorCode, number> = {
  bad_request: 400,
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  name_taken: 403,
  not_found: 404,
  method_not_allowed: 405,
  idempotency_conflict: 409,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  internal_error: 500,
  unavailable: 503,
};

/** The HTTP status of an error code: the one place codes become statuses. */
export const statusOf = (code: ErrorCode): number => statuses[code];

export class VisibleError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "VisibleError";
  }

  get status(): number {
    return statusOf(this.code);
  }
}
