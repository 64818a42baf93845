import type { APIRequestContext, APIResponse, Page } from "@playwright/test";
import { ApiErrorBody, ScoreList, ScoreRecord } from "@streamboard/core/contract";
import { API_ROUTES, type ApiRoute } from "../app/_lib/api-routes";
import { expect, expectApiError, OPERATOR_TOKEN, test } from "./fixtures";

// The doors around the data path (issue 12): what the API answers to hostile input, where a
// login sends the browser, the headers every answer carries, and cross-site writes. Table-driven:
// each case is {name, method, path, headers, body, expect}; the fuzz builds its table from
// API_ROUTES (the list the proxy answers 405 from, checked against the route files) and prints
// its figures for the note.

const EVIL = "http://evil.example";
const SESSION_COOKIE = "streamboard_operator";

interface Clients {
  anon: APIRequestContext;
  bearer: APIRequestContext;
  /** Holds an operator session cookie (POST /api/login), sends no Authorization. */
  session: APIRequestContext;
  origin: string;
}

/** Request contexts of this spec's own; the fixtures' `operatorApi` sends a Bearer token. */
const clients = test.extend<{ clients: Clients }>({
  clients: async ({ playwright, baseURL }, use) => {
    const anon = await playwright.request.newContext({ baseURL });
    const bearer = await playwright.request.newContext({
      baseURL,
      extraHTTPHeaders: { Authorization: `Bearer ${OPERATOR_TOKEN}` },
    });
    const session = await playwright.request.newContext({ baseURL });
    const login = await session.post("/api/login", { data: { token: OPERATOR_TOKEN } });
    expect(login.status(), await login.text()).toBe(204);
    expect((await session.storageState()).cookies.map((c) => c.name)).toContain(SESSION_COOKIE);
    await use({ anon, bearer, session, origin: new URL(baseURL!).origin });
    await Promise.all([anon.dispose(), bearer.dispose(), session.dispose()]);
  },
});

/** A record to aim writes at, made with the operator token (no per-client limit applies). */
async function sentinel(bearer: APIRequestContext, playerName: string): Promise<ScoreRecord> {
  const response = await bearer.post("/api/scores", { data: { playerName, score: 4242 } });
  expect(response.status(), await response.text()).toBe(201);
  return ScoreRecord.parse(await response.json());
}

/** The newest records of every player: what any write would change (or add to). */
async function newestRecords(request: APIRequestContext): Promise<ScoreRecord[]> {
  const response = await request.get("/api/scores", { params: { limit: 100 } });
  expect(response.status(), await response.text()).toBe(200);
  return ScoreList.parse(await response.json()).records;
}

async function recordOf(request: APIRequestContext, recordId: string): Promise<unknown> {
  const response = await request.get(`/api/scores/${recordId}`);
  const body: unknown = await response.json().catch(() => null);
  return { status: response.status(), body };
}

// --- the fuzz ----------------------------------------------------------------------------------

interface FuzzCase {
  method: string;
  path: string;
  auth: "anon" | "bearer";
  contentType?: string;
  body?: string;
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"];
/** What a path parameter is replaced with: junk, malformed escapes, lone surrogates, traversal. */
const SEGMENTS = [
  "x",
  "%zz",
  "%FF",
  "%ED%A0%80",
  "%F0%9F%92",
  "%C0%AF",
  "%00",
  "%25",
  "..%2F..%2Fhealth",
  "Jos%C3%A9",
  "%E2%80%AE",
  "a".repeat(1500),
];
/** Paths no route serves, and malformed ones outside any parameter. */
const EXTRA_PATHS = [
  "/api",
  "/api/nope",
  "/api/%zz",
  "/api/scores/%zz/%zz",
  "/api/..%2Fleaderboard",
  "/api/stream/records",
  "/api/%ED%A0%80/x",
];
const QUERIES = [
  "?limit=-1",
  "?limit=abc",
  "?limit=99999999999999999999",
  "?cursor=%zz",
  "?cursor=bogus",
  "?period=%FF",
  "?playerName=%ED%A0%80",
  `?around=${"x".repeat(3000)}`,
  "?before=%00&at=-1x&type=NOPE&q=%E2%80%AE",
];
/** Bodies no route accepts: broken JSON, wrong shapes, out of range, deep, over 16 KiB. */
const BODIES = [
  "{",
  "[]",
  "null",
  '"x"',
  '{"score":-1}',
  '{"playerName":"","score":1}',
  '{"score":1e309}',
  '{"playerName":{"$ne":null},"score":"1"}',
  "[".repeat(3000) + "]".repeat(3000),
  JSON.stringify({ playerName: "x", score: 1, pad: "p".repeat(17 * 1024) }),
];
const CONTENT_TYPES = [
  "application/json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  undefined,
];

function pathsOf(route: ApiRoute, realId: string): string[] {
  if (!route.includes("[")) return [route];
  const values = route === "/api/scores/[recordId]" ? [...SEGMENTS, realId] : SEGMENTS;
  return values.map((value) => route.replace(/\[[^\]]+\]/g, value));
}

