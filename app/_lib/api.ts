import "server-only";
import { VisibleError, type ErrorCode } from "@streamboard/core/contract";
import { z } from "zod";

/** Largest request body the API accepts; a score submission is well under 1 KiB. */
export const MAX_BODY_BYTES = 16 * 1024;

export interface ApiErrorBody {
  error: { code: ErrorCode; message: string; issues?: { path: string; message: string }[] };
}

export function errorResponse(
  code: ErrorCode,
  message: string,
  status: number,
  issues?: { path: string; message: string }[],
): Response {
  const body: ApiErrorBody = { error: { code, message, ...(issues ? { issues } : {}) } };
  return Response.json(body, { status });
}

function issuesOf(error: Pick<z.ZodError, "issues">) {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
}

function describe(issues: { path: string; message: string }[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
}

function isZodError(error: unknown): error is z.ZodError {
  return error instanceof z.ZodError || (error instanceof Error && error.name === "ZodError");
}

/** Core attaches zod issues (or a ZodError) as a VisibleError's details; pass their paths on. */
function issuesFromDetails(details: unknown): { path: string; message: string }[] | undefined {
  if (isZodError(details)) return issuesOf(details);
  if (!Array.isArray(details)) return undefined;
  const issues = (details as unknown[]).filter(
    (d): d is z.core.$ZodIssue =>
      typeof d === "object" && d !== null && "message" in d && "path" in d && Array.isArray(d.path),
  );
  return issues.length ? issuesOf({ issues }) : undefined;
}

/**
 * The one place that turns a failure into an HTTP response: a VisibleError keeps its code and
 * status, a ZodError is bad input, and anything else — a 5xx VisibleError included — is a bug,
 * logged here and shown as an opaque 500 so no internals (table names, SDK messages) leak.
 */
export function handleApiError(error: unknown): Response {
  if (error instanceof VisibleError && error.status < 500) {
    return errorResponse(error.code, error.message, error.status, issuesFromDetails(error.details));
  }
  if (isZodError(error)) {
    const issues = issuesOf(error);
    return errorResponse("invalid_input", describe(issues), 400, issues);
  }
  console.error("Unhandled API error", error);
  return errorResponse("internal_error", "Something went wrong on our side.", 500);
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

/**
 * Reads a JSON body of at most MAX_BODY_BYTES. Content-Length is checked first, then the bytes
 * actually read, because a chunked request has no Content-Length and a client can lie.
 */
export async function readJson(request: Request): Promise<unknown> {
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

const blankToUndefined = (value: unknown) => (value === "" ? undefined : value);

/** `?limit=` as an integer in [1, max]; absent or blank means the core default. */
export const limitParam = (max: number) => {
  const error = `limit must be an integer between 1 and ${max}`;
  return z.preprocess(
    blankToUndefined,
    z.coerce.number({ error }).int({ error }).min(1, { error }).max(max, { error }).optional(),
  );
};

/** An optional free-text query parameter; blank means absent. */
export const textParam = z.preprocess(blankToUndefined, z.string().max(2048).optional());
