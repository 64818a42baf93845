import type { APIRequestContext, PlaywrightWorkerArgs } from "@playwright/test";
import { expect, OPERATOR_TOKEN, test } from "./fixtures";

// Sessions that end and logins that cannot be guessed: through the whole stack, each test from
// its own client address (`X-Forwarded-For`, as the proxy in front of the app would set it), so
// the per-client login limit of one test does not touch another.

let clients = 0;
/** A client address no other test uses (TEST-NET-2 and a worker-unique counter). */
function address(workerIndex: number): string {
  clients += 1;
  return `198.51.${100 + (workerIndex % 100)}.${(clients % 250) + 1}`;
}

function client(
  playwright: PlaywrightWorkerArgs["playwright"],
  baseURL: string | undefined,
  ip: string,
  extra = {},
) {
  return playwright.request.newContext({
    baseURL,
    extraHTTPHeaders: { "x-forwarded-for": ip, ...extra },
  });
}

const login = (request: APIRequestContext, token: string) =>
  request.post("/api/login", { data: { token } });

test("wrong tokens: the 6th attempt within a minute is a 429 with Retry-After, even with the right token", async ({
  playwright,
  baseURL,
}, testInfo) => {
  const request = await client(playwright, baseURL, address(testInfo.workerIndex));
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await login(request, `wrong-${i}`)).status());
  expect(statuses).toEqual([401, 401, 401, 401, 401]);

  const locked = await login(request, OPERATOR_TOKEN);
  expect(locked.status()).toBe(429);
  const retryAfter = Number(locked.headers()["retry-after"]);
  expect(retryAfter).toBeGreaterThanOrEqual(30);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(await locked.json()).toMatchObject({ error: { code: "too_many_requests" } });
  expect(locked.headers()["set-cookie"]).toBeUndefined();

  // Guessing through the API instead is the same guess: refused before the token is compared.
  const viaApi = await request.get("/api/failures", {
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
  });
  expect(viaApi.status()).toBe(429);

  // Another client is not locked out.
  const other = await client(playwright, baseURL, address(testInfo.workerIndex));
  expect((await login(other, OPERATOR_TOKEN)).status()).toBe(204);
  await Promise.all([request.dispose(), other.dispose()]);
});

test("wrong bearer tokens count too: after 5, the API answers 429 to the client", async ({
  playwright,
  baseURL,
}, testInfo) => {
  const request = await client(playwright, baseURL, address(testInfo.workerIndex));
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const response = await request.get("/api/stream", {
      headers: { authorization: `Bearer guess-${i}` },
    });
    statuses.push(response.status());
  }
  expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  await request.dispose();
});

test("a cookie saved before logout is refused after it; sign out everywhere ends the other browsers", async ({
  playwright,
  baseURL,
}, testInfo) => {
  const ip = address(testInfo.workerIndex);
  const first = await client(playwright, baseURL, ip);
  expect((await login(first, OPERATOR_TOKEN)).status()).toBe(204);
  const saved = (await first.storageState()).cookies.find((c) => c.name === "streamboard_operator");
  expect(saved?.httpOnly).toBe(true);
  expect(saved?.value).not.toContain(OPERATOR_TOKEN);
  const cookie = { cookie: `streamboard_operator=${saved!.value}` };
  expect((await first.get("/api/stream?limit=1")).status()).toBe(200);

  const logout = await first.post("/api/logout", { headers: { origin: baseURL! } });
  expect(logout.status()).toBe(204);
  // The copy of the cookie, sent by another client as if stolen before the logout: 401.
  const thief = await client(playwright, baseURL, address(testInfo.workerIndex), cookie);
  const replay = await thief.get("/api/stream?limit=1");
  expect(replay.status()).toBe(401);
  expect(await replay.json()).toMatchObject({ error: { code: "unauthorized" } });

  // Two browsers signed in; "sign out everywhere" from one ends both.
  const a = await client(playwright, baseURL, ip);
  const b = await client(playwright, baseURL, ip);
  expect((await login(a, OPERATOR_TOKEN)).status()).toBe(204);
  expect((await login(b, OPERATOR_TOKEN)).status()).toBe(204);
  expect((await b.get("/api/stream?limit=1")).status()).toBe(200);
  const everywhere = await a.post("/api/logout/everywhere", { headers: { origin: baseURL! } });
  expect(everywhere.status()).toBe(200);
  expect((await everywhere.json()) as { ended: number }).toMatchObject({
    ended: expect.any(Number),
  });
  expect((await b.get("/api/stream?limit=1")).status()).toBe(401);
  expect((await a.get("/api/stream?limit=1")).status()).toBe(401);
  // Without a session, sign out everywhere is refused.
  expect((await b.post("/api/logout/everywhere", { headers: { origin: baseURL! } })).status()).toBe(
    401,
  );
  await Promise.all([first, thief, a, b].map((c) => c.dispose()));
});

test("the inspector's Sign out everywhere button signs out another browser too", async ({
  browser,
  baseURL,
}, testInfo) => {
  const ip = address(testInfo.workerIndex);
  const contexts = await Promise.all(
    [0, 1].map(() => browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": ip } })),
  );
  const [here, elsewhere] = await Promise.all(contexts.map((context) => context.newPage()));
  for (const page of [here!, elsewhere!]) {
    expect(
      (await page.request.post("/api/login", { data: { token: OPERATOR_TOKEN } })).status(),
    ).toBe(204);
  }
  await here!.goto("/inspector");
  await here!.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(here!).toHaveURL(/\/login/);
  await elsewhere!.goto("/inspector");
  await expect(elsewhere!).toHaveURL(/\/login\?next=/);
  expect(baseURL).toBeTruthy();
  await Promise.all(contexts.map((context) => context.close()));
});
