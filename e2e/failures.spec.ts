import {
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import type { APIRequestContext } from "@playwright/test";
import {
  InvalidScoreRecord,
  OperatorActionPage,
  ReapplyResult,
  StreamPage,
  type OperatorAction,
} from "@streamboard/core/contract";
import { localTableName } from "@streamboard/core/infra";
import { E2E_DYNAMODB_ENDPOINT, expect, expectApiError, putRawScoreItem, test } from "./fixtures";

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

// --- acting on failures: fix, re-apply, acknowledge; edits of incomplete records ----------------

const rawConfig = {
  endpoint: E2E_DYNAMODB_ENDPOINT,
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
};
let raw: DynamoDBClient | undefined;
let streams: DynamoDBStreamsClient | undefined;

/** The item as stored, read around the API. */
async function storedItem(recordId: string) {
  raw ??= new DynamoDBClient(rawConfig);
  const { Item } = await raw.send(
    new GetItemCommand({
      TableName: localTableName("GameScoreRecords"),
      Key: { RecordID: { S: recordId } },
      ConsistentRead: true,
    }),
  );
  return Item;
}

/** Every stream record of one score record, read from the stream itself (TRIM_HORIZON). */
async function streamEventsOf(recordId: string): Promise<string[]> {
  raw ??= new DynamoDBClient(rawConfig);
  streams ??= new DynamoDBStreamsClient(rawConfig);
  const { Table } = await raw.send(
    new DescribeTableCommand({ TableName: localTableName("GameScoreRecords") }),
  );
  const { StreamDescription } = await streams.send(
    new DescribeStreamCommand({ StreamArn: Table!.LatestStreamArn! }),
  );
  const events: { seq: bigint; name: string }[] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    let { ShardIterator: iterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: Table!.LatestStreamArn!,
        ShardId: shard.ShardId!,
        ShardIteratorType: "TRIM_HORIZON",
      }),
    );
    while (iterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const record of page.Records ?? []) {
        if (record.dynamodb?.Keys?.RecordID?.S === recordId) {
          events.push({ seq: BigInt(record.dynamodb.SequenceNumber!), name: record.eventName! });
        }
      }
      if (!page.Records?.length) break;
      iterator = page.NextShardIterator;
    }
  }
  return events.sort((a, b) => (a.seq < b.seq ? -1 : 1)).map((e) => e.name);
}

async function operatorActions(request: APIRequestContext): Promise<OperatorAction[]> {
  const response = await request.get("/api/operator-actions", { params: { limit: 50 } });
  expect(response.status(), await response.text()).toBe(200);
  return OperatorActionPage.parse(await response.json()).actions;
}

const noPlayerName = (recordId: string, now: string): Record<string, AttributeValue> => ({
  RecordID: { S: recordId },
  Score: { N: "500" },
  CreatedAt: { S: now },
  UpdatedAt: { S: now },
});

test("GET /api/scores/{id} of a record with missing fields – 200, flagged, with what to send", async ({
  api,
  playerName,
}) => {
  const recordId = `incomplete-${playerName}`;
  const now = new Date().toISOString();
  await putRawScoreItem(noPlayerName(recordId, now));
  const response = await api.request.get(`/api/scores/${recordId}`);
  expect(response.status()).toBe(200);
  expect(InvalidScoreRecord.parse(await response.json())).toEqual({
    recordId,
    invalid: true,
    problems: [{ field: "PlayerName", message: "PlayerName is missing: send playerName" }],
    score: 500,
    createdAt: now,
    updatedAt: now,
    item: { RecordID: recordId, Score: 500, CreatedAt: now, UpdatedAt: now },
  });
});

