import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { expect, putRawScoreItem, test } from "./fixtures";

// Nothing lost, nothing counted twice: a record the aggregator can never apply (bad data written
// around the API) is quarantined at once with its reason, and the shard keeps flowing: the
// scores after it are aggregated, once each, without waiting behind retries.

// No retries to wait for: a poll or two on a busy machine.
const QUARANTINE_TIMEOUT_MS = 15_000;

interface PoisonCase {
  name: string;
  item: (recordId: string, playerName: string, now: string) => Record<string, AttributeValue>;
  reason: RegExp;
}

// A Score written as a string is refused by the table itself (Score is the ByPlayer index's
// range key, type N), so the poison is in what the aggregator's schema checks.
const poisonCases: PoisonCase[] = [
  {
    name: "no PlayerName",
    item: (recordId, _playerName, now) => ({
      RecordID: { S: recordId },
      Score: { N: "500" },
      CreatedAt: { S: now },
      UpdatedAt: { S: now },
    }),
    reason: /PlayerName/,
  },
  {
    name: "a Score that is not an integer",
    item: (recordId, playerName, now) => ({
      RecordID: { S: recordId },
      PlayerName: { S: playerName },
      Score: { N: "12.5" },
      CreatedAt: { S: now },
      UpdatedAt: { S: now },
    }),
    reason: /Score/,
  },
];

for (const c of poisonCases) {
  test(`a poison record (${c.name}) is listed with its reason; the scores after it are counted once`, async ({
    operatorPage: page,
    api,
    operatorApi,
    playerName,
  }) => {
    test.setTimeout(QUARANTINE_TIMEOUT_MS + 45_000);
    await page.goto("/inspector");
    await expect(page.getByRole("heading", { name: "Stream inspector" })).toBeVisible();

    const recordId = `poison-${playerName}`;
    await putRawScoreItem(c.item(recordId, playerName, new Date().toISOString()));
    // Written after the poison, on the same shard: it must not wait forever behind it.
    await api.submitScore({ playerName, score: 321 });

    await expect
      .poll(async () => (await operatorApi.failures()).find((f) => f.recordId === recordId), {
        timeout: QUARANTINE_TIMEOUT_MS,
        intervals: [250],
      })
      .toMatchObject({
        eventName: "INSERT",
        cause: "quarantined",
        attempts: 1,
        sequenceNumber: expect.stringMatching(/^\d+$/),
        reason: expect.stringMatching(c.reason),
      });

    // The shard flows on: the good score counted once; the poison not at all.
    await api.waitForTotal(playerName, 321);
    expect(await api.player(playerName)).toMatchObject({ gamesPlayed: 1, bestScore: 321 });

    const row = page
      .getByRole("region", { name: "Failures" })
      .locator(`[data-testid="failure"][data-record-id="${recordId}"]`);
    await expect(row).toBeVisible();
    await expect(row.getByTestId("failure-reason")).toContainText(c.reason);
    await expect(row).toContainText("quarantined");
    await expect(row).toContainText("1 attempt");
    await expect(row.locator("[data-event]")).toHaveText("INSERT");
    await expect(page.getByTestId("failure-count")).not.toHaveText("0");
  });
}
