import { describe, expect, test } from "vitest";
import { apiErrorOf } from "./api-client";

// prettier-ignore
const cases = [
  { name: "an ApiErrorBody keeps its code, message and issues", status: 400, body: { error: { code: "invalid_input", message: "score is required", issues: [{ path: "score", message: "score is required" }] } }, code: "invalid_input", message: "score is required", issues: [{ path: "score", message: "score is required" }] },
  { name: "a 503 unavailable keeps its message", status: 503, body: { error: { code: "unavailable", message: "The database is not answering." } }, code: "unavailable", message: "The database is not answering.", issues: [] },
  { name: "a code this client does not know keeps the message", status: 418, body: { error: { code: "teapot", message: "short and stout" } }, code: "http_error", message: "short and stout", issues: [] },
  { name: "no body (a proxy's HTML page)", status: 502, body: undefined, code: "http_error", message: "The server answered 502 Bad Gateway.", issues: [] },
] as const;

describe("apiErrorOf", () => {
  test.each(cases)("$name", ({ status, body, code, message, issues }) => {
    const error = apiErrorOf(status, status === 502 ? "Bad Gateway" : "", body);
    expect(error).toMatchObject({ status, code, message, issues });
  });
});
