import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { startTestEngine } from "@streamboard/local/testing";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { documentClient, dynamo } from "../infra/clients.ts";
import { VisibleError } from "../contract/error.ts";
import { tableName } from "../infra/resource.ts";
import {
  ScoreInput,
  ScorePatch,
  deleteScore,
  editScore,
  getScore,
  listScores,
  submitScore,
  updateScore,
} from "./score.ts";
import { tailStream } from "../testing/testing.ts";

const SCORE_MESSAGE = "score must be an integer between 0 and 1,000,000,000";

describe("ScoreInput", () => {
  test.each([
    ["a plain name", { playerName: "ann", score: 0 }],
    ["the top score", { playerName: "ann", score: 1_000_000_000 }],
    ["letters of any script, digits, _ - .", { playerName: "Zoë_名前-2.0 x", score: 5 }],
    ["32 characters", { playerName: "a".repeat(32), score: 5 }],
    ["a nickname", { playerName: "ann", score: 5, nickName: "The Ann" }],
  ])("accepts %s", (_name, input) => {
    expect(ScoreInput.safeParse(input).success).toBe(true);
  });

  test.each([
    ["a negative score", { playerName: "ann", score: -1 }, SCORE_MESSAGE],
    ["a fractional score", { playerName: "ann", score: 1.5 }, SCORE_MESSAGE],
    ["a score above the top", { playerName: "ann", score: 1_000_000_001 }, SCORE_MESSAGE],
    ["a score as a string", { playerName: "ann", score: "10" }, SCORE_MESSAGE],
    ["no score", { playerName: "ann" }, "score is required"],
    ["no player", { score: 1 }, "playerName is required"],
    ["a blank name", { playerName: "   ", score: 1 }, "playerName must be 1–32 characters"],
    [
      "33 characters",
      { playerName: "a".repeat(33), score: 1 },
      "playerName must be 1–32 characters",
    ],
    [
      "punctuation",
      { playerName: "ann!", score: 1 },
      "playerName may contain only letters, digits, spaces and _ - .",
    ],
    ["a numeric name", { playerName: 12, score: 1 }, "playerName must be a string"],
    [
      "an empty nickname",
      { playerName: "ann", score: 1, nickName: "" },
      "nickName must be 1–32 characters",
    ],
    ["an array", [], "the body must be a JSON object"],
  ])("rejects %s", (_name, input, message) => {
    const result = ScoreInput.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toContain(message);
  });

  test("trims names and drops unknown fields", () => {
    expect(ScoreInput.parse({ playerName: "  ann  ", score: 3, admin: true })).toEqual({
      playerName: "ann",
      score: 3,
    });
  });

  test("counts characters, not UTF-16 units", () => {
    // U+1D49C is one letter but two UTF-16 units.
    expect(ScoreInput.safeParse({ playerName: "𝒜".repeat(32), score: 1 }).success).toBe(true);
    expect(ScoreInput.safeParse({ playerName: "𝒜".repeat(33), score: 1 }).success).toBe(false);
  });
});

describe("ScorePatch", () => {
  test("needs at least one field", () => {
    const result = ScorePatch.safeParse({});
    expect(result.error?.issues[0]?.message).toBe(
      "a change must set at least one of score, nickName, playerName, createdAt",
    );
  });

  test("takes any subset, and null to remove the nickname", () => {
    expect(ScorePatch.parse({ score: 4 })).toEqual({ score: 4 });
    expect(ScorePatch.parse({ nickName: null, playerName: " bo " })).toEqual({
      nickName: null,
      playerName: "bo",
    });
    expect(ScorePatch.safeParse({ score: -4 }).success).toBe(false);
  });

  test("createdAt: an ISO-8601 UTC time, normalised to milliseconds", () => {
    expect(ScorePatch.parse({ createdAt: "2025-01-31T12:00:00Z" })).toEqual({
      createdAt: "2025-01-31T12:00:00.000Z",
    });
    for (const bad of ["2025-01-31", "2025-01-31T12:00:00+01:00", "2025-02-30T12:00:00Z", 5]) {
      expect(ScorePatch.safeParse({ createdAt: bad }).success, String(bad)).toBe(false);
    }
  });
});

