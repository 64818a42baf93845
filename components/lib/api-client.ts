import {
  ApiErrorBody,
  type ApiIssue,
  type ClientErrorCode,
  type ErrorCode,
} from "@streamboard/core/contract";
import type { z } from "zod";

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

const MessageOnly = ApiErrorBody.extend({
  error: ApiErrorBody.shape.error.pick({ message: true }),
});

/** The ApiError of a failed answer: the API's body when it is one, else the HTTP status alone. */
export function apiErrorOf(status: number, statusText: string, body: unknown): ApiError {
  const parsed = ApiErrorBody.safeParse(body);
  if (parsed.success) {
    const { code, message, issues = [] } = parsed.data.error;
    return new ApiError(status, code, message, issues);
  }
  // A message under a code this client does not know yet (a newer server) is still worth showing.
  const message = MessageOnly.safeParse(body).data?.error.message;
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
  schema?: z.ZodType<T>,
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

/** An SWR fetcher: GET a JSON resource of the contract's `schema`. */
export const getJson =
  <T>(schema: z.ZodType<T>) =>
  (url: string) =>
    fetchJson(url, {}, schema);
