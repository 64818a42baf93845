import { ApiErrorBody } from "@streamboard/core/contract";
import { describe, expect, test, vi } from "vitest";
import { guardRequest } from "./request-guard";

vi.mock("server-only", () => ({}));

const SITE = "http://localhost:3000";
const SESSION = "streamboard_operator=1.mac";
const json = { "content-type": "application/json" };

interface Case {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Undefined: the request goes on to its route. */
  expect?: { status: number; code?: string; allow?: string };
}

// prettier-ignore
const cases: Case[] = [
  // Malformed paths: a 400 in the error shape, not Next.js's 500.
  { name: "GET /api/scores/%zz", method: "GET", path: "/api/scores/%zz", expect: { status: 400, code: "bad_request" } },
  { name: "GET /api/scores/%FF", method: "GET", path: "/api/scores/%FF", expect: { status: 400, code: "bad_request" } },
  { name: "GET /api/scores/ lone surrogate", method: "GET", path: "/api/scores/%ED%A0%80", expect: { status: 400, code: "bad_request" } },
  { name: "GET /api/players/%zz", method: "GET", path: "/api/players/%zz", expect: { status: 400, code: "bad_request" } },
  { name: "GET /players/%zz (a page: plain text)", method: "GET", path: "/players/%zz", expect: { status: 400 } },
  { name: "GET /api/players/Jos%C3%A9 is well-formed", method: "GET", path: "/api/players/Jos%C3%A9" },
  // Methods.
  { name: "PUT /api/leaderboard", method: "PUT", path: "/api/leaderboard", expect: { status: 405, code: "method_not_allowed", allow: "GET, HEAD, OPTIONS" } },
  { name: "PATCH /api/health", method: "PATCH", path: "/api/health", expect: { status: 405, code: "method_not_allowed", allow: "GET, HEAD, OPTIONS" } },
  { name: "POST /api/scores/{id}", method: "POST", path: "/api/scores/x", expect: { status: 405, code: "method_not_allowed", allow: "GET, HEAD, PATCH, DELETE, OPTIONS" } },
  { name: "GET /api/login", method: "GET", path: "/api/login", expect: { status: 405, code: "method_not_allowed", allow: "POST, OPTIONS" } },
  { name: "OPTIONS /api/scores", method: "OPTIONS", path: "/api/scores", expect: { status: 204, allow: "GET, HEAD, POST, OPTIONS" } },
  { name: "HEAD /api/leaderboard", method: "HEAD", path: "/api/leaderboard" },
  { name: "GET /api (no segment for the catch-all)", method: "GET", path: "/api", expect: { status: 404, code: "not_found" } },
  { name: "PROPFIND /api/nope", method: "PROPFIND", path: "/api/nope", expect: { status: 404, code: "not_found" } },
  { name: "PUT /api/nope: the catch-all's 404", method: "PUT", path: "/api/nope" },
  { name: "DELETE /leaderboard (a page)", method: "DELETE", path: "/leaderboard", expect: { status: 405, allow: "GET, HEAD, POST, OPTIONS" } },
  { name: "POST /login (the server action)", method: "POST", path: "/login", headers: { origin: SITE } },
  // Cross-site writes with cookies.
  { name: "PATCH with the session cookie from another origin", method: "PATCH", path: "/api/scores/x", headers: { ...json, cookie: SESSION, origin: "http://evil.example" }, body: "{}", expect: { status: 403, code: "forbidden" } },
  { name: "DELETE with the session cookie, Sec-Fetch-Site cross-site", method: "DELETE", path: "/api/scores/x", headers: { cookie: SESSION, "sec-fetch-site": "cross-site" }, expect: { status: 403, code: "forbidden" } },
  { name: "DELETE with the session cookie, Sec-Fetch-Site same-site", method: "DELETE", path: "/api/scores/x", headers: { cookie: SESSION, "sec-fetch-site": "same-site" }, expect: { status: 403, code: "forbidden" } },
  { name: "POST /api/logout with the session cookie, Origin null", method: "POST", path: "/api/logout", headers: { cookie: SESSION, origin: "null" }, expect: { status: 403, code: "forbidden" } },
  { name: "POST /api/logout with the session cookie, neither header", method: "POST", path: "/api/logout", headers: { cookie: SESSION }, expect: { status: 403, code: "forbidden" } },
  { name: "POST /api/failures/{id}/reapply, another port is another origin", method: "POST", path: "/api/failures/x/reapply", headers: { cookie: SESSION, origin: "http://localhost:4000" }, expect: { status: 403, code: "forbidden" } },
  { name: "POST /api/scores with a device cookie from another origin", method: "POST", path: "/api/scores", headers: { ...json, cookie: "device=1", origin: "http://evil.example" }, body: "{}", expect: { status: 403, code: "forbidden" } },
  { name: "POST /login from another origin with a cookie (a page: plain text)", method: "POST", path: "/login", headers: { cookie: SESSION, origin: "http://evil.example" }, expect: { status: 403 } },
  { name: "PATCH with the session cookie from this origin", method: "PATCH", path: "/api/scores/x", headers: { ...json, cookie: SESSION, origin: SITE }, body: "{}" },
  { name: "PATCH with the session cookie, Sec-Fetch-Site same-origin", method: "PATCH", path: "/api/scores/x", headers: { ...json, cookie: SESSION, "sec-fetch-site": "same-origin" }, body: "{}" },
  { name: "PATCH as CloudFront forwards it (x-forwarded-host, https)", method: "PATCH", path: "/api/scores/x", headers: { ...json, cookie: SESSION, origin: "https://board.example", "x-forwarded-host": "board.example", "x-forwarded-proto": "https" }, body: "{}" },
  { name: "PATCH with a Bearer token from anywhere (a game server)", method: "PATCH", path: "/api/scores/x", headers: { ...json, authorization: "Bearer t", cookie: SESSION, origin: "http://evil.example" }, body: "{}" },
  { name: "POST /api/scores, a device cookie, neither header (curl)", method: "POST", path: "/api/scores", headers: { ...json, cookie: "device=1" }, body: "{}" },
  { name: "POST /api/scores without cookies from another origin", method: "POST", path: "/api/scores", headers: { ...json, origin: "http://evil.example" }, body: "{}" },
  { name: "POST /play from another origin: the form handler answers itself", method: "POST", path: "/play", headers: { cookie: SESSION, origin: "http://evil.example" } },
  { name: "GET with the session cookie from another origin (reads are not writes)", method: "GET", path: "/api/stream", headers: { cookie: SESSION, origin: "http://evil.example" } },
  // Bodies: JSON only on /api/.
  { name: "POST /api/scores text/plain", method: "POST", path: "/api/scores", headers: { "content-type": "text/plain" }, body: '{"playerName":"a","score":1}', expect: { status: 415, code: "unsupported_media_type" } },
  { name: "POST /api/scores form-urlencoded", method: "POST", path: "/api/scores", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "a=1", expect: { status: 415, code: "unsupported_media_type" } },
  { name: "POST /api/login multipart", method: "POST", path: "/api/login", headers: { "content-type": "multipart/form-data; boundary=x" }, body: "--x--", expect: { status: 415, code: "unsupported_media_type" } },
  { name: "PATCH /api/scores/{id} text/plain with the session cookie", method: "PATCH", path: "/api/scores/x", headers: { "content-type": "text/plain", cookie: SESSION, origin: SITE }, body: "{}", expect: { status: 415, code: "unsupported_media_type" } },
  { name: "POST /api/failures/{id}/reapply without a body", method: "POST", path: "/api/failures/x/reapply", headers: { "content-length": "0" } },
  { name: "POST /play form-urlencoded (a page's form)", method: "POST", path: "/play", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "score=1" },
];

describe("guardRequest", () => {
  test.each(cases)("$name", async ({ method, path, headers, body, expect: expected }) => {
    const request = new Request(`${SITE}${path}`, {
      method,
      headers: { host: "localhost:3000", ...headers },
      ...(body === undefined ? {} : { body }),
    });
    const response = guardRequest(request);
    if (!expected) {
      expect(response?.status).toBeUndefined();
      return;
    }
    expect(response?.status).toBe(expected.status);
    if (expected.allow) expect(response?.headers.get("allow")).toBe(expected.allow);
    if (expected.code) {
      const parsed = ApiErrorBody.parse(await response!.json());
      expect(parsed.error.code).toBe(expected.code);
    }
  });
});
