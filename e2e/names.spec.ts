import AxeBuilder from "@axe-core/playwright";
import type { APIRequestContext, Browser } from "@playwright/test";
import { ClaimKey, ScoreSubmitted } from "@streamboard/core/contract";
import { OPERATOR_TOKEN, expect, expectApiError, submitScoreForm, test } from "./fixtures";

/*
 * Names players own: the first score claims a name for its device (an HttpOnly cookie); another
 * device is refused with 403 name_taken until it brings the recovery key; the operator token
 * submits under any name and releases claims. Two browser contexts are two devices.
 */

async function newDevice(browser: Browser) {
  const context = await browser.newContext();
  return { context, request: context.request, page: await context.newPage() };
}

async function submit(request: APIRequestContext, playerName: string, score = 1) {
  return request.post("/api/scores", { data: { playerName, score } });
}

async function claimed(request: APIRequestContext, playerName: string): Promise<ScoreSubmitted> {
  const response = await submit(request, playerName);
  expect(response.status(), await response.text()).toBe(201);
  return ScoreSubmitted.parse(await response.json());
}

const bearer = { Authorization: `Bearer ${OPERATOR_TOKEN}` };

test("POST /api/scores – the first score claims the name; another device gets 403 name_taken, in any case or normal form", async ({
  api,
  context,
  browser,
  playerName,
}) => {
  const name = `${playerName.slice(0, 26)} José`;
  const first = await claimed(api.request, name);
  expect(first.playerName).toBe(name);
  expect(first.claim?.playerName).toBe(name);
  expect(first.claim?.recoveryKey).toMatch(/^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$/);
  const device = (await context.cookies()).find((c) => c.name === "streamboard_device");
  expect(device).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
  expect(device!.expires - Date.now() / 1000).toBeGreaterThan(300 * 24 * 3600);

  // The same device again: no new key, and the record under the name as first claimed.
  const again = await claimed(api.request, name.toUpperCase());
  expect(again.claim).toBeUndefined();
  expect(again.playerName).toBe(name);

  const other = await newDevice(browser);
  for (const variant of [
    name,
    name.toLowerCase(),
    name.normalize("NFD"),
    ` ${name.toUpperCase()} `,
  ]) {
    const body = await expectApiError(await submit(other.request, variant), 403, "name_taken");
    expect(body.error.message).toMatch(/recovery key/);
    expect(body.error.message).toMatch(/choose another name/);
  }
  expect((await api.listScores(name)).map((r) => r.recordId)).toEqual([
    again.recordId,
    first.recordId,
  ]);
  await other.context.close();
});

test("POST /api/claims/recover – the key moves the name to another device and is replaced; a wrong key changes nothing", async ({
  api,
  browser,
  playerName,
}) => {
  const { claim } = await claimed(api.request, playerName);
  const other = await newDevice(browser);

  const wrong = await other.request.post("/api/claims/recover", {
    data: { playerName, recoveryKey: "0000-0000-0000-0000-0000-0000-0000-0000" },
  });
  expect((await expectApiError(wrong, 403, "forbidden")).error.message).toMatch(/recovery key/);
  await expectApiError(await submit(other.request, playerName), 403, "name_taken");
  expect((await submit(api.request, playerName)).status()).toBe(201);

  const moved = await other.request.post("/api/claims/recover", {
    data: { playerName: playerName.toUpperCase(), recoveryKey: claim!.recoveryKey.toLowerCase() },
  });
  expect(moved.status(), await moved.text()).toBe(200);
  const next = ClaimKey.parse(await moved.json());
  expect(next.playerName).toBe(playerName);
  expect(next.recoveryKey).not.toBe(claim!.recoveryKey);

  expect((await claimed(other.request, playerName)).playerName).toBe(playerName);
  await expectApiError(await submit(api.request, playerName), 403, "name_taken");
  // The old key is spent.
  await expectApiError(
    await api.request.post("/api/claims/recover", {
      data: { playerName, recoveryKey: claim!.recoveryKey },
    }),
    403,
    "forbidden",
  );
  await expectApiError(
    await api.request.post("/api/claims/recover", { data: { playerName } }),
    400,
    "invalid_input",
  );
  await other.context.close();
});

