/**
 * The one error type users see. `code` is snake_case and maps to an HTTP status in one place
 * (`statusOf`); anything that is not a VisibleError is a bug, logged and shown as an opaque 500.
 */
export type ErrorCode =
  | "bad_request"
  | "invalid_input"
  | "unauthorized"
  | "not_found"
  | "idempotency_conflict"
  | "payload_too_large"
  | "internal_error"
  | "unavailable";

const statuses: Record<ErrorCode, number> = {
  bad_request: 400,
  invalid_input: 400,
  unauthorized: 401,
  not_found: 404,
  idempotency_conflict: 409,
  payload_too_large: 413,
  internal_error: 500,
  unavailable: 503,
};

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
    return statuses[this.code];
  }
}

export const statusOf = (code: ErrorCode) => statuses[code];
