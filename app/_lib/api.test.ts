import { ApiErrorBody, VisibleError, statusOf, type ErrorCode } from "@streamboard/core/contract";
import { afterEach, describe, expect, test, vi } from "vitest";
import { z } from "zod";
import { errorResponse, handleApiError } from "./api";

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
