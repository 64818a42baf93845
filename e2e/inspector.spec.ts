import type { Locator, Page } from "@playwright/test";
import { ScoreRecord } from "@streamboard/core/contract";
import { expect, OPERATOR_TOKEN, test } from "./fixtures";

const formatted = (n: number) => n.toLocaleString("en-US");

/** The tail's card for one event of one record. */
const streamRecord = (page: Page, recordId: string, event: "INSERT" | "MODIFY" | "REMOVE") =>
  page.locator(
    `[data-testid="stream-record"][data-record-id="${recordId}"][data-event="${event}"]`,
  );

/** The inspector's own leaderboard (the one beside the tail). */
const boardRow = (page: Page, playerName: string): Locator =>
  page
    .getByRole("region", { name: "Rolling leaderboard" })
    .locator(`[data-testid="leaderboard-row"][data-player="${playerName}"]`);

test("/inspector without login goes to /login, and back after signing in", async ({ page }) => {
  await page.goto("/inspector");
  await expect(page).toHaveURL(/\/login\?next=(\/|%2F)inspector$/);
  await expect(page.getByRole("heading", { name: "Operator sign in" })).toBeVisible();

  await page.getByLabel("Operator token").fill("not-the-token");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "not valid" })).toBeVisible();

  await page.getByLabel("Operator token").fill(OPERATOR_TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/inspector$/);
  await expect(page.getByRole("heading", { name: "Stream inspector" })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/inspector");
  await expect(page).toHaveURL(/\/login\?next=/);
});

test("an operator sees the INSERT, edits the record (MODIFY) and deletes it (REMOVE); the board follows", async ({
  operatorPage: page,
  api,
  playerName,
}) => {
  const score = 950_000_000 + Math.floor(Math.random() * 40_000_000);
  const corrected = score - 123_456;
  await page.goto("/inspector");
  await expect(page.getByRole("heading", { name: "Stream inspector" })).toBeVisible();

  const record = await api.submitScore({ playerName, score, nickName: "Orig" });

  // INSERT: green badge, the new image, and the player on the board.
  const insert = streamRecord(page, record.recordId, "INSERT");
  await expect(insert).toBeVisible();
  await expect(insert.getByText("INSERT", { exact: true })).toBeVisible();
  await expect(insert.locator('[data-attribute="Score"]')).toContainText(String(score));
  await expect(boardRow(page, playerName)).toContainText(formatted(score));

  // MODIFY: edit score and nickname; old and new side by side, the changes marked.
  await insert.getByRole("button", { name: /^Edit record/ }).click();
  const dialog = page.getByRole("dialog", { name: "Edit score record" });
  await expect(dialog.getByLabel("Score", { exact: true })).toHaveValue(String(score));
  await dialog.getByLabel("Score", { exact: true }).fill(String(corrected));
  await dialog.getByLabel("Nickname").fill("Fixed");
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await expect(dialog).toBeHidden();

  const modify = streamRecord(page, record.recordId, "MODIFY");
  await expect(modify).toBeVisible();
  const scoreRow = modify.locator('[data-attribute="Score"]');
  await expect(scoreRow).toHaveAttribute("data-changed", "true");
  await expect(scoreRow.locator("td").nth(1)).toContainText(String(score));
  await expect(scoreRow.locator("td").nth(2)).toContainText(String(corrected));
  await expect(modify.locator('[data-attribute="NickName"]')).toHaveAttribute(
    "data-changed",
    "true",
  );
  await expect(modify.locator('[data-attribute="PlayerName"]')).not.toHaveAttribute("data-changed");
  await expect(boardRow(page, playerName)).toContainText(formatted(corrected));

  // REMOVE: delete (after confirming); the old image, and the player leaves the board.
  await modify.getByRole("button", { name: /^Delete record/ }).click();
  await modify.getByRole("button", { name: "Delete", exact: true }).click();
  const remove = streamRecord(page, record.recordId, "REMOVE");
  await expect(remove).toBeVisible();
  await expect(remove.locator('[data-attribute="Score"]')).toContainText(String(corrected));
  await expect(boardRow(page, playerName)).toHaveCount(0);
  await api.waitForTotal(playerName, undefined);
  // Nothing is left to edit on any of the record's cards.
  await expect(page.getByRole("button", { name: `Edit record ${record.recordId}` })).toHaveCount(0);
});

