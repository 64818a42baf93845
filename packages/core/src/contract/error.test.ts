import { describe, expect, test } from "vitest";
import { ApiErrorBody } from "./api.ts";
import { ErrorCode, VisibleError, statusOf } from "./error.ts";

// prettier-ignore
const statusCases: { code: ErrorCode; status: number }[] = [
  { code: "bad_request", status: 400 },
  { code: "invalid_input", status: 400 },
  { code: "unauthorized", status: 401 },
  { code: "forbidden", status: 403 },
  { code: "name_taken", status: 403 },
  { code: "not_found", status: 404 },
  { code: "method_not_allowed", status: 405 },
  { code: "idempotency_conflict", status: 409 },
  { code: "conflict", status: 409 },
  { code: "payload_too_large", status: 413 },
  { code: "unsupported_media_type", status: 415 },
  { code: "too_many_requests", status: 429 },
  { code: "internal_error", status: 500 },
  { code: "unavailable", status: 503 },
];

describe("statusOf: the one mapping from codes to statuses", () => {
  test("covers every code", () => {
    expect(statusCases.map((c) => c.code).sort()).toEqual([...ErrorCode.options].sort());
  });

  test.each(statusCases)("$code → $status", ({ code, status }) => {
    expect(statusOf(code)).toBe(status);
    expect(new VisibleError(code, "m").status).toBe(status);
  });

  test("only internal_error is a 500: a status alone never stands for a code", () => {
    const fiveHundreds = ErrorCode.options.filter((code) => statusOf(code) === 500);
    expect(fiveHundreds).toEqual(["internal_error"]);
  });
});

describe("ApiErrorBody", () => {
  test("reads the API's error envelope, with and without issues", () => {
    const body = { error: { code: "invalid_input", message: "score is required" } };
    expect(ApiErrorBody.parse(body)).toEqual(body);
    const withIssues = {
      error: { ...body.error, issues: [{ path: "score", message: "score is required" }] },
    };
    expect(ApiErrorBody.parse(withIssues)).toEqual(withIssues);
  });

  // prettier-ignore
  test.each([
    { name: "an unknown code", body: { error: { code: "oops", message: "m" } } },
    { name: "an empty message", body: { error: { code: "not_found", message: "" } } },
    { name: "no envelope", body: { code: "not_found", message: "m" } },
    { name: "an issue without a path", body: { error: { code: "invalid_input", message: "m", issues: [{ message: "m" }] } } },
  ])("refuses $name", ({ body }) => {
    expect(ApiErrorBody.safeParse(body).success).toBe(false);
  });
});