function fuzzCases(realId: string): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const routes = Object.keys(API_ROUTES) as ApiRoute[];
  // Every path × every method, anonymous and as the operator, without a body.
  for (const path of [...routes.flatMap((r) => pathsOf(r, realId)), ...EXTRA_PATHS]) {
    for (const method of METHODS) {
      for (const auth of ["anon", "bearer"] as const) {
        // A DELETE the operator is allowed would delete the record the fuzz watches.
        if (auth === "bearer" && method === "DELETE" && path.endsWith(realId)) continue;
        // The live stream never ends; its input errors are in api.spec.ts.
        if (auth === "bearer" && path === "/api/stream/live" && ["GET", "HEAD"].includes(method)) {
          continue;
        }
        cases.push({ method, path, auth });
      }
    }
  }
  // Every GET route × bad query strings.
  for (const route of routes.filter((r) => (API_ROUTES[r] as readonly string[]).includes("GET"))) {
    for (const path of pathsOf(route, realId).slice(0, 1)) {
      for (const query of QUERIES) {
        for (const auth of ["anon", "bearer"] as const) {
          if (auth === "bearer" && route === "/api/stream/live") continue;
          cases.push({ method: "GET", path: `${path}${query}`, auth });
        }
      }
    }
  }
  // Every write route × bad bodies × content types.
  for (const route of routes) {
    for (const method of API_ROUTES[route].filter((m) => m !== "GET")) {
      const paths = route === "/api/scores/[recordId]" ? ["x", realId] : ["x"];
      for (const segment of paths) {
        const path = route.replace(/\[[^\]]+\]/g, segment);
        for (const auth of ["anon", "bearer"] as const) {
          if (auth === "bearer" && method === "DELETE" && segment === realId) continue;
          for (const contentType of CONTENT_TYPES) {
            // Login attempts and anonymous score posts count against per-client limits shared
            // by the whole suite: only bodies the proxy refuses (415) before the route reach it.
            const limited = route === "/api/login" || (route === "/api/scores" && auth === "anon");
            const refusedByProxy = contentType !== undefined && contentType !== "application/json";
            if (limited && !refusedByProxy) continue;
            for (const body of BODIES) cases.push({ method, path, auth, contentType, body });
          }
        }
      }
    }
  }
  return cases;
}

interface Finding {
  case: FuzzCase;
  status: number;
  problem: string;
}

async function runFuzz(
  cases: FuzzCase[],
  { anon, bearer }: Pick<Clients, "anon" | "bearer">,
): Promise<{ findings: Finding[]; status5xx: number; nonJson: number }> {
  const findings: Finding[] = [];
  let status5xx = 0;
  let nonJson = 0;
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++]!;
      const client = c.auth === "bearer" ? bearer : anon;
      const response = await client.fetch(c.path, {
        method: c.method,
        headers: c.contentType ? { "Content-Type": c.contentType } : {},
        ...(c.body !== undefined ? { data: Buffer.from(c.body) } : {}),
        maxRedirects: 0,
        timeout: 20_000,
      });
      const status = response.status();
      if (status >= 500) {
        status5xx += 1;
        findings.push({ case: c, status, problem: "5xx" });
      }
      if (status >= 400 && c.method !== "HEAD" && !(await isErrorShape(response))) {
        nonJson += 1;
        findings.push({
          case: c,
          status,
          problem: `not the JSON error shape: ${await peek(response)}`,
        });
      }
      if (status === 405 && !response.headers()["allow"]) {
        findings.push({ case: c, status, problem: "405 without Allow" });
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return { findings, status5xx, nonJson };
}

