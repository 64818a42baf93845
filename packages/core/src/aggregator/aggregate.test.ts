import { afterEach, describe, expect, test, vi } from "vitest";
import {
  applyChanges,
  chunkChanges,
  markersOf,
  mergeRecomputed,
  planBatch,
  type RecordChange,
} from "./aggregate.ts";
import { padSequence, toAggregateItem, type Aggregate } from "./store.ts";
import { scoreItem, streamRecord } from "../testing/testing.ts";

const NOW = "2025-06-01T00:00:00.000Z";
afterEach(() => vi.restoreAllMocks());
const insert = (seq: number, id: string, player: string, score: number, createdAt?: string) =>
  streamRecord({
    eventName: "INSERT",
    sequenceNumber: String(seq),
    newImage: scoreItem(id, player, score, createdAt),
  });
const remove = (seq: number, id: string, player: string, score: number, createdAt?: string) =>
  streamRecord({
    eventName: "REMOVE",
    sequenceNumber: String(seq),
    oldImage: scoreItem(id, player, score, createdAt),
  });
const modify = (
  seq: number,
  id: string,
  from: [player: string, score: number],
  to: [player: string, score: number],
) =>
  streamRecord({
    eventName: "MODIFY",
    sequenceNumber: String(seq),
    oldImage: scoreItem(id, ...from),
    newImage: scoreItem(id, ...to),
  });

/** Plans the records and applies the one batch of `player` to `current`. */
function run(
  current: Aggregate | undefined,
  player: string,
  ...records: ReturnType<typeof insert>[]
) {
  const plan = planBatch(records);
  expect(plan.poison).toEqual([]);
  const batch = plan.batches.find((b) => b.playerName === player);
  if (!batch) throw new Error(`no batch for ${player}`);
  return applyChanges(current, batch, NOW);
}

describe("planBatch", () => {
  test("coalesces a batch into one entry per (player, period), changes in stream order", () => {
    const plan = planBatch([
      insert(1, "r1", "ann", 10),
      insert(2, "r2", "bob", 20),
      insert(3, "r3", "ann", 30),
      modify(4, "r1", ["ann", 10], ["ann", 15]),
      remove(5, "r2", "bob", 20),
    ]);
    expect(plan.poison).toEqual([]);
    // Every record counts towards all time, its UTC day, ISO week and month (2025-01-01).
    const periods = ["ALL", "DAY#2025-01-01", "WEEK#2025-W01", "MONTH#2025-01"];
    expect(plan.batches.map((b) => [b.playerName, b.period, b.changes.length])).toEqual([
      ...periods.map((period) => ["ann", period, 3]),
      ...periods.map((period) => ["bob", period, 2]),
    ]);
    for (const ann of plan.batches.filter((b) => b.playerName === "ann")) {
      expect(ann.changes.map((c) => c.sequenceNumber)).toEqual(["1", "3", "4"]);
      expect(ann.lowestSequenceNumber).toBe("1");
      expect(ann.changes[2]).toMatchObject({
        before: { score: 10 },
        after: { score: 15 },
      });
    }
  });

  test("a rename leaves the old player and arrives at the new one", () => {
    const plan = planBatch([modify(7, "r1", ["ann", 40], ["bob", 45])]);
    const ann = plan.batches.find((b) => b.playerName === "ann")!;
    const bob = plan.batches.find((b) => b.playerName === "bob")!;
    expect(ann.changes).toHaveLength(1);
    expect(ann.changes[0]).toMatchObject({ recordId: "r1", before: { score: 40 } });
    expect(ann.changes[0]!.after).toBeUndefined();
    expect(bob.changes[0]!.before).toBeUndefined();
    expect(bob.changes[0]!.after).toMatchObject({ score: 45 });
  });

  test("a change that alters no aggregate field (a nickname edit) plans no write", () => {
    const plan = planBatch([
      streamRecord({
        eventName: "MODIFY",
        sequenceNumber: "9",
        oldImage: scoreItem("r1", "ann", 40),
        newImage: { ...scoreItem("r1", "ann", 40), NickName: "Annie" },
      }),
    ]);
    expect(plan).toEqual({ batches: [], poison: [] });
  });

  test("records that cannot be decoded are set aside with their reason; the rest are planned", () => {
    const plan = planBatch([
      insert(1, "r1", "ann", 10),
      streamRecord({
        eventName: "INSERT",
        sequenceNumber: "2",
        newImage: { ...scoreItem("r2", "ann", 0), Score: "lots" },
      }),
      streamRecord({
        eventName: "INSERT",
        sequenceNumber: "3",
        newImage: { RecordID: "r3", Score: 5, CreatedAt: NOW, UpdatedAt: NOW },
      }),
      streamRecord({ eventName: "REMOVE", sequenceNumber: "4" }), // no OldImage (KEYS_ONLY)
      streamRecord({
        eventName: "MODIFY",
        sequenceNumber: "5",
        oldImage: scoreItem("r5", "ann", 1),
        newImage: { ...scoreItem("r5", "ann", 1), Score: -3 },
      }),
      { ...insert(6, "r6", "cy", 1), eventName: undefined },
      insert(7, "r7", "bob", 70),
    ]);
    expect(plan.poison.map((p) => p.itemIdentifier)).toEqual(["2", "3", "4", "5", "6"]);
    expect(plan.poison.map((p) => p.record.dynamodb?.SequenceNumber)).toEqual([
      "2",
      "3",
      "4",
      "5",
      "6",
    ]);
    expect(plan.poison[1]!.reason).toMatch(/^NewImage: PlayerName/);
    expect(plan.poison[2]!.reason).toBe("OldImage: the image is missing");
    // r5's valid old state leaves (its new state counts as nothing), and r5 is quarantined.
    // (The same in each of the four periods a record counts towards; all time shown.)
    const planned = (period: string) =>
      plan.batches
        .filter((b) => b.period === period)
        .map((b) => [b.playerName, b.changes.map((c) => c.recordId)]);
    expect(planned("ALL")).toEqual([
      ["ann", ["r1", "r5"]],
      ["bob", ["r7"]],
    ]);
    for (const period of ["DAY#2025-01-01", "WEEK#2025-W01", "MONTH#2025-01"]) {
      expect(planned(period)).toEqual(planned("ALL"));
    }
    expect(plan.batches).toHaveLength(8);
  });
});

