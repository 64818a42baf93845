import { existsSync } from "node:fs";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, putRawScoreItem, test } from "./fixtures";

// Accessibility: axe-core finds no violations on any page, in the states an operator or a
// player sees them (a board with rows, a record open, the failures panel with an entry), on a
// desktop and on a phone. A failure prints each violation, so it can be fixed from the log.

type Violations = Awaited<ReturnType<AxeBuilder["analyze"]>>["violations"];

/** One line per offending element: rule, impact, selector, what is wrong. */
function describe(violations: Violations): string {
  return violations
    .flatMap((v) =>
      v.nodes.map(
        (n) =>
          `${v.id} (${v.impact ?? "?"}) ${n.target.join(" ")}\n    ${n.failureSummary?.replace(/\n/g, "\n    ") ?? v.help}`,
      ),
    )
    .join("\n");
}

async function expectNoViolations(page: Page, label: string) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const counts = Object.fromEntries(violations.map((v) => [v.id, v.nodes.length]));
  console.log(`axe ${label}: ${JSON.stringify(counts)}`);
  expect(violations, `axe on ${label}:\n${describe(violations)}`).toEqual([]);
}

/** A route exists in this checkout (the leaderboard and player pages land separately). */
const routeExists = (segments: string) =>
  existsSync(path.join(process.cwd(), "app", segments, "page.tsx"));

test("/ with a submitted score has no axe violations", async ({ page, api, playerName }) => {
  await api.submitScore({ playerName, score: 4242, nickName: "Axe" });
  await page.goto("/");
  await expect(page.getByTestId("leaderboard-row").first()).toBeVisible();
  await expectNoViolations(page, "/");
});

test("/ on a 375×667 phone has no axe violations", async ({ page, api, playerName }) => {
  await page.setViewportSize({ width: 375, height: 667 });
  await api.submitScore({ playerName, score: 4243 });
  await page.goto("/");
  await expect(page.getByTestId("leaderboard-row").first()).toBeVisible();
  await expectNoViolations(page, "/ (phone)");
});

test("/login has no axe violations, also with an error shown", async ({ page }) => {
  await page.goto("/login");
  await expectNoViolations(page, "/login");
  await page.getByLabel("Operator token").fill("not-the-token");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "not valid" })).toBeVisible();
  await expectNoViolations(page, "/login (error)");
});

test("/inspector with records, one open, and a failure listed has no axe violations", async ({
  operatorPage: page,
  api,
  playerName,
}) => {
  test.setTimeout(90_000);
  const recordId = `axe-${playerName}`;
  const now = new Date().toISOString();
  await putRawScoreItem({
    RecordID: { S: recordId },
    Score: { N: "500" },
    CreatedAt: { S: now },
    UpdatedAt: { S: now },
  });
  const record = await api.submitScore({ playerName, score: 777, nickName: "Axe" });
  await page.goto("/inspector");
  const failure = page
    .getByRole("region", { name: "Failures" })
    .locator(`[data-testid="failure"][data-record-id="${recordId}"]`);
  await expect(failure).toBeVisible({ timeout: 15_000 });
  const row = page.locator(
    `[data-testid="stream-record"][data-record-id="${record.recordId}"][data-event="INSERT"]`,
  );
  await row.click();
  await expect(page.getByRole("dialog", { name: "Stream record" })).toBeVisible();
  await expectNoViolations(page, "/inspector");
});

for (const [route, segments] of [
  ["/leaderboard", "leaderboard"],
  ["/players/{name}", "players/[name]"],
] as const) {
  if (!routeExists(segments)) continue;
  test(`${route} has no axe violations`, async ({ page, api, playerName }) => {
    await api.submitScore({ playerName, score: 4244 });
    await api.waitForTotal(playerName, 4244);
    await page.goto(route === "/leaderboard" ? "/leaderboard" : `/players/${playerName}`);
    await expect(page.locator("h1")).toBeVisible();
    await expectNoViolations(page, route);
  });
}
