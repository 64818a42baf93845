import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { startTestEngine } from "@streamboard/local/testing";
import type { DynamoDBRecord } from "aws-lambda";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { applyStreamBatch } from "../aggregator/aggregate.ts";
import { VisibleError } from "../contract/error.ts";
import { documentClient } from "../infra/clients.ts";
import { tableName } from "../infra/resource.ts";
import { editScore, submitScore } from "../score/score.ts";
import { logIdOf, logItemOf, logKeyOf } from "../stream/log.ts";
import { aggregateOf, tailStream } from "../testing/testing.ts";
import {
  acknowledgeFailure,
  lambdaRecordOf,
  reapplyFailure,
  reapplyLogged,
} from "./failure-actions.ts";
import { listFailures } from "./failures.ts";
import { listActions, recordAction } from "./operator-actions.ts";

// Integration: real writes, the real stream, the aggregator's own code, the real tables.

let engine: Awaited<ReturnType<typeof startTestEngine>>;
let tail: ReturnType<typeof tailStream>;
let dir: string;
beforeAll(async () => {
  engine = await startTestEngine();
  tail = tailStream();
});
afterAll(() => engine.close());
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamboard-failure-actions-"));
  process.env.STREAMBOARD_FAILURES_DIR = dir;
  vi.spyOn(console, "warn").mockImplementation(() => {});
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  delete process.env.STREAMBOARD_FAILURES_DIR;
  vi.restoreAllMocks();
});

let n = 0;
const unique = (base: string) => `${base}-${++n}-${Date.now().toString(36)}`;

async function putRaw(item: Record<string, unknown>) {
  await documentClient().send(
    new PutCommand({ TableName: tableName("GameScoreRecords"), Item: item }),
  );
}

/** Delivers everything written since the last call, as Lambda would; answers the records. */
async function deliver(): Promise<DynamoDBRecord[]> {
  const records = await tail.poll();
  expect((await applyStreamBatch(records)).batchItemFailures).toEqual([]);
  return records;
}

/** A given-up line, as the runner appends it to failures.jsonl. */
function giveUp(record: DynamoDBRecord, shardId = "shardId-test") {
  const seq = record.dynamodb!.SequenceNumber!;
  fs.appendFileSync(
    path.join(dir, "failures.jsonl"),
    JSON.stringify({
      time: new Date().toISOString(),
      tableName: "GameScoreRecords",
      streamArn: record.eventSourceARN ?? "arn",
      shardId,
      sequenceNumber: seq,
      eventName: record.eventName,
      keys: record.dynamodb!.Keys,
      reason: "retries_exhausted",
      attempts: 3,
      error: "ThrottlingException",
      record,
    }) + "\n",
  );
  return `${shardId}:${seq}`;
}

async function expectError(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VisibleError);
  expect((error as VisibleError).code).toBe(code);
}

