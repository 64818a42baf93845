/*
 * The API's error codes as plain data, without zod, so a page can know them without loading the
 * schema library (`error.ts` builds its enum from this list).
 */
export const ERROR_CODES = [
  "bad_request",
  "invalid_input",
  "unauthorized",
  /** Authenticated or not, this request may not do that (e.g. a cookie write from another origin). */
  "forbidden",
  /** The name is held by another device (its claim): use its recovery key, or pick another name. */
  "name_taken",
  "not_found",
  /** The path exists, the method does not: the answer's `Allow` header lists those that do. */
  "method_not_allowed",
  "idempotency_conflict",
  /** The thing changed since it was read (e.g. an edit raced another write): reload and retry. */
  "conflict",
  "payload_too_large",
  /** A JSON route was sent a body that is not `application/json`. */
  "unsupported_media_type",
  /** A limit was reached: `Retry-After` says in how many seconds to try again. */
  "too_many_requests",
  "internal_error",
  /** A dependency (the database) is not answering: worth retrying, unlike `internal_error`. */
  "unavailable",
] as const;