test("a poison record is fixed from the failures panel and counted once (re-apply pressed too)", async ({
  operatorPage: page,
  operatorApi,
  playerName,
}) => {
  test.setTimeout(QUARANTINE_TIMEOUT_MS + 60_000);
  const recordId = `fixme-${playerName}`;
  await putRawScoreItem(noPlayerName(recordId, new Date().toISOString()));
  await page.goto("/inspector");
  const row = page
    .getByRole("region", { name: "Failures" })
    .locator(`[data-testid="failure"][data-record-id="${recordId}"]`);
  await expect(row).toBeVisible({ timeout: QUARANTINE_TIMEOUT_MS });
  await expect(row).toHaveAttribute("data-state", "open");
  await expect(row.getByRole("link", { name: "Record history" })).toHaveAttribute(
    "href",
    `/inspector?recordId=${recordId}`,
  );

  await row.getByRole("button", { name: "Edit" }).click();
  const dialog = page.getByRole("dialog", { name: "Complete score record" });
  await expect(dialog.getByTestId("record-problems")).toHaveText(
    "PlayerName is missing: send playerName",
  );
  await expect(dialog.getByLabel("Score")).toHaveValue("500");
  await dialog.getByLabel("Player name").fill(playerName);
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await expect(dialog).toBeHidden();

  // Counted once, by the MODIFY that completed it; the failure shows it resolved.
  await operatorApi.waitForTotal(playerName, 500);
  await expect(row).toHaveAttribute("data-state", "resolved");

  // Re-apply of the poison INSERT: still poison, and the board still counts the record once.
  for (let press = 0; press < 2; press++) {
    await row.getByRole("button", { name: "Re-apply" }).click();
    await expect(row.getByTestId("failure-action-result")).toContainText(
      "Still cannot be applied: NewImage: PlayerName",
    );
  }
  expect(await operatorApi.player(playerName)).toMatchObject({
    totalScore: 500,
    gamesPlayed: 1,
    bestScore: 500,
  });
  expect(await streamEventsOf(recordId)).toEqual(["INSERT", "MODIFY"]);

  // The stream log has both records: the failure opens the INSERT in the inspector, and the
  // MODIFY re-applied from the log is already in.
  let logged: StreamPage["records"] = [];
  await expect
    .poll(async () => {
      const response = await operatorApi.request.get("/api/stream", { params: { recordId } });
      logged = StreamPage.parse(await response.json()).records;
      return logged.map((r) => r.eventName).sort();
    })
    .toEqual(["INSERT", "MODIFY"]);
  const insertLog = logged.find((r) => r.eventName === "INSERT")!;
  const modifyLog = logged.find((r) => r.eventName === "MODIFY")!;
  await expect(row.getByRole("link", { name: "Open in inspector" })).toHaveAttribute(
    "href",
    `/inspector?record=${insertLog.logId}`,
  );
  const fromLog = await operatorApi.request.post(`/api/stream/records/${modifyLog.logId}/reapply`);
  expect(fromLog.status(), await fromLog.text()).toBe(200);
  expect(ReapplyResult.parse(await fromLog.json())).toEqual({ outcome: "already_applied" });
  expect(await operatorApi.player(playerName)).toMatchObject({ totalScore: 500, gamesPlayed: 1 });

  const actions = (await operatorActions(operatorApi.request)).filter(
    (a) => a.recordId === recordId,
  );
  expect(actions.map((a) => a.action)).toEqual(["reapply", "reapply", "reapply", "edit"]);
  expect(actions[0]).toMatchObject({ by: "bearer token", outcome: "already applied" });
  expect(actions[3]).toMatchObject({
    by: expect.stringMatching(/^session [0-9a-f]{8}$/),
    changes: { PlayerName: { to: playerName } },
    outcome: "saved",
  });
  expect(actions[1]!.outcome).toMatch(/^quarantined: NewImage: PlayerName/);
});

