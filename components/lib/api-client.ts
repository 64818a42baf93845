import type { ApiIssue, ClientErrorCode, ErrorCode } from "@streamboard/core/contract";
// By path, not through the contract's index: the player's page loads no zod (its first-load JS).
import { ERROR_CODES } from "@/packages/core/src/contract/codes.ts";

/** Browser-side calls to the route handlers; a failure is an ApiError with the API's code. */

export type { ApiIssue };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The API's code, or a client one when the API's error body never arrived. */
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
    readonly issues: ApiIssue[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** A schema the answer is checked with: the contract's zod schemas fit (only `safeParse` is used). */
export interface AnswerSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

const isIssue = (value: unknown): value is ApiIssue =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as ApiIssue).path === "string" &&
  typeof (value as ApiIssue).message === "string";

/** The ApiError of a failed answer: the API's body when it is one, else the HTTP status alone. */
export function apiErrorOf(status: number, statusText: string, body: unknown): ApiError {
  // The ApiErrorBody shape (contract/api.ts), checked by hand: see the import above.
  const error = (body as { error?: { code?: unknown; message?: unknown; issues?: unknown } } | null)
    ?.error;
  const text =
    typeof error?.message === "string" && error.message !== "" ? error.message : undefined;
  const known = (ERROR_CODES as readonly unknown[]).includes(error?.code);
  const issues = error?.issues;
  if (known && text && (issues === undefined || (Array.isArray(issues) && issues.every(isIssue)))) {
    return new ApiError(status, error!.code as ErrorCode, text, issues ?? []);
  }
  // A message under a code this client does not know yet (a newer server) is still worth showing.
  const message = text;
  return new ApiError(
    status,
    "http_error",
    message ?? `The server answered ${status}${statusText ? ` ${statusText}` : ""}.`,
  );
}

/**
 * A call to the API. With a contract schema, the answer is parsed with it, so a page renders
 * only what the contract promises, and an answer of another shape is an error the page shows
 * rather than a crash deep in a component.
 */
export async function fetchJson<T = undefined>(
  url: string,
  init: RequestInit = {},
  schema?: AnswerSchema<T>,
): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set("Accept", "application/json");
  if (init.body !== undefined) headers.set("Content-Type", "application/json");

  let response: Response;
  try {
    response = await fetch(url, { ...init, headers, cache: "no-store" });
  } catch {
    throw new ApiError(0, "network_error", "Could not reach the server. Check your connection.");
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) throw apiErrorOf(response.status, response.statusText, body);
  if (!schema) return body as T;
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError(
      response.status,
      "http_error",
      "The server's answer was not what this page expects.",
    );
  }
  return parsed.data;
}

/**
 * An SWR fetcher for the player's page: GET a JSON resource typed by the contract but not parsed
 * with its zod schema, so the page's first load carries no zod (the e2e fixtures parse the same
 * routes with the schemas, so a drift still fails a test).
 */
export const getJsonAs =
  <T>() =>
  (url: string) =>
    fetchJson<T>(url, {});

/** An SWR fetcher: GET a JSON resource of the contract's `schema`. */
export const getJson =
  <T>(schema: AnswerSchema<T>) =>
  (url: string) =>
    fetchJson(url, {}, schema);