describe("planBatch: an image that does not decode counts as nothing", () => {
  // No PlayerName: not a score record.
  const bad = (id: string) => ({
    RecordID: id,
    Score: 5,
    CreatedAt: NOW,
    UpdatedAt: NOW,
  });
  const modifyImages = (seq: number, oldImage: object, newImage: object) =>
    streamRecord({
      eventName: "MODIFY",
      sequenceNumber: String(seq),
      oldImage: oldImage as Record<string, unknown>,
      newImage: newImage as Record<string, unknown>,
    });
  const allTime = (plan: ReturnType<typeof planBatch>) =>
    plan.batches
      .filter((b) => b.period === "ALL")
      .map((b) => [b.playerName, b.changes.map((c) => [c.recordId, c.before, c.after])]);

  test("INSERT invalid: nothing planned, quarantined", () => {
    const plan = planBatch([
      streamRecord({ eventName: "INSERT", sequenceNumber: "1", newImage: bad("r1") }),
    ]);
    expect(plan.batches).toEqual([]);
    expect(plan.poison.map((p) => [p.itemIdentifier, p.reason])).toEqual([
      ["1", expect.stringMatching(/^NewImage: PlayerName/)],
    ]);
  });

  test("MODIFY invalid → valid: an arrival, not poison", () => {
    const plan = planBatch([modifyImages(2, bad("r1"), scoreItem("r1", "ann", 40))]);
    expect(plan.poison).toEqual([]);
    expect(allTime(plan)).toEqual([
      ["ann", [["r1", undefined, { score: 40, createdAt: "2025-01-01T00:00:00.000Z" }]]],
    ]);
  });

  test("MODIFY valid → invalid: a leave, and the record quarantined", () => {
    const plan = planBatch([
      modifyImages(3, scoreItem("r1", "ann", 40), { ...scoreItem("r1", "ann", 40), Score: -1 }),
    ]);
    expect(allTime(plan)).toEqual([
      ["ann", [["r1", { score: 40, createdAt: "2025-01-01T00:00:00.000Z" }, undefined]]],
    ]);
    expect(plan.poison.map((p) => p.itemIdentifier)).toEqual(["3"]);
  });

  test("MODIFY invalid → invalid: nothing planned, quarantined", () => {
    const plan = planBatch([modifyImages(4, bad("r1"), { ...bad("r1"), Score: 6 })]);
    expect(plan.batches).toEqual([]);
    expect(plan.poison.map((p) => p.itemIdentifier)).toEqual(["4"]);
  });

  test("REMOVE of an invalid image: nothing, and no poison (deleting bad data is a fix)", () => {
    const plan = planBatch([
      streamRecord({ eventName: "REMOVE", sequenceNumber: "5", oldImage: bad("r1") }),
    ]);
    expect(plan).toEqual({ batches: [], poison: [] });
  });

  test("what stays poison: images of two records, a missing image, no sequence number", () => {
    const plan = planBatch([
      modifyImages(6, bad("r1"), scoreItem("r2", "ann", 1)),
      streamRecord({
        eventName: "MODIFY",
        sequenceNumber: "7",
        newImage: scoreItem("r3", "ann", 1),
      }),
      {
        ...insert(8, "r4", "ann", 1),
        dynamodb: { ...insert(8, "r4", "ann", 1).dynamodb, SequenceNumber: "x" },
      },
    ]);
    expect(plan.batches).toEqual([]);
    expect(plan.poison.map((p) => p.reason)).toEqual([
      "OldImage and NewImage are of different records",
      "OldImage: the image is missing",
      "no valid SequenceNumber",
    ]);
  });
});

