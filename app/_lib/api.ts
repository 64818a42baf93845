import "server-only";
import {
  VisibleError,
  statusOf,
  type ApiErrorBody,
  type ApiIssue,
  type ErrorCode,
} from "@streamboard/core/contract";
import { z } from "zod";

/** Largest request body the API accepts; a score submission is well under 1 KiB. */
export const MAX_BODY_BYTES = 16 * 1024;

/** An error answer: `ApiErrorBody` with the status of its code (`statusOf`, the one mapping). */
export function errorResponse(
  code: ErrorCode,
  message: string,
  issues?: ApiIssue[],
  headers?: HeadersInit,
): Response {
  const body: ApiErrorBody = { error: { code, message, ...(issues ? { issues } : {}) } };
  return Response.json(body, { status: statusOf(code), headers });
}

function issuesOf(error: Pick<z.ZodError, "issues">): ApiIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
}

function describe(issues: ApiIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
}

function isZodError(error: unknown): error is z.ZodError {
  return error instanceof z.ZodError || (error instanceof Error && error.name === "ZodError");
}

/** Core attaches zod issues (or a ZodError) as a VisibleError's details; pass their paths on. */
function issuesFromDetails(details: unknown): ApiIssue[] | undefined {
  if (isZodError(details)) return issuesOf(details);
  if (!Array.isArray(details)) return undefined;
  const issues = (details as unknown[]).filter(
    (d): d is z.core.$ZodIssue =>
      typeof d === "object" && d !== null && "message" in d && "path" in d && Array.isArray(d.path),
  );
  return issues.length ? issuesOf({ issues }) : undefined;
}

/**
 * The one place that turns a failure into an HTTP response: a VisibleError keeps its code (and
 * so its status), a ZodError is bad input, and anything else — an `internal_error` included —
 * is a bug, logged here and shown as an opaque 500 so no internals (table names, SDK messages)
 * leak. `unavailable` (503) is visible: its message says what is down, for the user to retry.
 */
export function handleApiError(error: unknown): Response {
  if (error instanceof VisibleError && error.code !== "internal_error") {
    // A 429 says when to come back (app/_lib/limits.ts).
    const retryAfter =
      "retryAfterSeconds" in error && typeof error.retryAfterSeconds === "number"
        ? { "Retry-After": String(error.retryAfterSeconds) }
        : undefined;
    return errorResponse(error.code, error.message, issuesFromDetails(error.details), retryAfter);
  }
  if (isZodError(error)) {
    const issues = issuesOf(error);
    return errorResponse("invalid_input", describe(issues), issues);
  }
  console.error("Unhandled API error", error);
  return errorResponse("internal_error", "Something went wrong on our side.");
}

/** Wraps a route handler so every thrown error goes through `handleApiError`. */
export function route<Args extends unknown[]>(
  handler: (...args: Args) => Promise<Response>,
): (...args: Args) => Promise<Response> {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (error) {
      return handleApiError(error);
    }
  };
}

/** `application/json`, or any `+json` type, with or without parameters (`; charset=utf-8`). */
export function isJsonContentType(value: string | null): boolean {
  const type = value?.split(";")[0]?.trim().toLowerCase();
  return type === "application/json" || (!!type && /^application\/[\w.+-]+\+json$/.test(type));
}

/**
 * Reads a JSON body of at most MAX_BODY_BYTES. Content-Length is checked first, then the bytes
 * actually read, because a chunked request has no Content-Length and a client can lie.
 *
 * The body must say it is JSON (415 otherwise, before anything is read): an HTML form can post
 * `text/plain`, `application/x-www-form-urlencoded` or `multipart/form-data` cross-site without
 * a CORS preflight, but never `application/json`. Without a Content-Type, an empty body is the
 * usual 400 and any other is a 415.
 */
export async function readJson(request: Request): Promise<unknown> {
  const contentType = request.headers.get("content-type");
  const json = isJsonContentType(contentType);
  const unsupported = () =>
    new VisibleError(
      "unsupported_media_type",
      "The request body must be JSON: send Content-Type: application/json.",
    );
  if (contentType !== null && !json) throw unsupported();
  const tooLarge = () =>
    new VisibleError("payload_too_large", `Request body is larger than ${MAX_BODY_BYTES} bytes.`);
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > MAX_BODY_BYTES) throw tooLarge();

  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const text = new TextDecoder().decode(Buffer.concat(chunks));
  if (text.trim() === "") throw new VisibleError("bad_request", "Request body must be JSON.");
  if (!json) throw unsupported();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new VisibleError("bad_request", "Request body is not valid JSON.");
  }
}

/** Parses query parameters with a zod schema; failures become 400 invalid_input. */
export function readQuery<T extends z.ZodType>(request: Request, schema: T): z.infer<T> {
  const params = Object.fromEntries(new URL(request.url).searchParams);
  return schema.parse(params);
}

/** An optional free-text query parameter; blank means absent. */
export const textParam = z.preprocess(
  (value) => (value === "" ? undefined : value),
  z.string().max(2048).optional(),
);