async function isErrorShape(response: APIResponse): Promise<boolean> {
  if (!response.headers()["content-type"]?.startsWith("application/json")) return false;
  try {
    return ApiErrorBody.safeParse(JSON.parse(await response.text())).success;
  } catch {
    return false;
  }
}

async function peek(response: APIResponse): Promise<string> {
  const type = response.headers()["content-type"] ?? "no content-type";
  return `${type} ${(await response.text().catch(() => "")).slice(0, 80)}`;
}

clients.describe("fuzz: every /api/ route", () => {
  clients.describe.configure({ timeout: 240_000 });

  clients(
    "methods × malformed paths × bad queries × bad bodies × content types: no 5xx, every error JSON, nothing written",
    async ({ clients: { anon, bearer }, playerName }) => {
      const record = await sentinel(bearer, playerName);
      const before = await newestRecords(anon);
      const cases = fuzzCases(record.recordId);
      const started = Date.now();
      const { findings, status5xx, nonJson } = await runFuzz(cases, { anon, bearer });
      const seconds = (Date.now() - started) / 1000;

      const after = await newestRecords(anon);
      const written = after.filter(
        (r) => !before.some((b) => b.recordId === r.recordId && b.updatedAt === r.updatedAt),
      );
      console.log(
        `security fuzz: ${cases.length} requests in ${seconds.toFixed(1)} s; ` +
          `${status5xx} responses >= 500; ${nonJson} /api/ errors not in the JSON shape; ` +
          `${written.length} records written or changed; ${findings.length} findings`,
      );
      for (const f of findings.slice(0, 20)) {
        console.log(
          `  ${f.case.method} ${f.case.path.slice(0, 80)} [${f.case.auth}, ${f.case.contentType ?? "no type"}] → ${f.status}: ${f.problem}`,
        );
      }
      expect(findings).toEqual([]);
      expect(written).toEqual([]);
      expect(await recordOf(anon, record.recordId)).toEqual({ status: 200, body: record });
    },
  );
});

// --- table-driven API cases ------------------------------------------------------------------

interface Case {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Which client sends it: anonymous, the operator token, or the operator session cookie. */
  as: "anon" | "bearer" | "session";
  expect: { status: number; code?: string; allow?: string };
}