describe("applyChanges", () => {
  test("INSERT adds a game: total, count, best and last", () => {
    const { aggregate, applied, recompute } = run(
      undefined,
      "ann",
      insert(1, "r1", "ann", 10, "2025-01-01T00:00:01.000Z"),
      insert(2, "r2", "ann", 30, "2025-01-01T00:00:02.000Z"),
      insert(3, "r3", "ann", 20, "2025-01-01T00:00:03.000Z"),
    );
    expect(applied).toHaveLength(3);
    expect(recompute).toEqual({ best: false, last: false });
    expect(aggregate).toMatchObject({
      totalScore: 60,
      gamesPlayed: 3,
      bestScore: 30,
      last: { score: 20, recordId: "r3", playedAt: "2025-01-01T00:00:03.000Z" },
      updatedAt: NOW,
    });
  });

  test("REMOVE subtracts the old score; removing a non-best record needs no recompute", () => {
    const first = run(undefined, "ann", insert(1, "r1", "ann", 10), insert(2, "r2", "ann", 30));
    const { aggregate, recompute } = run(first.aggregate, "ann", remove(3, "r1", "ann", 10));
    expect(aggregate).toMatchObject({ totalScore: 30, gamesPlayed: 1, bestScore: 30 });
    expect(recompute.best).toBe(false);
  });

  test("removing or lowering the best record asks for a recompute, keeping only certain values", () => {
    const first = run(undefined, "ann", insert(1, "r1", "ann", 10), insert(2, "r2", "ann", 30));
    const removed = run(first.aggregate, "ann", remove(3, "r2", "ann", 30));
    expect(removed.recompute.best).toBe(true);
    expect(removed.aggregate.bestScore).toBeUndefined();
    expect(removed.aggregate.totalScore).toBe(10);

    const lowered = run(first.aggregate, "ann", modify(3, "r2", ["ann", 30], ["ann", 5]));
    expect(lowered.recompute.best).toBe(true);
    expect(lowered.aggregate).toMatchObject({ totalScore: 15, gamesPlayed: 2, bestScore: 5 });
    // The read of the records then supplies the runner-up.
    expect(mergeRecomputed(lowered.aggregate, lowered.recompute, { best: 10 }).bestScore).toBe(10);
  });

  test("raising a score (even the best one) needs no recompute", () => {
    const first = run(undefined, "ann", insert(1, "r1", "ann", 10), insert(2, "r2", "ann", 30));
    const raised = run(first.aggregate, "ann", modify(3, "r2", ["ann", 30], ["ann", 50]));
    expect(raised.recompute.best).toBe(false);
    expect(raised.aggregate).toMatchObject({ totalScore: 60, gamesPlayed: 2, bestScore: 50 });
  });

  test("a rename moves the score and the game from one player to the other", () => {
    const ann0 = run(undefined, "ann", insert(1, "r1", "ann", 40), insert(2, "r2", "ann", 5));
    const bob0 = run(undefined, "bob", insert(3, "r3", "bob", 7));
    const rename = modify(4, "r1", ["ann", 40], ["bob", 40]);
    const ann = run(ann0.aggregate, "ann", rename);
    const bob = run(bob0.aggregate, "bob", rename);
    expect(ann.aggregate).toMatchObject({ totalScore: 5, gamesPlayed: 1 });
    expect(ann.recompute.best).toBe(true); // r1 held ann's best
    expect(bob.aggregate).toMatchObject({ totalScore: 47, gamesPlayed: 2, bestScore: 40 });
  });

  test("marks on an item from before AggregatorMarks still skip what they cover, and stay", () => {
    const records = [
      insert(1, "r1", "ann", 10),
      insert(2, "r2", "ann", 20),
      remove(3, "r1", "ann", 10),
    ];
    const once = run(undefined, "ann", ...records);
    const legacyMarks: Record<string, [string, number]> = { r1: ["3", 0], r2: ["2", 0] };
    const legacy: Aggregate = { ...once.aggregate, legacyMarks };
    const twice = run(legacy, "ann", ...records);
    expect(twice.applied).toHaveLength(0);
    expect(twice.aggregate).toMatchObject({ totalScore: 20, gamesPlayed: 1 });
    // A retry from the middle, plus one new record: only the new one counts.
    const retried = run(legacy, "ann", ...records.slice(1), insert(4, "r4", "ann", 4));
    expect(retried.applied.map((c) => c.recordId)).toEqual(["r4"]);
    expect(retried.aggregate).toMatchObject({ totalScore: 24, gamesPlayed: 2 });
    expect(toAggregateItem(retried.aggregate).Applied).toEqual(legacyMarks);
  });

  test("legacy marks compare sequence numbers as numbers, not strings", () => {
    const first = run(undefined, "ann", insert(9, "r1", "ann", 10));
    const legacy: Aggregate = { ...first.aggregate, legacyMarks: { r1: ["9", 0] } };
    const later = run(legacy, "ann", modify(10, "r1", ["ann", 10], ["ann", 12]));
    expect(later.applied).toHaveLength(1);
    expect(later.aggregate.totalScore).toBe(12);
  });

  test("removing the latest game asks for a recompute of the last score", () => {
    const first = run(
      undefined,
      "ann",
      insert(1, "r1", "ann", 10, "2025-01-01T00:00:01.000Z"),
      insert(2, "r2", "ann", 20, "2025-01-01T00:00:02.000Z"),
    );
    const removed = run(
      first.aggregate,
      "ann",
      remove(3, "r2", "ann", 20, "2025-01-01T00:00:02.000Z"),
    );
    expect(removed.recompute.last).toBe(true);
    const merged = mergeRecomputed(removed.aggregate, removed.recompute, {
      best: 10,
      last: { score: 10, playedAt: "2025-01-01T00:00:01.000Z", recordId: "r1" },
    });
    expect(merged.last?.score).toBe(10);
    expect(merged.bestScore).toBe(10);
  });

  test("a player whose last game leaves keeps the item but leaves the leaderboard index", () => {
    const first = run(undefined, "ann", insert(1, "r1", "ann", 10));
    const { aggregate } = run(first.aggregate, "ann", remove(2, "r1", "ann", 10));
    const item = toAggregateItem(aggregate);
    expect(item.GamesPlayed).toBe(0);
    expect(item).not.toHaveProperty("TotalScore");
    expect(item).not.toHaveProperty("BestScore");
    // The bookkeeping is off the item: its version and marker generation only.
    expect(item).not.toHaveProperty("Applied");
    expect(item.MarkGeneration).toBe("0");
  });
});

