import {
  ApiErrorBody,
  type ApiIssue,
  type ClientErrorCode,
  type ErrorCode,
} from "@streamboard/core/contract";

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

export async function fetchJson<T>(url: string, init: RequestInit = {}): Promise<T> {
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
  return body as T;
}

/** The SWR fetcher: GET a JSON resource. */
export const getJson = <T>(url: string) => fetchJson<T>(url);
