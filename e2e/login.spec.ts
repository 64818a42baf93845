import type { Page } from "@playwright/test";
import { expect, OPERATOR_TOKEN, test } from "./fixtures";

// The login form before hydration (or with JavaScript off): a plain POST to the `signIn` server
// action, which checks the token as POST /api/login does, sets its session cookie and answers
// 303. No URL the browser asks for or lands on ever holds the token.

/** Every URL the page requests or navigates to, for the whole test. */
function recordUrls(page: Page): string[] {
  const urls: string[] = [];
  page.on("request", (request) => urls.push(request.url()));
  page.on("framenavigated", (frame) => urls.push(frame.url()));
  return urls;
}

test("without JavaScript, signing in lands on /inspector; the token is in no URL", async ({
  browser,
}) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const urls = recordUrls(page);
  const answers: number[] = [];
  page.on("response", (response) => {
    if (response.request().method() === "POST") answers.push(response.status());
  });

  await page.goto("/inspector");
  await expect(page).toHaveURL(/\/login\?next=(\/|%2F)inspector$/);
  // A wrong token: back to /login with the message, the way back to /inspector kept.
  await page.getByLabel("Operator token").fill("not-the-token");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/login\?next=%2Finspector&error=unauthorized$/);
  await expect(page.locator("#token-error")).toHaveText("That operator token is not valid.");

  await page.getByLabel("Operator token").fill(OPERATOR_TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/inspector$/);
  // The dashboard itself renders in the browser (it reads the query string there): without
  // JavaScript, being let in is the proof: no redirect back to /login.
  await expect(page.getByRole("heading", { name: "Operator sign in" })).toHaveCount(0);
  expect(answers).toEqual([303, 303]);
  expect((await context.cookies()).map((c) => c.name)).toContain("streamboard_operator");

  expect(urls.length).toBeGreaterThan(3);
  for (const url of urls) {
    expect(url).not.toContain(OPERATOR_TOKEN);
    expect(url).not.toContain("not-the-token");
  }
  await context.close();
});

test("with JavaScript, signing in still posts JSON to /api/login; the token is in no URL", async ({
  page,
}) => {
  const urls = recordUrls(page);
  const posts: string[] = [];
  page.on("request", (request) => {
    if (request.method() === "POST") posts.push(new URL(request.url()).pathname);
  });
  await page.goto("/login?next=/inspector");
  await page.getByLabel("Operator token").fill(OPERATOR_TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/inspector$/);
  expect(posts).toEqual(["/api/login"]);
  for (const url of urls) expect(url).not.toContain(OPERATOR_TOKEN);
});