// `{id}`: a record made for the case; `{origin}`: this site.
// prettier-ignore
const cases: Case[] = [
  { name: "GET /api/scores/%zz – a malformed escape", as: "anon", method: "GET", path: "/api/scores/%zz", expect: { status: 400, code: "bad_request" } },
  { name: "GET /api/scores/%FF – not UTF-8", as: "anon", method: "GET", path: "/api/scores/%FF", expect: { status: 400, code: "bad_request" } },
  { name: "GET /api/scores/%ED%A0%80 – a lone surrogate", as: "anon", method: "GET", path: "/api/scores/%ED%A0%80", expect: { status: 400, code: "bad_request" } },
  { name: "GET /api/players/%zz – a malformed escape", as: "anon", method: "GET", path: "/api/players/%zz", expect: { status: 400, code: "bad_request" } },
  { name: "PUT /api/leaderboard – 405 with Allow", as: "anon", method: "PUT", path: "/api/leaderboard", expect: { status: 405, code: "method_not_allowed", allow: "GET, HEAD, OPTIONS" } },
  { name: "PATCH /api/health – 405 with Allow", as: "anon", method: "PATCH", path: "/api/health", expect: { status: 405, code: "method_not_allowed", allow: "GET, HEAD, OPTIONS" } },
  { name: "TRACE /api/leaderboard – 405 with Allow (Next.js: 500)", as: "anon", method: "TRACE", path: "/api/leaderboard", expect: { status: 405, code: "method_not_allowed", allow: "GET, HEAD, OPTIONS" } },
  { name: "TRACE /api/nope – 404", as: "anon", method: "TRACE", path: "/api/nope", expect: { status: 404, code: "not_found" } },
  { name: "POST /api/scores/{id} – 405 with Allow", as: "bearer", method: "POST", path: "/api/scores/{id}", headers: { "Content-Type": "application/json" }, body: "{}", expect: { status: 405, code: "method_not_allowed", allow: "GET, HEAD, PATCH, DELETE, OPTIONS" } },
  { name: "OPTIONS /api/scores – 204 with Allow", as: "anon", method: "OPTIONS", path: "/api/scores", expect: { status: 204, allow: "GET, HEAD, POST, OPTIONS" } },
  { name: "GET /api/nope – JSON 404", as: "anon", method: "GET", path: "/api/nope", expect: { status: 404, code: "not_found" } },
  // Cross-site writes with the operator's cookie.
  { name: "PATCH /api/scores/{id} – session cookie, Origin evil.example", as: "session", method: "PATCH", path: "/api/scores/{id}", headers: { Origin: EVIL, "Content-Type": "application/json" }, body: '{"score":1}', expect: { status: 403, code: "forbidden" } },
  { name: "DELETE /api/scores/{id} – session cookie, Origin evil.example", as: "session", method: "DELETE", path: "/api/scores/{id}", headers: { Origin: EVIL }, expect: { status: 403, code: "forbidden" } },
  { name: "DELETE /api/scores/{id} – session cookie, Sec-Fetch-Site cross-site", as: "session", method: "DELETE", path: "/api/scores/{id}", headers: { "Sec-Fetch-Site": "cross-site" }, expect: { status: 403, code: "forbidden" } },
  { name: "DELETE /api/scores/{id} – session cookie, Origin null", as: "session", method: "DELETE", path: "/api/scores/{id}", headers: { Origin: "null" }, expect: { status: 403, code: "forbidden" } },
  { name: "DELETE /api/scores/{id} – session cookie, neither Origin nor Sec-Fetch-Site", as: "session", method: "DELETE", path: "/api/scores/{id}", expect: { status: 403, code: "forbidden" } },
  { name: "PATCH /api/scores/{id} – session cookie, this origin, text/plain body", as: "session", method: "PATCH", path: "/api/scores/{id}", headers: { Origin: "{origin}", "Content-Type": "text/plain" }, body: '{"score":1}', expect: { status: 415, code: "unsupported_media_type" } },
  { name: "PATCH /api/scores/{id} – session cookie, this origin, form-encoded body", as: "session", method: "PATCH", path: "/api/scores/{id}", headers: { Origin: "{origin}", "Content-Type": "application/x-www-form-urlencoded" }, body: "score=1", expect: { status: 415, code: "unsupported_media_type" } },
  { name: "POST /api/failures/{id}/reapply – session cookie, Origin evil.example", as: "session", method: "POST", path: "/api/failures/x/reapply", headers: { Origin: EVIL }, expect: { status: 403, code: "forbidden" } },
  { name: "POST /api/logout – session cookie, Origin evil.example", as: "session", method: "POST", path: "/api/logout", headers: { Origin: EVIL }, expect: { status: 403, code: "forbidden" } },
  { name: "POST /api/scores – text/plain (a cross-site form's body)", as: "anon", method: "POST", path: "/api/scores", headers: { "Content-Type": "text/plain" }, body: '{"playerName":"x","score":1}', expect: { status: 415, code: "unsupported_media_type" } },
  { name: "POST /api/scores – no Content-Type", as: "bearer", method: "POST", path: "/api/scores", body: '{"playerName":"x","score":1}', expect: { status: 415, code: "unsupported_media_type" } },
];

