import http from "node:http";
import type { AddressInfo } from "node:net";
import { LeaderboardPage } from "@streamboard/core/contract";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ApiError, apiErrorOf, fetchJson, getJson } from "./api-client";

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

describe("fetchJson with a contract schema", () => {
  // A real server on loopback: what the browser's fetch would get from a route.
  let server: http.Server;
  let base = "";
  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const bodies: Record<string, unknown> = {
        "/board": {
          entries: [],
          period: "ALL",
          players: 0,
          exact: true,
          generatedAt: "2026-12-01T00:00:00.000Z",
          extra: "ignored",
        },
        "/drifted": { entries: "not a list" },
      };
      response.setHeader("Content-Type", "application/json");
      response.end(JSON.stringify(bodies[request.url ?? ""] ?? {}));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("an answer in the contract's shape comes back parsed (unknown keys dropped)", async () => {
    await expect(getJson(LeaderboardPage)(`${base}/board`)).resolves.toEqual({
      entries: [],
      period: "ALL",
      players: 0,
      exact: true,
      generatedAt: "2026-12-01T00:00:00.000Z",
    });
  });

  test("an answer of another shape is an ApiError the page can show, not a crash later", async () => {
    const error = await fetchJson(`${base}/drifted`, {}, LeaderboardPage).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 200, code: "http_error" });
  });
});