test("the operator token submits under a claimed name, and releases it for the next device", async ({
  api,
  operatorApi,
  browser,
  playerName,
  request,
}) => {
  await claimed(api.request, playerName);
  const served = await operatorApi.request.post("/api/scores", {
    data: { playerName: playerName.toUpperCase(), score: 5 },
  });
  expect(served.status(), await served.text()).toBe(201);
  const record = ScoreSubmitted.parse(await served.json());
  expect(record.playerName).toBe(playerName);
  expect(record.claim).toBeUndefined();

  const path = `/api/claims/${encodeURIComponent(playerName)}`;
  await expectApiError(await request.delete(path), 401, "unauthorized");
  await expectApiError(await api.request.delete(path), 401, "unauthorized");
  expect((await request.delete(path, { headers: bearer })).status()).toBe(204);
  await expectApiError(await request.delete(path, { headers: bearer }), 404, "not_found");

  const other = await newDevice(browser);
  const taken = await claimed(other.request, playerName.toLowerCase());
  expect(taken.claim?.playerName).toBe(playerName);
  expect(taken.playerName).toBe(playerName);
  await expectApiError(await submit(api.request, playerName), 403, "name_taken");
  await api.waitForTotal(playerName, 1 + 5 + 1);
  await other.context.close();
});

const refused = [
  {
    name: "32 combining marks (looks empty)",
    playerName: "\u0301".repeat(32),
    message: /accents without a letter/,
  },
  {
    name: "zalgo",
    playerName: "Z\u0351\u0352\u0353a\u0354\u0355\u0356lgo",
    message: /at most 2 accents/,
  },
  {
    name: "a Cyrillic look-alike (А in Аlice)",
    playerName: "\u0410lice",
    message: /mixes alphabets/,
  },
  { name: "a right-to-left override", playerName: "ann\u202Eevil", message: /text direction/ },
  { name: "a zero-width space", playerName: "an\u200Bn", message: /invisible/ },
  { name: "a soft hyphen", playerName: "an\u00ADn", message: /invisible/ },
];

for (const c of refused) {
  test(`POST /api/scores – player name with ${c.name} is refused, nothing written`, async ({
    api,
  }) => {
    const body = await expectApiError(
      await submit(api.request, c.playerName),
      400,
      "invalid_input",
    );
    expect(body.error.message).toMatch(c.message);
    // Not a name anything can be stored or looked up under.
    await expectApiError(
      await api.request.get("/api/scores", { params: { playerName: c.playerName } }),
      400,
      "invalid_input",
    );
  });
}

test("POST /api/scores – NFD and NFC are one player, stored in NFC", async ({
  api,
  playerName,
}) => {
  const nfd = `${playerName.slice(0, 26)} Jose\u0301`;
  const record = await claimed(api.request, nfd);
  expect(record.playerName).toBe(nfd.normalize("NFC"));
  await api.waitForTotal(nfd.normalize("NFC"), 1);
  expect((await api.listScores(nfd)).map((r) => r.recordId)).toEqual([record.recordId]);
});

test("GET /api/players/{name} finds a player under any case of their name", async ({
  api,
  playerName,
}) => {
  const name = `${playerName.slice(0, 26)} Mixed`;
  await claimed(api.request, name);
  await api.waitForTotal(name, 1);
  const lower = await api.request.get(`/api/players/${encodeURIComponent(name.toUpperCase())}`);
  expect(lower.status()).toBe(200);
  expect(await lower.json()).toMatchObject({ playerName: name, totalScore: 1 });
  const periods = await api.request.get(
    `/api/players/${encodeURIComponent(name.toLowerCase())}/periods`,
  );
  expect(periods.status()).toBe(200);
});

