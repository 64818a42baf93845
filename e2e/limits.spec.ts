import type { APIRequestContext, PlaywrightWorkerArgs } from "@playwright/test";
import { expect, OPERATOR_TOKEN, test, testClientAddress } from "./fixtures";

// Score limits through the whole stack: token buckets in the RateLimits table, one per client
// address (`X-Forwarded-For`, as the proxy in front would set it) and one per name. A player's
// normal play (a game a second, bursts of 30) passes; a flood is refused with 429 and
// Retry-After; the operator token (a game server) is exempt.

const post = (request: APIRequestContext, playerName: string, score = 1) =>
  request.post("/api/scores", { data: { playerName, score } });

function client(
  playwright: PlaywrightWorkerArgs["playwright"],
  baseURL: string | undefined,
  ip: string,
  headers: Record<string, string> = {},
) {
  return playwright.request.newContext({
    baseURL,
    extraHTTPHeaders: { "x-forwarded-for": ip, ...headers },
  });
}

test("a burst of 30 passes; a flood of 100 in a row is cut at the burst with 429 and Retry-After", async ({
  playwright,
  baseURL,
  playerName,
}, testInfo) => {
  const request = await client(playwright, baseURL, testClientAddress(testInfo));
  const statuses: number[] = [];
  let retryAfter: string | undefined;
  let refusal: unknown;
  for (let i = 0; i < 100; i++) {
    const response = await post(request, `${playerName.slice(0, 28)}-${i % 4}`);
    statuses.push(response.status());
    if (response.status() === 429 && refusal === undefined) {
      retryAfter = response.headers()["retry-after"];
      refusal = await response.json();
    }
  }
  const created = statuses.filter((s) => s === 201).length;
  const refused = statuses.filter((s) => s === 429).length;
  console.log(`[limits] flood of 100 from one client: ${created} × 201, ${refused} × 429`);
  expect(statuses.slice(0, 30)).toEqual(Array(30).fill(201));
  expect(created + refused).toBe(100);
  // The bucket refills at one a second while the flood runs.
  expect(created).toBeLessThan(45);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(refusal).toMatchObject({ error: { code: "too_many_requests" } });

  // A game a second goes on passing.
  await new Promise((resolve) => setTimeout(resolve, 2100));
  expect((await post(request, `${playerName.slice(0, 28)}-0`)).status()).toBe(201);
  await request.dispose();
});

test("per name: one device moving between networks is still one player's bucket", async ({
  playwright,
  baseURL,
  playerName,
}, testInfo) => {
  const home = await client(playwright, baseURL, testClientAddress(testInfo));
  expect((await post(home, playerName)).status()).toBe(201);
  const device = (await home.storageState()).cookies.find((c) => c.name === "streamboard_device");
  expect(device).toBeDefined();
  for (let i = 0; i < 29; i++) expect((await post(home, playerName)).status()).toBe(201);
  // The same device (its cookie) from another address: the per-client bucket is fresh, the name's
  // is not.
  const mobile = await client(playwright, baseURL, "192.0.2.77", {
    cookie: `streamboard_device=${device!.value}`,
  });
  const started = Date.now();
  const statuses: number[] = [];
  let message = "";
  for (let i = 0; i < 10; i++) {
    const response = await post(mobile, playerName);
    statuses.push(response.status());
    if (response.status() === 429)
      message = ((await response.json()) as { error: { message: string } }).error.message;
  }
  // Only what the name's bucket refilled since the burst (one a second) passes.
  const seconds = (Date.now() - started) / 1000;
  expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(Math.ceil(seconds) + 6);
  expect(statuses).toContain(429);
  expect(message).toContain("this player");
  await Promise.all([home.dispose(), mobile.dispose()]);
});

test("the operator token (a game server) is exempt: 60 scores in a row all land", async ({
  playwright,
  baseURL,
  playerName,
}, testInfo) => {
  const server = await client(playwright, baseURL, testClientAddress(testInfo), {
    authorization: `Bearer ${OPERATOR_TOKEN}`,
  });
  const statuses: number[] = [];
  for (let i = 0; i < 60; i++) statuses.push((await post(server, playerName, i)).status());
  expect(statuses).toEqual(Array(60).fill(201));
  await server.dispose();
});