test("an edit of an incomplete record that does not complete it: the 400 inline, nothing written", async ({
  operatorPage: page,
  operatorApi,
  playerName,
}) => {
  test.setTimeout(QUARANTINE_TIMEOUT_MS + 45_000);
  const recordId = `half-${playerName}`;
  await putRawScoreItem(noPlayerName(recordId, new Date().toISOString()));
  const before = await storedItem(recordId);
  await page.goto("/inspector");
  const row = page
    .getByRole("region", { name: "Failures" })
    .locator(`[data-testid="failure"][data-record-id="${recordId}"]`);
  await expect(row).toBeVisible({ timeout: QUARANTINE_TIMEOUT_MS });

  await row.getByRole("button", { name: "Edit" }).click();
  const dialog = page.getByRole("dialog", { name: "Complete score record" });
  await dialog.getByLabel("Score").fill("777");
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await expect(dialog.getByTestId("edit-server-error")).toContainText(
    "PlayerName is missing: send playerName",
  );
  await expect(dialog).toBeVisible();

  // Over the API too: a 400 naming what to send.
  const response = await operatorApi.request.patch(`/api/scores/${recordId}`, {
    data: { score: 777 },
  });
  const body = await expectApiError(response, 400, "invalid_input");
  expect(body.error.message).toContain("PlayerName is missing: send playerName");

  // Nothing written: the item as it was, and no MODIFY on the stream.
  expect(await storedItem(recordId)).toEqual(before);
  expect(await streamEventsOf(recordId)).toEqual(["INSERT"]);
  expect(
    (await operatorActions(operatorApi.request)).filter((a) => a.recordId === recordId),
  ).toEqual([]);
});

test("acknowledge hides a failure; “Show acknowledged” shows who and when", async ({
  operatorPage: page,
  operatorApi,
  playerName,
}) => {
  test.setTimeout(QUARANTINE_TIMEOUT_MS + 45_000);
  const recordId = `ack-${playerName}`;
  await putRawScoreItem(noPlayerName(recordId, new Date().toISOString()));
  await page.goto("/inspector");
  const panel = page.getByRole("region", { name: "Failures" });
  const row = panel.locator(`[data-testid="failure"][data-record-id="${recordId}"]`);
  await expect(row).toBeVisible({ timeout: QUARANTINE_TIMEOUT_MS });

  await row.getByRole("button", { name: "Acknowledge" }).click();
  await row.getByLabel("Note (optional)").fill("a test import, leave it");
  await row.getByRole("button", { name: "Confirm" }).click();
  await expect(row).toBeHidden();
  expect((await operatorApi.failures()).map((f) => f.recordId)).not.toContain(recordId);

  await panel.getByLabel("Show acknowledged").check();
  await expect(row).toBeVisible();
  await expect(row).toHaveAttribute("data-state", "acknowledged");
  await expect(row.getByTestId("failure-acknowledged")).toContainText(
    /Acknowledged by session [0-9a-f]{8} .*a test import, leave it/,
  );

  const [action] = (await operatorActions(operatorApi.request)).filter(
    (a) => a.recordId === recordId,
  );
  expect(action).toMatchObject({
    action: "acknowledge",
    note: "a test import, leave it",
    outcome: "acknowledged",
  });
});

test("a quarantined record is acknowledged from its record view in the tail", async ({
  operatorPage: page,
  operatorApi,
  playerName,
}) => {
  test.setTimeout(QUARANTINE_TIMEOUT_MS + 45_000);
  const recordId = `ack-tail-${playerName}`;
  await putRawScoreItem(noPlayerName(recordId, new Date().toISOString()));
  await expect
    .poll(async () => (await operatorApi.failures()).map((f) => f.recordId), {
      timeout: QUARANTINE_TIMEOUT_MS,
    })
    .toContain(recordId);

  // The record's history in the tail; its INSERT's view says it was quarantined, and why.
  await page.goto(`/inspector?recordId=${recordId}`);
  await page.locator('[data-testid="stream-record"]').first().click();
  const view = page.getByTestId("record-view");
  await expect(view.locator('[data-outcome="quarantined"]')).toContainText("PlayerName");
  await view.getByRole("button", { name: "Acknowledge failure" }).click();
  await expect(view.getByRole("status")).toContainText("Acknowledged");

  expect((await operatorApi.failures()).map((f) => f.recordId)).not.toContain(recordId);
  const [action] = (await operatorActions(operatorApi.request)).filter(
    (a) => a.recordId === recordId,
  );
  expect(action).toMatchObject({ action: "acknowledge", outcome: "acknowledged" });
});