describe("failure actions", () => {
  test("a poison record: re-apply says why it is still quarantined; completed by an edit it counts once, however often re-applied", async () => {
    const player = unique("ann");
    const recordId = unique("poison");
    const now = new Date().toISOString();
    await putRaw({ RecordID: recordId, Score: 40, CreatedAt: now, UpdatedAt: now });
    const [inserted] = await deliver();
    const id = inserted!.eventID!;
    const listed = (await listFailures()).find((f) => f.id === id);
    expect(listed).toMatchObject({ recordId, cause: "quarantined", state: "open", eventId: id });

    expect((await reapplyFailure(id)).result).toEqual({
      outcome: "quarantined",
      reason: expect.stringMatching(/^NewImage: PlayerName/) as string,
    });
    expect(await aggregateOf(player)).toBeUndefined();

    await editScore(recordId, { playerName: player });
    const [completed] = await deliver();
    expect(await aggregateOf(player)).toMatchObject({ TotalScore: 40, GamesPlayed: 1 });
    expect((await listFailures()).find((f) => f.id === id)).toMatchObject({ state: "resolved" });

    // Pressed again and again: the INSERT is still poison; the board still counts it once.
    for (let i = 0; i < 3; i++) {
      expect((await reapplyFailure(id)).result.outcome).toBe("quarantined");
    }
    // The completing MODIFY, given up by a runner and re-applied: its markers say it is in.
    const givenUp = giveUp(completed!);
    expect(await reapplyFailure(givenUp)).toEqual({
      result: { outcome: "already_applied" },
      eventId: completed!.eventID,
      recordId,
    });
    expect(await aggregateOf(player)).toMatchObject({ TotalScore: 40, GamesPlayed: 1 });
  });

  test("a record the runner gave up on is applied once by re-apply; a second press finds it in", async () => {
    const player = unique("bo");
    await submitScore({ playerName: player, score: 7 });
    const [record] = await tail.poll(); // never delivered: the runner gave up on it
    const id = giveUp(record!);
    expect(await aggregateOf(player)).toBeUndefined();
    expect((await reapplyFailure(id)).result).toEqual({ outcome: "applied" });
    expect(await aggregateOf(player)).toMatchObject({ TotalScore: 7, GamesPlayed: 1 });
    expect((await reapplyFailure(id)).result).toEqual({ outcome: "already_applied" });
    // And Lambda delivering it after all changes nothing either.
    expect((await applyStreamBatch([record!])).batchItemFailures).toEqual([]);
    expect(await aggregateOf(player)).toMatchObject({ TotalScore: 7, GamesPlayed: 1 });
    expect((await listFailures()).find((f) => f.id === id)).toMatchObject({ state: "resolved" });
  });

  test("acknowledge: kept, hidden unless asked for, with who, when and the note", async () => {
    const recordId = unique("ack");
    await putRaw({ RecordID: recordId, Score: 1 });
    const [poison] = await deliver();
    const quarantined = poison!.eventID!;
    const player = unique("cy");
    await submitScore({ playerName: player, score: 3 });
    const givenUp = giveUp((await tail.poll())[0]!);

    const at = new Date("2025-05-01T10:00:00.000Z");
    expect(
      await acknowledgeFailure(quarantined, { note: " known bad import " }, "bearer token", at),
    ).toEqual({
      at: at.toISOString(),
      by: "bearer token",
      note: "known bad import",
      recordId,
      eventId: quarantined,
    });
    await acknowledgeFailure(givenUp, {}, "session 1a2b3c4d", at);

    const open = (await listFailures()).map((f) => f.id);
    expect(open).not.toContain(quarantined);
    expect(open).not.toContain(givenUp);
    const all = await listFailures({ acknowledged: "include" });
    expect(all.find((f) => f.id === quarantined)).toMatchObject({
      state: "acknowledged",
      acknowledged: { at: at.toISOString(), by: "bearer token", note: "known bad import" },
    });
    expect(all.find((f) => f.id === givenUp)).toMatchObject({
      state: "acknowledged",
      acknowledged: { at: at.toISOString(), by: "session 1a2b3c4d" },
    });

    await expectError(acknowledgeFailure("no-such-failure", {}, "bearer token"), "not_found");
    await expectError(
      acknowledgeFailure(quarantined, { note: 5 }, "bearer token"),
      "invalid_input",
    );
    await expectError(reapplyFailure("no-such-failure"), "not_found");
  });

  test("any record of the stream log can be re-applied; the failure links to its log entry", async () => {
    const player = unique("di");
    await submitScore({ playerName: player, score: 9 });
    const [record] = await tail.poll();
    const item = logItemOf(record!)!;
    await documentClient().send(new PutCommand({ TableName: tableName("StreamLog"), Item: item }));
    const logId = logIdOf(logKeyOf(record!));
    expect(lambdaRecordOf(item)).toEqual({
      ...record,
      awsRegion: undefined,
      eventVersion: "1.1",
      dynamodb: { ...record!.dynamodb },
    });

    expect(await reapplyLogged(logId)).toEqual({
      result: { outcome: "applied" },
      eventId: record!.eventID,
      recordId: record!.dynamodb!.Keys!.RecordID!.S,
    });
    expect((await reapplyLogged(logId)).result.outcome).toBe("already_applied");
    expect(await aggregateOf(player)).toMatchObject({ TotalScore: 9, GamesPlayed: 1 });

    const id = giveUp(record!);
    expect((await listFailures()).find((f) => f.id === id)).toMatchObject({ logId });
    await expectError(reapplyLogged("not-a-log-id"), "bad_request");
    const missing = logIdOf(logKeyOf({ ...record!, eventID: "gone" }));
    await expectError(reapplyLogged(missing), "not_found");
  });
});

describe("the operator action log", () => {
  test("newest first, paged back with before; a foreign before is a 400", async () => {
    const base = Date.parse("2030-01-01T00:00:00.000Z");
    for (const [i, action] of (["edit", "delete", "reapply"] as const).entries()) {
      await recordAction(
        {
          by: "bearer token",
          action,
          recordId: `r${i}`,
          ...(action === "edit" ? { changes: { Score: { from: 1, to: 2 } } } : {}),
          outcome: action === "reapply" ? "applied" : "done",
        },
        new Date(base + i * 1000),
      );
    }
    const first = await listActions({ limit: 2 });
    expect(first.actions.map((a) => [a.action, a.recordId])).toEqual([
      ["reapply", "r2"],
      ["delete", "r1"],
    ]);
    expect(first.actions[0]).toMatchObject({ by: "bearer token", at: "2030-01-01T00:00:02.000Z" });
    const second = await listActions({ limit: 2, before: first.before! });
    expect(second.actions.map((a) => a.action)).toEqual(["edit"]);
    expect(second.actions[0]!.changes).toEqual({ Score: { from: 1, to: 2 } });
    await expectError(listActions({ before: "bogus" }), "bad_request");
  });
});