describe("markers and transactions", () => {
  const change = (recordId: string, seq: string): RecordChange => ({
    recordId,
    sequenceNumber: seq,
    approximateTime: 0,
    changedAt: "2026-01-01T00:00:00.000Z",
    after: { score: 1, createdAt: NOW },
  });

  test("one marker per record: the mark is its last change, the bound its first", () => {
    expect(
      markersOf([change("a", "9"), change("b", "3"), change("a", "10"), change("a", "2")]),
    ).toEqual([
      { recordId: "a", first: "2", last: "10" },
      { recordId: "b", first: "3", last: "3" },
    ]);
  });

  test("chunks hold at most 93 records, one record's changes together in stream order", () => {
    const changes: RecordChange[] = [];
    for (let i = 0; i < 150; i++) changes.push(change(`r${i}`, String(1000 + i)));
    changes.push(change("r0", "2000"), change("r149", "999"));
    const chunks = chunkChanges(changes);
    expect(chunks.map((c) => new Set(c.map((x) => x.recordId)).size)).toEqual([93, 57]);
    expect(chunks[0]!.filter((c) => c.recordId === "r0").map((c) => c.sequenceNumber)).toEqual([
      "1000",
      "2000",
    ]);
    const last = chunks[1]!.map((c) => BigInt(c.sequenceNumber));
    expect(last).toEqual([...last].sort((x, y) => (x < y ? -1 : 1)));
  });

  test("the same change delivered twice in one batch is kept once", () => {
    const chunks = chunkChanges([change("a", "1"), change("a", "1"), change("a", "2")]);
    expect(chunks).toEqual([[change("a", "1"), change("a", "2")]]);
  });

  test("sequence numbers are padded to compare as strings as they do as numbers", () => {
    expect(padSequence("9") < padSequence("10")).toBe(true);
    expect(padSequence("9")).toHaveLength(40);
  });
});