clients.describe("API: malformed paths, methods, cross-site writes, content types", () => {
  for (const c of cases) {
    clients(c.name, async ({ clients: all, playerName }) => {
      const record = await sentinel(all.bearer, playerName);
      const fill = (s: string) =>
        s.replaceAll("{id}", record.recordId).replaceAll("{origin}", all.origin);
      const headers = Object.fromEntries(
        Object.entries(c.headers ?? {}).map(([k, v]) => [k, fill(v)]),
      );
      const response = await all[c.as].fetch(fill(c.path), {
        method: c.method,
        headers,
        ...(c.body !== undefined ? { data: Buffer.from(c.body) } : {}),
        maxRedirects: 0,
      });
      if (c.expect.code) await expectApiError(response, c.expect.status, c.expect.code as never);
      else expect(response.status()).toBe(c.expect.status);
      if (c.expect.allow) expect(response.headers()["allow"]).toBe(c.expect.allow);
      // Refused means refused: the record is as it was, the session still works.
      expect(await recordOf(all.anon, record.recordId)).toEqual({ status: 200, body: record });
      expect((await all.session.get("/api/failures")).status()).toBe(200);
    });
  }

  clients(
    "the same writes from this origin, and with a Bearer token from anywhere, pass",
    async ({ clients: { bearer, session, origin }, playerName }) => {
      const record = await sentinel(bearer, playerName);
      const same = await session.patch(`/api/scores/${record.recordId}`, {
        headers: { Origin: origin },
        data: { score: 4243 },
      });
      expect(same.status(), await same.text()).toBe(200);
      const fetchSite = await session.patch(`/api/scores/${record.recordId}`, {
        headers: { "Sec-Fetch-Site": "same-origin" },
        data: { score: 4244 },
      });
      expect(fetchSite.status(), await fetchSite.text()).toBe(200);
      // A game server: no cookie, a token; what Origin says does not matter.
      const server = await bearer.patch(`/api/scores/${record.recordId}`, {
        headers: { Origin: EVIL },
        data: { score: 4245 },
      });
      expect(server.status(), await server.text()).toBe(200);
      expect(ScoreRecord.parse(await server.json()).score).toBe(4245);
    },
  );

  clients(
    "POST /play from another origin: back to the board with a message, nothing saved",
    async ({ clients: { anon, origin }, api, playerName }) => {
      const response = await anon.post("/play", {
        headers: { Origin: EVIL },
        form: { playerName, score: "100" },
        maxRedirects: 0,
      });
      expect(response.status()).toBe(303);
      const location = new URL(response.headers()["location"]!, origin);
      expect(location.origin).toBe(origin);
      expect(location.searchParams.get("error")).toMatch(/another site/);
      expect(await api.listScores(playerName)).toEqual([]);
    },
  );
});

/** A request to evil.example itself (not one that merely names it in its query). */
const isEvil = (url: URL) => url.hostname === "evil.example";

// --- open redirects after login --------------------------------------------------------------

/** `next` as a phishing link would write it (the query string, encoded or not). */
const NEXT_VARIANTS = [
  "/%09/evil.example",
  "/%0A/evil.example",
  "/%0D/evil.example",
  "/%0A/x",
  "//evil.example",
  "/%2F/evil.example",
  "%2F%2Fevil.example",
  "/\\evil.example",
  "/%5Cevil.example",
  "/%5C%5Cevil.example",
  "https://evil.example",
  "https:%2F%2Fevil.example",
  "http:evil.example",
  "/.//evil.example",
  "/%2e//evil.example",
  "/a/../..//evil.example",
  "%09//evil.example",
  "/%E3%80%82/evil.example",
  "javascript:alert(1)",
  "/%252F%252Fevil.example",
];