test("the player's page shows the key once, and moves the name to another device with it", async ({
  page,
  browser,
  playerName,
}) => {
  await page.goto("/");
  await submitScoreForm(page, { playerName, score: "12" });
  const notice = page.getByTestId("recovery-key");
  await expect(notice).toContainText("Keep this key: it lets you use your name on another device");
  const key = (await notice.locator("code").textContent())!;
  expect(key).toMatch(/^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$/);
  await expect(notice.getByRole("button", { name: "Copy key" })).toBeVisible();
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.map((v) => v.id)).toEqual([]);
  // A second game: no key this time.
  await page.getByRole("button", { name: "I have saved it" }).click();
  await submitScoreForm(page, { playerName, score: "3" });
  await expect(page.getByText(`Saved 3 for ${playerName}.`)).toBeVisible();
  await expect(notice).toHaveCount(0);

  const other = await newDevice(browser);
  await other.page.goto("/");
  await submitScoreForm(other.page, { playerName, score: "7" });
  const alert = other.page
    .getByRole("alert")
    .filter({ hasText: "This name belongs to another device" });
  await expect(alert).toContainText("recovery key");
  const recover = other.page.getByRole("form", { name: "Use my name on this device" });
  await expect(recover).toBeVisible();
  await expect(recover.getByLabel("Name to move here")).toHaveValue(playerName);
  const axeTaken = await new AxeBuilder({ page: other.page }).analyze();
  expect(axeTaken.violations.map((v) => v.id)).toEqual([]);

  await recover.getByLabel("Recovery key").fill("not-the-key");
  await recover.getByRole("button", { name: "Move the name here" }).click();
  await expect(recover.getByRole("alert")).toContainText("not the recovery key");
  await recover.getByLabel("Recovery key").fill(key);
  await recover.getByRole("button", { name: "Move the name here" }).click();
  const fresh = other.page.getByTestId("recovery-key");
  await expect(fresh).toContainText(playerName);
  expect(await fresh.locator("code").textContent()).not.toBe(key);
  await submitScoreForm(other.page, { playerName, score: "7" });
  await expect(other.page.getByText(`Saved 7 for ${playerName}.`)).toBeVisible();
  await other.context.close();
});

test("before hydration the form claims the name and shows the key, never in a URL", async ({
  browser,
  playerName,
}) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const urls: string[] = [];
  page.on("framenavigated", (frame) => urls.push(frame.url()));
  await page.goto("/");
  await submitScoreForm(page, { playerName, score: "55" });
  await expect(page.getByText("Saved. Your score is on its way to the board.")).toBeVisible();
  const key = (await page.getByTestId("recovery-key").locator("code").textContent())!;
  expect(key).toMatch(/^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$/);
  for (const url of urls) expect(url).not.toContain(key);
  const cookies = await context.cookies();
  for (const name of ["streamboard_device", "streamboard_new_key"]) {
    expect(cookies.find((c) => c.name === name)).toMatchObject({ httpOnly: true, sameSite: "Lax" });
  }

  // Another device without JavaScript: refused, then moves the name with the key.
  const other = await browser.newContext({ javaScriptEnabled: false });
  const page2 = await other.newPage();
  await page2.goto("/");
  await submitScoreForm(page2, { playerName, score: "56" });
  await expect(page2.getByRole("alert")).toContainText("belongs to another device");
  const recover = page2.getByRole("form", { name: "Use my name on this device" });
  await expect(recover.getByLabel("Name to move here")).toHaveValue(playerName);
  await recover.getByLabel("Recovery key").fill(key);
  await recover.getByRole("button", { name: "Move the name here" }).click();
  await expect(page2.getByText(`${playerName} is now yours on this device.`)).toBeVisible();
  const next = (await page2.getByTestId("recovery-key").locator("code").textContent())!;
  expect(next).not.toBe(key);
  expect(page2.url()).not.toContain(next);
  await submitScoreForm(page2, { playerName, score: "57" });
  await expect(page2.getByText("Saved. Your score is on its way to the board.")).toBeVisible();
  await other.close();
  await context.close();
});
