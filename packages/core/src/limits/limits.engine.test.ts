import { startTestEngine } from "@streamboard/local/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { reset, take, type BucketRule } from "./buckets.ts";
import { clientAddress } from "./client.ts";
import { LOGIN_FAILURES, SCORES_PER_CLIENT } from "./rules.ts";

// Integration: the buckets on the embedded engine's RateLimits table, with a clock of our own.

let engine: Awaited<ReturnType<typeof startTestEngine>>;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(() => engine.close());

let subjects = 0;
const subject = () => `test-${process.pid}-${++subjects}`;

function clock(start = Date.UTC(2026, 11, 2)) {
  let at = start;
  return { now: () => at, advance: (ms: number) => (at += ms) };
}

describe("token buckets", () => {
  test("a submission a second with bursts of 30 passes; the 31st of a burst is refused with the wait", async () => {
    const who = subject();
    const time = clock();
    for (let i = 0; i < 30; i++) {
      expect(await take(SCORES_PER_CLIENT, who, { now: time.now })).toMatchObject({ ok: true });
    }
    expect(await take(SCORES_PER_CLIENT, who, { now: time.now })).toEqual({
      ok: false,
      retryAfterSeconds: 1,
    });
    // Then one a second goes on passing.
    for (let i = 0; i < 20; i++) {
      time.advance(1000);
      expect(await take(SCORES_PER_CLIENT, who, { now: time.now })).toMatchObject({ ok: true });
    }
    // Idle for a minute: the burst is back.
    time.advance(60_000);
    expect(await take(SCORES_PER_CLIENT, who, { now: time.now })).toEqual({
      ok: true,
      remaining: 29,
    });
  });

  test("concurrent takes never spend one token twice", async () => {
    const rule: BucketRule = { name: "race", capacity: 10, refillPerSecond: 0.0001 };
    const who = subject();
    const time = clock();
    const results = await Promise.all(
      Array.from({ length: 25 }, () => take(rule, who, { now: time.now }).catch(() => "error")),
    );
    const passed = results.filter((r) => typeof r === "object" && r.ok).length;
    // Up to 5 read-write races each; a take that lost all of them throws rather than overspend.
    expect(passed).toBeLessThanOrEqual(10);
    expect(passed).toBeGreaterThan(0);
  });

  test("refused takes write nothing and do not push the wait further out", async () => {
    const rule: BucketRule = { name: "refusals", capacity: 2, refillPerSecond: 0.5 };
    const who = subject();
    const time = clock();
    await take(rule, who, { now: time.now });
    await take(rule, who, { now: time.now });
    for (let i = 0; i < 10; i++) {
      expect(await take(rule, who, { now: time.now })).toEqual({ ok: false, retryAfterSeconds: 2 });
    }
    time.advance(2000);
    expect(await take(rule, who, { now: time.now })).toMatchObject({ ok: true });
  });

  test("wrong logins: 5 a minute, then a lockout that doubles each time, forgotten after 15 quiet minutes", async () => {
    const who = subject();
    const time = clock();
    for (let i = 0; i < 5; i++) {
      expect(await take(LOGIN_FAILURES, who, { now: time.now })).toMatchObject({ ok: true });
    }
    expect(await take(LOGIN_FAILURES, who, { now: time.now })).toEqual({
      ok: false,
      retryAfterSeconds: 60,
    });
    time.advance(60_000);
    for (let i = 0; i < 5; i++) {
      expect(await take(LOGIN_FAILURES, who, { now: time.now })).toMatchObject({ ok: true });
    }
    expect(await take(LOGIN_FAILURES, who, { now: time.now })).toEqual({
      ok: false,
      retryAfterSeconds: 120,
    });
    time.advance(120_000);
    for (let i = 0; i < 5; i++) await take(LOGIN_FAILURES, who, { now: time.now });
    expect(await take(LOGIN_FAILURES, who, { now: time.now })).toEqual({
      ok: false,
      retryAfterSeconds: 240,
    });
    // Quiet for 15 minutes after the block: back to a one-minute lockout.
    time.advance(240_000 + 15 * 60_000 + 1000);
    for (let i = 0; i < 5; i++) await take(LOGIN_FAILURES, who, { now: time.now });
    expect(await take(LOGIN_FAILURES, who, { now: time.now })).toEqual({
      ok: false,
      retryAfterSeconds: 60,
    });
    // A right token forgives at once.
    await reset(LOGIN_FAILURES, who);
    expect(await take(LOGIN_FAILURES, who, { now: time.now })).toEqual({ ok: true, remaining: 4 });
  });
});

describe("clientAddress", () => {
  test.each([
    ["203.0.113.7", 1, "203.0.113.7"],
    ["spoofed, 203.0.113.7", 1, "203.0.113.7"],
    ["198.51.100.1, 203.0.113.7", 2, "198.51.100.1"],
    ["203.0.113.7:51234", 1, "203.0.113.7"],
    ["::ffff:127.0.0.1", 1, "127.0.0.1"],
    ["2001:db8:1:2:3:4:5:6", 1, "2001:db8:1:2::/64"],
    ["[2001:db8:1:2::9]:443", 1, "2001:db8:1:2::/64"],
    ["::1", 1, "0:0:0:0::/64"],
    ["not an address", 1, "unknown"],
    [null, 1, "unknown"],
  ])("%s (hops %d) → %s", (header, hops, expected) => {
    expect(clientAddress(header, hops)).toBe(expected);
  });
});