clients.describe("login: next never leaves the site", () => {
  clients(
    "with a session, every variant redirects to a path on this site (0 off-site, 0 5xx)",
    async ({ clients: { session, anon, origin } }) => {
      let offSite = 0;
      for (const next of NEXT_VARIANTS) {
        const response = await session.get(`/login?next=${next}`, { maxRedirects: 0 });
        expect(response.status(), `${next}: ${await response.text()}`).toBe(307);
        const location = response.headers()["location"]!;
        if (new URL(location, origin).origin !== origin) offSite += 1;
        // eslint-disable-next-line no-control-regex -- control characters are what it looks for
        expect(location, next).not.toMatch(/[\u0000-\u001f\\]/);

        // Without a session the page renders the form; the `next` it carries is as safe.
        const page = await anon.get(`/login?next=${next}`);
        expect(page.status(), next).toBe(200);
        const hidden = /name="next" value="([^"]*)"/.exec(await page.text())?.[1];
        expect(hidden, next).toBeDefined();
        if (new URL(hidden!.replaceAll("&amp;", "&"), origin).origin !== origin) offSite += 1;
      }
      console.log(`open redirect: ${NEXT_VARIANTS.length} next variants × 2, ${offSite} off-site`);
      expect(offSite).toBe(0);
    },
  );

  clients(
    "in Chromium, signed in: /login?next=/%09/evil.example stays on the site",
    async ({ browser, baseURL }) => {
      const context = await browser.newContext({ baseURL: baseURL! });
      const offSite: string[] = [];
      await context.route(isEvil, (route) => {
        offSite.push(route.request().url());
        return route.abort();
      });
      const login = await context.request.post("/api/login", { data: { token: OPERATOR_TOKEN } });
      expect(login.status()).toBe(204);
      const page = await context.newPage();
      await page.goto("/login?next=/%09/evil.example");
      await expect(page).toHaveURL(new RegExp(`^${new URL(baseURL!).origin}/inspector$`));
      expect(offSite).toEqual([]);
      await context.close();
    },
  );

  clients(
    "in Chromium without JavaScript, signing in with next=/%0D/evil.example lands on /inspector",
    async ({ browser, baseURL }) => {
      const context = await browser.newContext({ baseURL: baseURL!, javaScriptEnabled: false });
      const offSite: string[] = [];
      await context.route(isEvil, (route) => {
        offSite.push(route.request().url());
        return route.abort();
      });
      const page = await context.newPage();
      await page.goto("/login?next=/%0D/evil.example");
      await page.getByLabel("Operator token").fill(OPERATOR_TOKEN);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page).toHaveURL(new RegExp(`^${new URL(baseURL!).origin}/inspector$`));
      expect(offSite).toEqual([]);
      await context.close();
    },
  );
});

// --- headers on every page and route ---------------------------------------------------------

// prettier-ignore
const HEADER_TARGETS: { name: string; method: string; path: string; page: boolean }[] = [
  { name: "/", method: "GET", path: "/", page: true },
  { name: "/leaderboard", method: "GET", path: "/leaderboard", page: true },
  { name: "/players/{name} (a 404 here)", method: "GET", path: "/players/nobody-at-all", page: true },
  { name: "/login", method: "GET", path: "/login", page: true },
  { name: "/inspector (the redirect to /login)", method: "GET", path: "/inspector", page: true },
  { name: "a page that does not exist", method: "GET", path: "/no-such-page", page: true },
  { name: "/api/health", method: "GET", path: "/api/health", page: false },
  { name: "/api/leaderboard", method: "GET", path: "/api/leaderboard", page: false },
  { name: "an /api/ 404", method: "GET", path: "/api/no-such-route", page: false },
  { name: "a 405", method: "PUT", path: "/api/leaderboard", page: false },
  { name: "a 400 (malformed path)", method: "GET", path: "/api/scores/%zz", page: false },
  { name: "a 401", method: "GET", path: "/api/stream", page: false },
];

function expectSecurityHeaders(headers: Record<string, string>, page: boolean, name: string) {
  const csp = headers["content-security-policy"] ?? "";
  expect(csp, name).toContain("frame-ancestors 'none'");
  if (page) {
    expect(csp, name).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}' 'strict-dynamic'/);
    expect(csp, name).not.toContain("unsafe-eval");
  } else {
    expect(csp, name).toContain("default-src 'none'");
  }
  expect(headers["x-frame-options"], name).toBe("DENY");
  expect(headers["x-content-type-options"], name).toBe("nosniff");
  expect(headers["referrer-policy"], name).toBe("strict-origin-when-cross-origin");
}

