import { reconcile } from "@streamboard/core/reconcile";
import { submitScore, updateScore } from "@streamboard/core/score";
import { aggregatorSubscription, scanAggregates } from "@streamboard/core/aggregator";
import { handler as aggregator } from "@streamboard/functions/aggregator";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { afterEach, describe, expect, test, vi } from "vitest";
import { startLocalStack, type LocalStackOptions } from "./stack.ts";
import { UserError } from "./cli.ts";
import { main, parseReplayArgs, replayStream } from "./replay.ts";
import { compareAggregatesWithRecords, runWorkload } from "./workload.ts";
import { capture, freePort } from "./testing.ts";

const cleanups: (() => Promise<void> | void)[] = [];
const savedEndpoint = process.env.DYNAMODB_ENDPOINT;
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
  vi.restoreAllMocks();
  process.env.DYNAMODB_ENDPOINT = savedEndpoint;
});

async function start(options: LocalStackOptions = {}) {
  const stack = await startLocalStack({
    inMemory: true,
    dynamodbPort: 0,
    runner: { pollIntervalMs: 20, logger: { info() {}, warn() {}, error() {} } },
    ...options,
  });
  cleanups.push(() => stack.stop());
  return stack;
}

/** Every aggregate item, bookkeeping (Version, Applied) included. */
async function allAggregates() {
  return (await scanAggregates())
    .map((a) => a.item)
    .sort((a, b) => String(a.PlayerName).localeCompare(String(b.PlayerName)));
}

describe("the command line", () => {
  test.each([
    [["--from", "trim-horizon"], { scope: "from TRIM_HORIZON" }],
    [["--from", "TRIM_HORIZON"], { scope: "from TRIM_HORIZON" }],
    [["--since", "10m"], { sinceMs: 600_000 }],
    [["--since=2h"], { sinceMs: 7_200_000 }],
    [["--since", "90s"], { sinceMs: 90_000 }],
  ])("%j", (argv, expected) => {
    expect(parseReplayArgs(argv)).toMatchObject({ ...expected, help: false });
  });

  test.each([
    [[], "say what to replay"],
    [["--from", "latest"], '--from takes "trim-horizon"'],
    [["--since", "10"], "--since takes an age"],
    [["--since", "0m"], "--since takes an age"],
    [["--since", "1h", "--from", "trim-horizon"], "exclude each other"],
  ])("%j is refused", (argv, message) => {
    expect(() => parseReplayArgs(argv)).toThrow(UserError);
    expect(() => parseReplayArgs(argv)).toThrow(message);
  });

  test("nothing answering is one clear sentence, exit 2", async () => {
    const port = await freePort();
    process.env.DYNAMODB_ENDPOINT = `http://127.0.0.1:${port}`;
    const { io, err } = capture();
    expect(await main(["--from", "trim-horizon"], io)).toBe(2);
    expect(err()).toContain(`Nothing answers at http://127.0.0.1:${port}: start the stack first`);
  });
});

describe("replay", () => {
  test("from trim-horizon and --since: aggregates do not move", async () => {
    const stack = await start();
    const work = await runWorkload({ writers: 5, scores: 150, seed: 3 });
    await stack.runner.idle();
    const before = await allAggregates();
    expect(before.length).toBeGreaterThan(5);
    expect(work.submitted).toBe(150);

    const { io, out, err } = capture();
    expect(await main(["--from", "trim-horizon"], io)).toBe(0);
    expect(err()).toContain("Replaying GameScoreRecords' stream (from TRIM_HORIZON)");
    expect(out()).toMatch(/^Replayed \d{3} records in \d+ invocations/);
    expect(await allAggregates()).toEqual(before);

    expect(await main(["--since", "10m"], capture().io)).toBe(0);
    expect(await allAggregates()).toEqual(before);
  }, 120_000); // Four aggregates (periods) and their markers per record: slow on a loaded machine.

  test("--since picks records by their creation time", async () => {
    // The engine's clock, moved on by hand: the old record lands two seconds before the new ones.
    let now = Date.now();
    const stack = await start({ clock: () => now });
    await submitScore({ playerName: "old", score: 1 });
    now += 2100;
    const since = now;
    for (const score of [1, 2, 3]) await submitScore({ playerName: "new", score });
    const edited = await submitScore({ playerName: "new", score: 4 });
    await updateScore(edited.record.recordId, { score: 5 });
    await stack.runner.idle();
    const before = await allAggregates();

    const seen: string[] = [];
    const result = await replayStream({
      // The stream keeps whole seconds: a cutoff one second before the first new write.
      sinceMs: 60_000,
      now: since - 1000 + 60_000,
      handler: (event: DynamoDBStreamEvent) => {
        seen.push(...event.Records.map((r) => r.dynamodb!.NewImage!.PlayerName!.S!));
        return aggregator(event);
      },
    });
    expect(result).toMatchObject({ records: 5, invocations: 1, failed: [], undecodable: [] });
    expect(new Set(seen)).toEqual(new Set(["new"]));
    expect(await allAggregates()).toEqual(before);
  });

  test("what the runner gave up on is applied by a replay, exactly once", async () => {
    let outage = true;
    const stack = await start({
      // The aggregator, unreachable for eve's records during an outage.
      handler: async (event) => {
        const eve = event.Records.find((r) => r.dynamodb?.NewImage?.PlayerName?.S === "eve");
        if (outage && eve) {
          // A partial-batch handler: what came before eve in the batch is applied, eve fails.
          const before = event.Records.slice(0, event.Records.indexOf(eve));
          if (before.length > 0) {
            const applied = await aggregator({ Records: before });
            if (applied.batchItemFailures.length > 0) return applied;
          }
          return { batchItemFailures: [{ itemIdentifier: eve.dynamodb!.SequenceNumber! }] };
        }
        return aggregator(event);
      },
      settings: { ...aggregatorSubscription, maximumRetryAttempts: 1 },
      runner: {
        pollIntervalMs: 20,
        retryBackoff: { initialMs: 1, maxMs: 2 },
        logger: { info() {}, warn() {}, error() {} },
      },
    });
    await submitScore({ playerName: "ann", score: 10 });
    await submitScore({ playerName: "eve", score: 20 });
    await submitScore({ playerName: "eve", score: 30 });
    await submitScore({ playerName: "ann", score: 5 });
    await stack.runner.idle();
    expect(stack.runner.readFailures()).toHaveLength(2);
    expect((await compareAggregatesWithRecords()).mismatches).toEqual([
      "eve: no aggregate for 2 games",
    ]);

    outage = false;
    const result = await replayStream();
    expect(result).toMatchObject({ records: 4, failed: [], undecodable: [] });
    expect((await compareAggregatesWithRecords()).mismatches).toEqual([]);
    const again = await allAggregates();
    await replayStream();
    expect(await allAggregates()).toEqual(again);
    expect((await reconcile({ settleMs: 0, rechecks: 0 })).drift).toEqual([]);
  });
});