describe("score records against the engine", () => {
  let engine: Awaited<ReturnType<typeof startTestEngine>>;
  beforeAll(async () => {
    engine = await startTestEngine();
  });
  afterAll(() => engine.close());

  const countItems = async (table: "GameScoreRecords" | "Idempotency") =>
    (await dynamo().send(new ScanCommand({ TableName: tableName(table), Select: "COUNT" }))).Count;

  async function expectError(promise: Promise<unknown>, code: string) {
    const error: unknown = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VisibleError);
    expect((error as VisibleError).code).toBe(code);
    return error as VisibleError;
  }

  test("submit, get, list, update and delete a record; each write is one stream record", async () => {
    const tail = tailStream();
    await tail.poll();
    const { record, replayed } = await submitScore({
      playerName: " cleo ",
      score: 42,
      nickName: "C",
    });
    expect(replayed).toBe(false);
    expect(record).toMatchObject({ playerName: "cleo", score: 42, nickName: "C" });
    expect(record.recordId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(record.updatedAt).toBe(record.createdAt);
    expect(await getScore(record.recordId)).toEqual(record);

    const updated = await updateScore(record.recordId, { score: 43, nickName: null });
    expect(updated).toMatchObject({
      recordId: record.recordId,
      score: 43,
      createdAt: record.createdAt,
    });
    expect(updated).not.toHaveProperty("nickName");
    expect(updated.updatedAt >= record.updatedAt).toBe(true);

    await deleteScore(record.recordId);
    await expectError(getScore(record.recordId), "not_found");
    const events = (await tail.poll()).map((r) => r.eventName);
    expect(events).toEqual(["INSERT", "MODIFY", "REMOVE"]);
  });

  test("invalid input is refused with every issue and writes nothing", async () => {
    const before = await countItems("GameScoreRecords");
    const error = await expectError(
      submitScore({ playerName: "", score: -5 }, { idempotencyKey: "k-invalid" }),
      "invalid_input",
    );
    expect(error.message).toContain(SCORE_MESSAGE);
    expect(error.message).toContain("playerName must be 1–32 characters");
    expect(Array.isArray(error.details)).toBe(true);
    expect(await countItems("GameScoreRecords")).toBe(before);
    const { Item } = await dynamo().send(
      new GetItemCommand({
        TableName: tableName("Idempotency"),
        Key: { IdempotencyKey: { S: "k-invalid" } },
      }),
    );
    expect(Item).toBeUndefined();
  });

  test("an idempotency key replays the same record, and refuses another body", async () => {
    const tail = tailStream();
    await tail.poll();
    const first = await submitScore({ playerName: "dora", score: 7 }, { idempotencyKey: "key-1" });
    const again = await submitScore(
      { score: 7, playerName: " dora ", extra: 1 },
      { idempotencyKey: "key-1" },
    );
    expect(first.replayed).toBe(false);
    expect(again).toEqual({ record: first.record, replayed: true });
    await expectError(
      submitScore({ playerName: "dora", score: 8 }, { idempotencyKey: "key-1" }),
      "idempotency_conflict",
    );
    await expectError(
      submitScore({ playerName: "dora", score: 8 }, { idempotencyKey: "has space" }),
      "bad_request",
    );
    expect((await tail.poll()).map((r) => r.eventName)).toEqual(["INSERT"]);
  });

  test("concurrent requests with one key create one record", async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        submitScore({ playerName: "eve", score: 1 }, { idempotencyKey: "key-race" }),
      ),
    );
    expect(new Set(results.map((r) => r.record.recordId)).size).toBe(1);
    expect(results.filter((r) => !r.replayed).length).toBeGreaterThanOrEqual(1);
    expect((await listScores({ playerName: "eve" })).records).toHaveLength(1);
  });

  test("a retry completes the record when the first attempt died after claiming the key", async () => {
    // The state a crash between the two writes leaves: the claim, no record.
    const first = await submitScore(
      { playerName: "finn", score: 3 },
      { idempotencyKey: "key-crash" },
    );
    await dynamo().send(
      new DeleteItemCommand({
        TableName: tableName("GameScoreRecords"),
        Key: { RecordID: { S: first.record.recordId } },
      }),
    );
    await dynamo().send(
      new PutItemCommand({
        TableName: tableName("Idempotency"),
        Item: {
          IdempotencyKey: { S: "key-crash" },
          RecordID: { S: first.record.recordId },
          BodyHash: { S: (await readClaimHash("key-crash"))! },
          CreatedAt: { S: first.record.createdAt },
          ExpiresAt: { N: String(Math.floor(Date.now() / 1000) + 3600) },
        },
      }),
    );
    const retry = await submitScore(
      { playerName: "finn", score: 3 },
      { idempotencyKey: "key-crash" },
    );
    expect(retry).toEqual({ record: first.record, replayed: true });
    expect(await getScore(first.record.recordId)).toEqual(first.record);
  });

  test("a replay after the record was deleted answers as before and does not resurrect it", async () => {
    const first = await submitScore({ playerName: "gus", score: 9 }, { idempotencyKey: "key-del" });
    await deleteScore(first.record.recordId);
    const retry = await submitScore({ playerName: "gus", score: 9 }, { idempotencyKey: "key-del" });
    expect(retry).toEqual({ record: first.record, replayed: true });
    await expectError(getScore(first.record.recordId), "not_found");
  });

  test("lists newest first, per player or all, with a clamped limit", async () => {
    const ids: string[] = [];
    for (const score of [1, 9, 5])
      ids.push((await submitScore({ playerName: "hana", score })).record.recordId);
    await submitScore({ playerName: "ivan", score: 2 });
    const hana = (await listScores({ playerName: "hana" })).records;
    expect(hana.map((r) => r.recordId)).toEqual([...ids].reverse());
    const firstPage = await listScores({ playerName: "hana", limit: 2 });
    expect(firstPage.records.map((r) => r.recordId)).toEqual([ids[2], ids[1]]);
    // The cursor pages on to the rest, then ends.
    const rest = await listScores({ playerName: "hana", limit: 2, cursor: firstPage.cursor! });
    expect(rest.records.map((r) => r.recordId)).toEqual([ids[0]]);
    expect(rest.cursor).toBeUndefined();
    await expectError(listScores({ playerName: "hana", cursor: "nonsense" }), "invalid_input");
    expect((await listScores({ playerName: "hana", limit: 0 })).records).toHaveLength(1);
    const all = (await listScores({})).records;
    expect(all[0]?.playerName).toBe("ivan");
    expect(all.length).toBeGreaterThan(4);
    expect(all.map((r) => r.createdAt)).toEqual([...all.map((r) => r.createdAt)].sort().reverse());
    await expectError(listScores({ playerName: "no!" }), "invalid_input");
  });

  test("everyone's games page newest first from the ByTime index, never a Scan", async () => {
    const mine: string[] = [];
    for (let i = 0; i < 7; i++) {
      mine.push((await submitScore({ playerName: `feed${i % 3}`, score: i })).record.recordId);
    }
    const send = vi.spyOn(documentClient(), "send");
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listScores({ limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.records.length).toBeLessThanOrEqual(3);
      seen.push(...page.records.map((r) => r.recordId));
      cursor = page.cursor;
      pages++;
    } while (cursor && pages < 100);
    const commands = send.mock.calls.map(([command]) => command.constructor.name);
    send.mockRestore();
    expect(commands.length).toBeGreaterThan(0);
    expect(new Set(commands)).toEqual(new Set(["QueryCommand"]));
    // The newest seven are ours, newest first; the whole list is in time order, each once.
    expect(seen.slice(0, 7)).toEqual([...mine].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    const all = await listScores({ limit: 100 });
    expect(all.records.map((r) => r.createdAt)).toEqual(
      [...all.records.map((r) => r.createdAt)].sort().reverse(),
    );
    await expectError(listScores({ cursor: "nonsense" }), "invalid_input");
  });

  test("update and delete of a missing record are 404s and write nothing", async () => {
    const tail = tailStream();
    await tail.poll();
    await expectError(updateScore("01NOSUCHRECORD0000000000000", { score: 1 }), "not_found");
    await expectError(deleteScore("01NOSUCHRECORD0000000000000"), "not_found");
    await expectError(getScore(""), "not_found");
    await expectError(updateScore("whatever", {}), "invalid_input");
    expect(await tail.poll()).toEqual([]);
  });

  describe("a record written around the API with missing or bad fields", () => {
    const NOW = "2025-03-01T10:00:00.000Z";
    let n = 0;
    async function putRaw(item: Record<string, AttributeValue>) {
      const recordId = `raw-${++n}-${Date.now()}`;
      await dynamo().send(
        new PutItemCommand({
          TableName: tableName("GameScoreRecords"),
          Item: { RecordID: { S: recordId }, ...item },
        }),
      );
      return recordId;
    }
    const rawItem = async (recordId: string) =>
      (
        await dynamo().send(
          new GetItemCommand({
            TableName: tableName("GameScoreRecords"),
            Key: { RecordID: { S: recordId } },
          }),
        )
      ).Item;

    test("GET answers what is there, flagged, with each problem", async () => {
      const recordId = await putRaw({
        Score: { N: "500" },
        CreatedAt: { S: NOW },
        UpdatedAt: { S: NOW },
        Extra: { S: "kept" },
      });
      expect(await getScore(recordId)).toEqual({
        recordId,
        invalid: true,
        problems: [{ field: "PlayerName", message: "PlayerName is missing: send playerName" }],
        score: 500,
        createdAt: NOW,
        updatedAt: NOW,
        item: { RecordID: recordId, Score: 500, CreatedAt: NOW, UpdatedAt: NOW, Extra: "kept" },
      });
      const huge = await putRaw({
        PlayerName: { S: "ann" },
        Score: { N: "123456789012345678901" },
      });
      const flagged = await getScore(huge);
      expect(flagged).toMatchObject({ invalid: true, playerName: "ann" });
      expect("problems" in flagged && flagged.problems.map((p) => p.message)).toEqual([
        'Score is "123456789012345678901", not a number the API can hold: send score',
        "CreatedAt is missing: send createdAt",
        "UpdatedAt is missing",
      ]);
    });

    test("a PATCH that leaves it incomplete is a 400 naming what to send, and writes nothing", async () => {
      const recordId = await putRaw({
        Score: { N: "500" },
        UpdatedAt: { S: NOW },
      });
      const before = await rawItem(recordId);
      const tail = tailStream();
      await tail.poll();
      const error = await expectError(updateScore(recordId, { score: 600 }), "invalid_input");
      expect(error.message).toBe(
        "the record would still be incomplete: PlayerName is missing: send playerName; CreatedAt is missing: send createdAt",
      );
      expect(error.details).toEqual([
        { path: ["playerName"], message: "PlayerName is missing: send playerName" },
        { path: ["createdAt"], message: "CreatedAt is missing: send createdAt" },
      ]);
      expect(await rawItem(recordId)).toEqual(before);
      expect(await tail.poll()).toEqual([]);
    });

    test("a PATCH that completes it writes the whole valid record in one MODIFY", async () => {
      const recordId = await putRaw({
        Score: { N: "500" },
        CreatedAt: { S: NOW },
        UpdatedAt: { S: NOW },
        Extra: { S: "kept" },
      });
      const tail = tailStream();
      await tail.poll();
      const { record, changes } = await editScore(recordId, { playerName: "fixed ann" });
      expect(record).toMatchObject({
        recordId,
        playerName: "fixed ann",
        score: 500,
        createdAt: NOW,
      });
      expect(changes).toEqual({ PlayerName: { to: "fixed ann" } });
      expect(await getScore(recordId)).toEqual(record);
      const records = await tail.poll();
      expect(records.map((r) => r.eventName)).toEqual(["MODIFY"]);
      expect(records[0]!.dynamodb!.NewImage).toMatchObject({
        PlayerName: { S: "fixed ann" },
        Score: { N: "500" },
        Extra: { S: "kept" },
      });
    });

    test("a bad Score (beyond 2^53) is replaced; a missing CreatedAt completed", async () => {
      const recordId = await putRaw({
        PlayerName: { S: "bo" },
        Score: { N: "123456789012345678901" },
        UpdatedAt: { S: NOW },
      });
      const { record, changes } = await editScore(recordId, {
        score: 7,
        createdAt: "2025-02-01T00:00:00Z",
      });
      expect(record).toMatchObject({ score: 7, createdAt: "2025-02-01T00:00:00.000Z" });
      expect(changes).toEqual({
        Score: { from: "123456789012345678901", to: 7 },
        CreatedAt: { to: "2025-02-01T00:00:00.000Z" },
      });
      expect((await rawItem(recordId))?.Score).toEqual({ N: "7" });
    });

    test("a write between the read and the edit is a 409, and the edit writes nothing", async () => {
      const { record } = await submitScore({ playerName: "race", score: 1 });
      // The edit's read happens, then someone else's write lands before its write.
      const client = dynamo();
      const original = client.send.bind(client) as (command: unknown) => Promise<unknown>;
      let raced = false;
      const spy = vi.spyOn(client, "send").mockImplementation((async (command: unknown) => {
        if (command instanceof UpdateItemCommand && !raced) {
          raced = true;
          await original(
            new PutItemCommand({
              TableName: tableName("GameScoreRecords"),
              Item: {
                RecordID: { S: record.recordId },
                PlayerName: { S: "race" },
                Score: { N: "99" },
                CreatedAt: { S: record.createdAt },
                UpdatedAt: { S: new Date(Date.now() + 1000).toISOString() },
              },
            }),
          );
        }
        return original(command);
      }) as never);
      try {
        await expectError(updateScore(record.recordId, { score: 2 }), "conflict");
      } finally {
        spy.mockRestore();
      }
      expect((await rawItem(record.recordId))?.Score).toEqual({ N: "99" });
    });

    test("DELETE removes it (one REMOVE) and answers what it was", async () => {
      const recordId = await putRaw({ Score: { N: "5" } });
      const tail = tailStream();
      await tail.poll();
      expect(await deleteScore(recordId)).toEqual({ RecordID: recordId, Score: 5 });
      expect((await tail.poll()).map((r) => r.eventName)).toEqual(["REMOVE"]);
      await expectError(getScore(recordId), "not_found");
    });
  });

  test("a rename through updateScore changes the player", async () => {
    const { record } = await submitScore({ playerName: "jo", score: 10 });
    const renamed = await updateScore(record.recordId, { playerName: "joan", nickName: "J" });
    expect(renamed).toMatchObject({ playerName: "joan", nickName: "J", score: 10 });
    expect((await listScores({ playerName: "joan" })).records.map((r) => r.recordId)).toEqual([
      record.recordId,
    ]);
  });
});

async function readClaimHash(key: string) {
  const { Item } = await dynamo().send(
    new GetItemCommand({
      TableName: tableName("Idempotency"),
      Key: { IdempotencyKey: { S: key } },
    }),
  );
  return Item?.BodyHash?.S;
}