test("an operator clears a record's nickname: the MODIFY removes NickName", async ({
  operatorPage: page,
  api,
  request,
  playerName,
}) => {
  await page.goto("/inspector");
  await expect(page.getByRole("heading", { name: "Stream inspector" })).toBeVisible();
  const record = await api.submitScore({ playerName, score: 12, nickName: "Orig" });

  const insert = streamRecord(page, record.recordId, "INSERT");
  await expect(insert.locator('[data-attribute="NickName"]')).toContainText("Orig");
  await insert.getByRole("button", { name: /^Edit record/ }).click();
  const dialog = page.getByRole("dialog", { name: "Edit score record" });
  await expect(dialog.getByLabel("Nickname")).toHaveValue("Orig");
  await dialog.getByLabel("Nickname").fill("");
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await expect(dialog).toBeHidden();

  const modify = streamRecord(page, record.recordId, "MODIFY");
  await expect(modify).toBeVisible();
  const nickRow = modify.locator('[data-attribute="NickName"]');
  await expect(nickRow).toHaveAttribute("data-changed", "true");
  await expect(nickRow.locator("td").nth(1)).toContainText("Orig");
  await expect(modify.locator('[data-attribute="Score"]')).not.toHaveAttribute("data-changed");
  const stored = ScoreRecord.parse(
    await (await request.get(`/api/scores/${record.recordId}`)).json(),
  );
  expect(stored).toEqual({ ...record, nickName: undefined, updatedAt: stored.updatedAt });
  expect(stored).not.toHaveProperty("nickName");
});

test("the tail filters by event type and player, and pauses", async ({
  operatorPage: page,
  api,
  operatorApi,
  playerName,
}) => {
  await page.goto("/inspector");
  const record = await api.submitScore({ playerName, score: 5 });
  await operatorApi.request.patch(`/api/scores/${record.recordId}`, { data: { score: 6 } });
  await expect(streamRecord(page, record.recordId, "MODIFY")).toBeVisible();

  const tail = page.getByTestId("stream-tail");
  await page.getByLabel("Filter by player").fill(playerName);
  await expect(tail.getByTestId("stream-record")).toHaveCount(2);
  await page.getByRole("button", { name: /^INSERT/ }).click();
  await expect(tail.getByTestId("stream-record")).toHaveCount(1);
  await expect(streamRecord(page, record.recordId, "INSERT")).toBeHidden();
  await page.getByRole("button", { name: /^INSERT/ }).click();

  await page.getByRole("button", { name: "Pause" }).click();
  await expect(page.getByTestId("live-indicator").first()).toContainText("Paused");
  await operatorApi.request.delete(`/api/scores/${record.recordId}`);
  await expect(page.getByTestId("live-indicator").first()).toContainText("1 new");
  await expect(streamRecord(page, record.recordId, "REMOVE")).toHaveCount(0);
  await page.getByRole("button", { name: "Resume" }).click();
  await expect(streamRecord(page, record.recordId, "REMOVE")).toBeVisible();
});

test("the inspector stacks into one column on a phone", async ({
  operatorPage: page,
  api,
  playerName,
}) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await api.submitScore({ playerName, score: 3 });
  await page.goto("/inspector");
  await expect(page.getByTestId("stream-record").first()).toBeVisible();
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth).toBeLessThanOrEqual(390);
});

test("the header shows the stream runner's lag and its last batch", async ({
  operatorPage: page,
  api,
  playerName,
}) => {
  await page.goto("/inspector");
  await api.submitScore({ playerName, score: 11 });
  await api.waitForTotal(playerName, 11);
  const lag = page.getByTestId("runner-lag");
  await expect(lag).toHaveAttribute("data-state", "running");
  await expect(lag).toContainText(/^lag \d/);
  await expect(lag.getByTestId("last-batch-outcome")).toHaveText(/^(ok|partial failure|error)$/);
});

