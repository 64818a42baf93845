import { startLocalStack, type LocalStack } from "@streamboard/local/stack";
import { afterAll, beforeAll, expect, test } from "vitest";
import { StreamPage, type InspectorRecord } from "../contract/stream.ts";
import { deleteScore, submitScore, updateScore } from "../score/score.ts";
import { readStreamHistory } from "./history.ts";
import { readLog } from "./log-query.ts";

// Through the whole local stack: the real engine, both runners (the aggregator and the stream
// log function), real writes. What a live inspector's tail shows must be the stream, each record
// once, while writers are busy.

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({
    inMemory: true,
    dynamodbPort: 0,
    runner: { logger: { info() {}, warn() {}, error() {} } },
  });
});
afterAll(() => stack.stop());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("a tail following cursor during concurrent writes shows every stream record once", async () => {
  const opened = StreamPage.parse(await readLog({ limit: 10 }));
  expect(opened.records).toEqual([]);
  let cursor = opened.cursor;
  const tailed: InspectorRecord[] = [];
  let writing = true;
  const tail = (async () => {
    for (;;) {
      const page = StreamPage.parse(await readLog({ cursor, limit: 7 }));
      tailed.push(...[...page.records].reverse());
      cursor = page.cursor;
      if (!writing && !page.newer && page.records.length === 0) return;
      if (!page.newer) await sleep(50);
    }
  })();

  // Four writers: submissions, edits (a rename among them) and deletes.
  await Promise.all(
    Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; i < 15; i++) {
        const { record } = await submitScore({ playerName: `tail-${w}`, score: i });
        if (i % 5 === 1) await updateScore(record.recordId, { score: i + 100 });
        if (i % 7 === 2) await updateScore(record.recordId, { playerName: `tail-${w}-b` });
        if (i % 5 === 3) await deleteScore(record.recordId);
      }
    }),
  );
  await stack.idle();
  writing = false;
  await tail;

  const history = await readStreamHistory();
  const streamed = history!.shards.flatMap((s) => s.records.map((r) => r.eventID!));
  expect(streamed.length).toBeGreaterThan(60);
  // Every record once. (An entry written late, after newer ones of its batch, comes in a later
  // page than they do: not always in the stream's order.)
  expect(tailed).toHaveLength(streamed.length);
  expect(tailed.map((r) => r.eventID).sort()).toEqual([...streamed].sort());

  // Paging back from the newest finds the same, newest first.
  const paged: string[] = [];
  let page = await readLog({ limit: 9 });
  paged.push(...page.records.map((r) => r.eventID));
  while (page.before) {
    page = await readLog({ limit: 9, before: page.before });
    paged.push(...page.records.map((r) => r.eventID));
  }
  expect(paged).toEqual([...streamed].reverse());

  // The aggregator's outcome is on the entries: each record applied, with its effect.
  await sleep(500);
  const ofPlayer = await readLog({ limit: 500, player: "tail-0", types: ["INSERT"] });
  expect(ofPlayer.records).toHaveLength(15);
  for (const record of ofPlayer.records) {
    expect(record.aggregator?.outcome).toBe("applied");
  }
});
