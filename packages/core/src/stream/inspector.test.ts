import { startTestEngine } from "@streamboard/local/testing";
import { afterEach, expect, test } from "vitest";
import { VisibleError } from "../contract/error.ts";
import { deleteScore, submitScore, updateScore } from "../score/score.ts";
import { readStream, type InspectorRecord } from "./inspector.ts";

// A fresh engine per test: "the newest records in the stream" is about the whole stream.
let engine: Awaited<ReturnType<typeof startTestEngine>> | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

async function start(options: { shardMaxRecords?: number } = {}) {
  engine = await startTestEngine(options);
}

async function submitMany(count: number, playerName = "ann") {
  const ids: string[] = [];
  for (let i = 0; i < count; i++)
    ids.push((await submitScore({ playerName, score: i })).record.recordId);
  return ids;
}

const scoresOf = (records: InspectorRecord[]) =>
  records.map((r) => (r.newImage?.Score as { N: string } | undefined)?.N);

test("records carry raw DynamoDB JSON, as the stream does", async () => {
  await start();
  const { record } = await submitScore({ playerName: "ann", score: 999, nickName: "A" });
  await updateScore(record.recordId, { score: 1000 });
  await deleteScore(record.recordId);
  const { records } = await readStream();
  expect(records.map((r) => r.eventName)).toEqual(["INSERT", "MODIFY", "REMOVE"]);
  const [insert, modify, remove] = records as [InspectorRecord, InspectorRecord, InspectorRecord];
  expect(insert.keys).toEqual({ RecordID: { S: record.recordId } });
  expect(insert.newImage).toMatchObject({
    Score: { N: "999" },
    PlayerName: { S: "ann" },
    NickName: { S: "A" },
  });
  expect(insert.oldImage).toBeUndefined();
  expect(modify.oldImage?.Score).toEqual({ N: "999" });
  expect(modify.newImage?.Score).toEqual({ N: "1000" });
  expect(remove.newImage).toBeUndefined();
  expect(remove.oldImage?.Score).toEqual({ N: "1000" });
  for (const r of records) {
    expect(r.streamViewType).toBe("NEW_AND_OLD_IMAGES");
    expect(r.sizeBytes).toBeGreaterThan(0);
    expect(r.shardId).toMatch(/^shardId-/);
    expect(r.eventID).not.toBe("");
    expect(new Date(r.approximateCreationDateTime).toISOString()).toBe(
      r.approximateCreationDateTime,
    );
  }
  const seqs = records.map((r) => BigInt(r.sequenceNumber));
  expect(seqs[0]! < seqs[1]! && seqs[1]! < seqs[2]!).toBe(true);
});

test("without a cursor: the newest `limit` records, oldest first; then only newer ones", async () => {
  await start();
  await submitMany(8);
  const first = await readStream({ limit: 3 });
  expect(scoresOf(first.records)).toEqual(["5", "6", "7"]);

  expect((await readStream({ cursor: first.cursor })).records).toEqual([]);
  await submitMany(5, "bob");
  const page1 = await readStream({ cursor: first.cursor, limit: 2 });
  const page2 = await readStream({ cursor: page1.cursor, limit: 2 });
  const page3 = await readStream({ cursor: page2.cursor, limit: 2 });
  const page4 = await readStream({ cursor: page3.cursor, limit: 2 });
  expect([page1, page2, page3, page4].map((p) => scoresOf(p.records))).toEqual([
    ["0", "1"],
    ["2", "3"],
    ["4"],
    [],
  ]);
});

test("an empty stream gives a cursor that later returns the first records", async () => {
  await start();
  const empty = await readStream();
  expect(empty.records).toEqual([]);
  await submitMany(2);
  expect(scoresOf((await readStream({ cursor: empty.cursor })).records)).toEqual(["0", "1"]);
});

test("follows the shard lineage: closed parents, child shards, in order and without repeats", async () => {
  await start({ shardMaxRecords: 3 });
  const start0 = await readStream();
  await submitMany(10);
  const newest = await readStream({ limit: 5 });
  expect(scoresOf(newest.records)).toEqual(["5", "6", "7", "8", "9"]);
  expect(new Set(newest.records.map((r) => r.shardId)).size).toBeGreaterThan(1);

  const seen: InspectorRecord[] = [];
  let cursor = start0.cursor;
  for (let i = 0; i < 10; i++) {
    const page = await readStream({ cursor, limit: 4 });
    seen.push(...page.records);
    cursor = page.cursor;
  }
  expect(scoresOf(seen)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);

  await submitMany(4, "bob");
  expect(scoresOf((await readStream({ cursor: newest.cursor })).records)).toEqual([
    "0",
    "1",
    "2",
    "3",
  ]);
});

test("limits are clamped: default 50, at most 500", async () => {
  await start();
  await submitMany(60);
  expect((await readStream()).records).toHaveLength(50);
  expect((await readStream({ limit: 10_000 })).records).toHaveLength(60);
  expect((await readStream({ limit: 0 })).records).toHaveLength(1);
});

test("a cursor this endpoint did not make is a bad request", async () => {
  await start();
  for (const cursor of ["not a cursor", Buffer.from('{"v":2}').toString("base64url")]) {
    const error = await readStream({ cursor }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VisibleError);
    expect((error as VisibleError).code).toBe("bad_request");
  }
});