// The lag pill's states, from /api/health answers the live stack cannot be made to give on
// demand (a stopped runner, a minute behind, no runner at all as on AWS).
const lastBatch = (outcome: "success" | "partial_failure" | "error") => ({
  time: new Date().toISOString(),
  records: 3,
  outcome,
  attempt: outcome === "success" ? 1 : 4,
  durationMs: 12,
  ...(outcome === "success" ? {} : { error: "boom" }),
});
const runner = (fields: Record<string, unknown>) => ({
  running: true,
  stale: false,
  updatedAt: new Date().toISOString(),
  iteratorAgeMs: 120,
  pending: 0,
  lastBatch: lastBatch("success"),
  failures: 0,
  totals: { invocations: 10, delivered: 30, failed: 0 },
  ...fields,
});

// prettier-ignore
const lagCases = [
  { name: "caught up: green", runner: runner({ iteratorAgeMs: 120 }), text: "lag 120 ms", tone: "green", outcome: "ok" },
  { name: "seconds behind, a partial failure: amber", runner: runner({ iteratorAgeMs: 4_200, lastBatch: lastBatch("partial_failure") }), text: "lag 4.2 s", tone: "amber", outcome: "partial failure" },
  { name: "a minute behind, an error: red", runner: runner({ iteratorAgeMs: 95_000, lastBatch: lastBatch("error") }), text: "lag 1 min", tone: "red", outcome: "error" },
  { name: "the runner stopped", runner: runner({ running: false }), text: "runner stopped", tone: "grey", outcome: undefined },
  { name: "the runner stopped reporting", runner: runner({ stale: true }), text: "runner not responding", tone: "red", outcome: undefined },
  { name: "no local runner (AWS)", runner: null, text: "lag n/a", tone: "grey", outcome: undefined },
  { name: "the database is not answering", status: 503, runner: null, text: "lag unknown", tone: "grey", outcome: undefined },
];

for (const c of lagCases) {
  test(`the lag indicator – ${c.name}`, async ({ operatorPage: page }) => {
    await page.route("**/api/health", (route) =>
      route.fulfill(
        c.status
          ? {
              status: c.status,
              json: {
                error: { code: "unavailable", message: "The database is not answering." },
              },
            }
          : {
              json: { status: "ok", tables: {}, time: new Date().toISOString(), runner: c.runner },
            },
      ),
    );
    await page.goto("/inspector");
    const lag = page.getByTestId("runner-lag");
    await expect(lag).toHaveAttribute("data-tone", c.tone);
    await expect(lag).toContainText(c.text);
    if (c.outcome) await expect(lag.getByTestId("last-batch-outcome")).toHaveText(c.outcome);
    else await expect(lag.getByTestId("last-batch-outcome")).toHaveCount(0);
  });
}

// prettier-ignore
const failuresErrorCases = [
  { name: "the database is not answering", status: 503, code: "unavailable", message: "The quarantine is not answering; try again." },
  { name: "a bad limit", status: 400, code: "invalid_input", message: "limit must be an integer between 1 and 1000" },
  { name: "an opaque server error", status: 500, code: "internal_error", message: "Something went wrong on our side." },
] as const;

for (const c of failuresErrorCases) {
  test(`the failures panel shows the API's message – ${c.name}`, async ({ operatorPage: page }) => {
    await page.route("**/api/failures?*", (route) =>
      route.fulfill({ status: c.status, json: { error: { code: c.code, message: c.message } } }),
    );
    await page.goto("/inspector");
    const alert = page.getByRole("region", { name: "Failures" }).getByRole("alert");
    await expect(alert).toContainText("Could not read the quarantine");
    await expect(alert).toContainText(c.message);
  });
}

test("the failures panel says when nothing failed, and when it cannot tell", async ({
  operatorPage: page,
}) => {
  let answer: { status: number; json: unknown } = { status: 200, json: { failures: [] } };
  await page.route("**/api/failures?*", (route) => route.fulfill(answer));
  await page.goto("/inspector");
  const panel = page.getByRole("region", { name: "Failures" });
  await expect(panel.getByText("Nothing failed")).toBeVisible();
  await expect(panel.getByTestId("failure-count")).toHaveText("0");

  answer = {
    status: 500,
    json: { error: { code: "internal_error", message: "Something went wrong on our side." } },
  };
  await expect(panel.getByRole("alert")).toContainText("Could not read the quarantine");
});
