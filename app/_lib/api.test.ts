import { ApiErrorBody, VisibleError, statusOf, type ErrorCode } from "@streamboard/core/contract";
import { afterEach, describe, expect, test, vi } from "vitest";
import { z } from "zod";
import { errorResponse, handleApiError, isJsonContentType, readJson } from "./api";

vi.mock("server-only", () => ({}));

afterEach(() => vi.restoreAllMocks());

async function read(response: Response) {
  return { status: response.status, body: ApiErrorBody.parse(await response.json()) };
}

describe("errorResponse: the status comes from the code", () => {
  test.each(["bad_request", "not_found", "payload_too_large", "unavailable"] as ErrorCode[])(
    "%s",
    async (code) => {
      const { status, body } = await read(errorResponse(code, "why"));
      expect(status).toBe(statusOf(code));
      expect(body).toEqual({ error: { code, message: "why" } });
    },
  );
});

// prettier-ignore
const cases: { name: string; error: () => unknown; status: number; code: ErrorCode; message: RegExp }[] = [
  { name: "a VisibleError keeps its code and message", error: () => new VisibleError("not_found", "no such record"), status: 404, code: "not_found", message: /^no such record$/ },
  { name: "unavailable is visible: the user may retry", error: () => new VisibleError("unavailable", "the quarantine is not answering"), status: 503, code: "unavailable", message: /quarantine is not answering/ },
  { name: "a ZodError is bad input, with its paths", error: () => z.object({ score: z.number() }).parse({}), status: 400, code: "invalid_input", message: /^score: / },
  { name: "an internal_error is hidden", error: () => new VisibleError("internal_error", "table GameScoreRecords-x is malformed"), status: 500, code: "internal_error", message: /^Something went wrong on our side\.$/ },
  { name: "anything else is hidden", error: () => new Error("ResourceNotFoundException: GameScoreRecords"), status: 500, code: "internal_error", message: /^Something went wrong on our side\.$/ },
];

describe("handleApiError", () => {
  test.each(cases)("$name", async ({ error, status, code, message }) => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    let thrown: unknown;
    try {
      thrown = error();
    } catch (caught) {
      thrown = caught;
    }
    const response = await read(handleApiError(thrown));
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(response.body.error.message).toMatch(message);
    // Only what is hidden is logged.
    expect(log).toHaveBeenCalledTimes(status === 500 ? 1 : 0);
  });

  test("a VisibleError carrying zod issues passes their paths on", async () => {
    const issues = z.object({ score: z.number() }).safeParse({ score: "x" }).error!.issues;
    const { body } = await read(handleApiError(new VisibleError("invalid_input", "bad", issues)));
    expect(body.error.issues?.map((issue) => issue.path)).toEqual(["score"]);
  });
});

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof VisibleError ? error.code : String(error);
  }
}

const post = (body: string | undefined, headers: Record<string, string> = {}) =>
  new Request("http://localhost/api/scores", {
    method: "POST",
    headers,
    ...(body === undefined ? {} : { body }),
  });

// prettier-ignore
const bodies: { name: string; request: () => Request; code: string | undefined }[] = [
  { name: "application/json", request: () => post('{"a":1}', { "content-type": "application/json" }), code: undefined },
  { name: "application/json; charset=utf-8", request: () => post('{"a":1}', { "content-type": "Application/JSON; charset=utf-8" }), code: undefined },
  { name: "a +json type", request: () => post('{"a":1}', { "content-type": "application/merge-patch+json" }), code: undefined },
  { name: "text/plain (what fetch and forms send for a string)", request: () => post('{"a":1}'), code: "unsupported_media_type" },
  { name: "form-urlencoded", request: () => post("a=1", { "content-type": "application/x-www-form-urlencoded" }), code: "unsupported_media_type" },
  { name: "multipart", request: () => post("--x--", { "content-type": "multipart/form-data; boundary=x" }), code: "unsupported_media_type" },
  { name: "application/jsonp is not JSON", request: () => post('{"a":1}', { "content-type": "application/jsonp" }), code: "unsupported_media_type" },
  { name: "no Content-Type, a body", request: () => new Request("http://localhost/", { method: "POST", body: new Uint8Array([123, 125]) }), code: "unsupported_media_type" },
  { name: "no Content-Type, no body", request: () => post(undefined), code: "bad_request" },
  { name: "JSON, empty", request: () => post("", { "content-type": "application/json" }), code: "bad_request" },
  { name: "JSON, not valid", request: () => post("{", { "content-type": "application/json" }), code: "bad_request" },
];

describe("readJson: JSON bodies only", () => {
  test.each(bodies)("$name → $code", async ({ request, code }) => {
    expect(await codeOf(readJson(request()))).toBe(code);
  });

  test("isJsonContentType", () => {
    expect(isJsonContentType(null)).toBe(false);
    expect(isJsonContentType("")).toBe(false);
    expect(isJsonContentType("application/json")).toBe(true);
    expect(isJsonContentType("application/vnd.api+json")).toBe(true);
    expect(isJsonContentType("text/json")).toBe(false);
  });
});
