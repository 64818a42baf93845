import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApiErrorBody } from "@streamboard/core/contract";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { installForbiddenMethodGuard } from "./fetch-forbidden-methods";

let server: http.Server;
let port: number;

beforeAll(async () => {
  installForbiddenMethodGuard(http.Server);
  // Stands in for Next.js: answers everything it is given with 200.
  server = http.createServer((_request, response) => response.end("next"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function send(method: string, path: string) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      const request = http.request({ port, host: "127.0.0.1", method, path }, (response) => {
        let body = "";
        response.on("data", (chunk: Buffer) => (body += chunk.toString()));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      });
      request.on("error", reject);
      request.end();
    },
  );
}

describe("TRACE never reaches Next.js", () => {
  test.each([
    ["TRACE", "/api/leaderboard", 405, "method_not_allowed", "GET, HEAD, OPTIONS"],
    ["TRACE", "/api/scores/x?y=1", 405, "method_not_allowed", "GET, HEAD, PATCH, DELETE, OPTIONS"],
    ["TRACE", "/api/nope", 404, "not_found", undefined],
  ])("%s %s → %i %s", async (method, path, status, code, allow) => {
    const response = await send(method, path);
    expect(response.status).toBe(status);
    expect(response.headers["content-type"]).toBe("application/json");
    expect(response.headers.allow).toBe(allow);
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(ApiErrorBody.parse(JSON.parse(response.body)).error.code).toBe(code);
  });

  test("a page: 405 in plain text", async () => {
    const response = await send("TRACE", "/");
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe("GET, HEAD, POST, OPTIONS");
  });

  test("every other method goes on", async () => {
    expect(await send("GET", "/api/leaderboard")).toMatchObject({ status: 200, body: "next" });
    expect(await send("PUT", "/api/leaderboard")).toMatchObject({ status: 200, body: "next" });
  });
});
