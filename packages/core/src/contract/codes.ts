/*
 * The API's error codes as plain data, without zod, so a page can know them without loading the
 * schema library (`error.ts` builds its enum from this list).
 */
export const ERROR_CODES = [
  "bad_request",
  "invalid_input",
  "unauthorized",
  "not_found",
  "idempotency_conflict",
  /** The thing changed since it was read (e.g. an edit raced another write): reload and retry. */
  "conflict",
  "payload_too_large",
  "internal_error",
  /** A dependency (the database) is not answering: worth retrying, unlike `internal_error`. */
  "unavailable",
] as const;