clients.describe("security headers", () => {
  clients("on every page and route; HSTS only over https", async ({ clients: { anon } }) => {
    for (const target of HEADER_TARGETS) {
      const response = await anon.fetch(target.path, { method: target.method, maxRedirects: 0 });
      expect(response.status(), target.name).toBeLessThan(500);
      expectSecurityHeaders(response.headers(), target.page, target.name);
      expect(response.headers()["strict-transport-security"], target.name).toBeUndefined();

      // Behind CloudFront the request came over https: HSTS, and insecure requests upgraded.
      const https = await anon.fetch(target.path, {
        method: target.method,
        headers: { "X-Forwarded-Proto": "https" },
        maxRedirects: 0,
      });
      expect(https.headers()["strict-transport-security"], target.name).toMatch(/^max-age=\d{7,}/);
    }
    // The build's static files: the fixed headers (next.config.ts), no CSP needed.
    const html = await (await anon.get("/")).text();
    const script = /<script src="(\/_next\/static\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await anon.get(script!);
    expect(asset.headers()["x-content-type-options"]).toBe("nosniff");
  });

  clients(
    "a page's nonce is fresh per request and on every script the page carries",
    async ({ clients: { anon } }) => {
      const nonces = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const response = await anon.get("/");
        const nonce = /'nonce-([^']+)'/.exec(response.headers()["content-security-policy"]!)?.[1];
        expect(nonce).toBeDefined();
        nonces.add(nonce!);
        const scripts = [...(await response.text()).matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
        expect(scripts.length).toBeGreaterThan(0);
        for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
      }
      expect(nonces.size).toBe(3);
    },
  );
});

// --- the CSP breaks nothing ------------------------------------------------------------------

/** Every CSP violation the page reports, and whether Next.js's client started. */
async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener("securitypolicyviolation", (event) => {
      seen.push(
        `${event.violatedDirective} ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}:${event.columnNumber}`,
      );
    });
  });
  return async () => [
    ...violations,
    ...(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)),
  ];
}

clients.describe("the CSP in Chromium", () => {
  clients(
    "/, /leaderboard and a profile with its charts: hydrated, no violation",
    async ({ page, operatorApi, playerName }) => {
      await operatorApi.submitScore({ playerName, score: 1200 });
      await operatorApi.submitScore({ playerName, score: 1500 });
      await operatorApi.waitForTotal(playerName, 2700);
      const violations = await watchCsp(page);

      await page.goto("/");
      // The score form posts JSON once hydrated (a plain POST to /play before): the client runs.
      const form = page.getByRole("form", { name: "Submit a score" });
      await form.getByLabel("Player name").fill(playerName);
      await form.getByLabel("Score", { exact: true }).fill("300");
      const posted = page.waitForRequest(
        (r) => r.url().endsWith("/api/scores") && r.method() === "POST",
      );
      await form.getByRole("button", { name: "Submit score" }).click();
      await posted;

      await page.goto("/leaderboard");
      await expect(page.getByTestId("leaderboard-row").first()).toBeVisible();
      await page.goto(`/players/${playerName}`);
      await expect(page.locator("svg.recharts-surface").first()).toBeVisible();
      expect(await violations()).toEqual([]);
    },
  );

  clients(
    "/inspector with its charts (recharts, loaded after the page): no violation",
    async ({ operatorPage: page }) => {
      const violations = await watchCsp(page);
      await page.goto("/inspector");
      await expect(page.getByTestId("events-chart")).toBeVisible();
      await expect(page.locator("svg.recharts-surface").first()).toBeVisible();
      expect(await violations()).toEqual([]);
    },
  );

  clients("a page cannot be framed (frame-ancestors 'none')", async ({ page, baseURL }) => {
    const blocked: string[] = [];
    page.on("console", (message) => {
      if (/frame-ancestors|Refused to display/i.test(message.text())) blocked.push(message.text());
    });
    // Any page serves as the outer one: it embeds /inspector's login, which refuses to load.
    await page.goto("/leaderboard");
    await page.evaluate((src) => {
      const frame = document.createElement("iframe");
      frame.src = src;
      document.body.append(frame);
    }, `${baseURL}/login`);
    await expect.poll(() => blocked.length).toBeGreaterThan(0);
  });
});

clients(
  "a cross-site form in Chromium posting to /play saves nothing",
  async ({ page, baseURL, api, playerName }) => {
    // evil.example, served by the test: a form that posts itself to this site on load.
    await page.route(`${EVIL}/**`, (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<!doctype html><form method="post" action="${baseURL}/play">
        <input name="playerName" value="${playerName}"><input name="score" value="999">
        </form><script>document.forms[0].submit()</script>`,
      }),
    );
    await page.goto(`${EVIL}/csrf`);
    await expect(page).toHaveURL(new RegExp(`^${new URL(baseURL!).origin}/\\?`));
    expect(new URL(page.url()).searchParams.get("error")).toMatch(/another site/);
    expect(await api.listScores(playerName)).toEqual([]);
  },
);
