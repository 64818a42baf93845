import { MAX_NAME_LENGTH, MAX_SCORE } from "@streamboard/core/contract";
import { expect, submitScoreForm, test } from "./fixtures";

/** A score high enough to put a fresh player in the top 10 of a shared board. */
const topScore = () => 900_000_000 + Math.floor(Math.random() * 90_000_000);
const formatted = (n: number) => n.toLocaleString("en-US");

test("a player submits a score and sees themselves on the board", async ({
  page,
  api,
  playerName,
}) => {
  const score = topScore();
  await page.goto("/");
  await submitScoreForm(page, { playerName, score: String(score), nickName: "Speedy" });

  await expect(page.getByText(`Saved ${formatted(score)} for ${playerName}.`)).toBeVisible();
  // Their game is listed at once, and their row is on the board before the aggregator runs…
  await expect(page.getByTestId("recent-records")).toContainText(formatted(score));
  const row = page.locator(`[data-testid="leaderboard-row"][data-player="${playerName}"]`);
  await expect(row).toBeVisible();
  await expect(row).toContainText("You");
  await expect(row).toContainText(formatted(score));
  // …and stays once the aggregator has counted it.
  await api.waitForTotal(playerName, score);
  await expect(row).not.toContainText("syncing");
  await expect(page.getByTestId("my-rank")).toContainText(formatted(score));

  // A second game adds up, and the name is remembered across a reload.
  await page.reload();
  await expect(page.getByLabel("Player name")).toHaveValue(playerName);
  await submitScoreForm(page, { score: "1000" });
  await expect(row).toContainText(formatted(score + 1000));
  await api.waitForTotal(playerName, score + 1000);
  await expect(page.getByTestId("recent-records").locator("li")).toHaveCount(2);
});

const badInputs = [
  {
    name: "score is negative",
    score: "-5",
    field: "score",
    message: /digits only/i,
  },
  { name: "score is not a number", score: "12abc", field: "score", message: /digits only/i },
  { name: "score is missing", score: "", field: "score", message: /enter your score/i },
  {
    name: "score over 1,000,000,000",
    score: "1000000001",
    field: "score",
    message: /between 0 and 1,000,000,000/i,
  },
  {
    name: "player name is blank",
    playerName: "   ",
    score: "10",
    field: "playerName",
    message: /1–32 characters/,
  },
  {
    name: "player name has forbidden characters",
    playerName: "<script>",
    score: "10",
    field: "playerName",
    message: /only letters, digits, spaces/,
  },
  {
    name: "player name is too long",
    playerName: "x".repeat(33),
    score: "10",
    field: "playerName",
    message: /1–32 characters/,
  },
  {
    name: "nickname has forbidden characters",
    nickName: "bad/nick",
    score: "10",
    field: "nickName",
    message: /only letters, digits, spaces/,
  },
] as const;

test.describe("bad input shows a clear message in the form", () => {
  for (const input of badInputs) {
    test(input.name, async ({ page, api, playerName }) => {
      const posts: string[] = [];
      page.on("request", (r) => {
        if (r.method() === "POST" && r.url().endsWith("/api/scores")) posts.push(r.url());
      });
      await page.goto("/");
      await submitScoreForm(page, {
        playerName: "playerName" in input ? input.playerName : playerName,
        score: input.score,
        ...("nickName" in input ? { nickName: input.nickName } : {}),
      });
      const error = page.locator(`#${input.field}-error`);
      await expect(error).toBeVisible();
      await expect(error).toHaveText(input.message);
      await expect(
        page.getByLabel(
          input.field === "score"
            ? "Score"
            : input.field === "nickName"
              ? "Nickname"
              : "Player name",
          { exact: true },
        ),
      ).toHaveAttribute("aria-invalid", "true");
      // Validated in the browser with the API's own schema: nothing was sent, nothing written.
      expect(posts).toEqual([]);
      expect(await api.listScores(playerName)).toEqual([]);
    });
  }

  test("the hints, the limits and the messages are the contract's", async ({
    page,
    playerName,
  }) => {
    await page.goto("/");
    const form = page.getByRole("form", { name: "Submit a score" });
    await expect(form.locator("#playerName-hint")).toContainText(`(up to ${MAX_NAME_LENGTH})`);
    await expect(form.getByLabel("Score", { exact: true })).toHaveAttribute(
      "placeholder",
      `0 – ${formatted(MAX_SCORE)}`,
    );
    // One character over the limit reaches the schema (the input does not cut it short)…
    const tooLong = `${playerName}${"x".repeat(MAX_NAME_LENGTH)}`.slice(0, MAX_NAME_LENGTH + 1);
    await submitScoreForm(page, { playerName: tooLong, score: String(MAX_SCORE + 1) });
    await expect(form.getByLabel("Player name")).toHaveValue(tooLong);
    // …which names the contract's bounds.
    await expect(form.locator("#playerName-error")).toHaveText(
      new RegExp(`1–${MAX_NAME_LENGTH} characters`),
    );
    await expect(form.locator("#score-error")).toHaveText(
      new RegExp(`between 0 and ${formatted(MAX_SCORE)}`),
    );
  });

  test("an error from the server is shown too", async ({ page, playerName }) => {
    await page.route("**/api/scores", (route) =>
      route.request().method() === "POST"
        ? route.fulfill({
            status: 409,
            json: {
              error: {
                code: "idempotency_conflict",
                message: "this Idempotency-Key was already used with a different body",
              },
            },
          })
        : route.fallback(),
    );
    await page.goto("/");
    await submitScoreForm(page, { playerName, score: "10" });
    const alert = page.getByRole("alert").filter({ hasText: "The score was not saved" });
    await expect(alert).toContainText("already used with a different body");
  });
});

test("the page stacks into one column on a phone, the board first", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/");
  const form = await page.getByRole("form", { name: "Submit a score" }).boundingBox();
  const board = await page.getByTestId("period-ALL").boundingBox();
  expect(form && board).toBeTruthy();
  expect(form!.y).toBeGreaterThan(board!.y);
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth).toBeLessThanOrEqual(390);
});
