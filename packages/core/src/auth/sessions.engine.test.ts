import { startTestEngine } from "@streamboard/local/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { endAllSessions, endSession, startSession, verifySession } from "./sessions.ts";

// Integration: sessions on the embedded engine's Sessions table.

let engine: Awaited<ReturnType<typeof startTestEngine>>;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(() => engine.close());

const TOKEN = "the-operator-token";

describe("operator sessions", () => {
  test("a session lives until logout; a saved copy of its cookie is refused after", async () => {
    const cookie = await startSession(TOKEN);
    expect(cookie).not.toContain(TOKEN);
    expect(await verifySession(TOKEN, cookie)).toBe(true);
    const saved = cookie;
    await endSession(cookie);
    expect(await verifySession(TOKEN, saved)).toBe(false);
    // Ending it again is not an error.
    await endSession(cookie);
  });

  test("sign out everywhere ends every session; new ones work after", async () => {
    const cookies = await Promise.all([1, 2, 3].map(() => startSession(TOKEN)));
    for (const cookie of cookies) expect(await verifySession(TOKEN, cookie)).toBe(true);
    expect(await endAllSessions()).toBeGreaterThanOrEqual(3);
    for (const cookie of cookies) expect(await verifySession(TOKEN, cookie)).toBe(false);
    const fresh = await startSession(TOKEN);
    expect(await verifySession(TOKEN, fresh)).toBe(true);
  });

  test("rotating the token ends all sessions; expired and forged cookies are refused", async () => {
    const now = Date.now();
    const cookie = await startSession(TOKEN, { now });
    expect(await verifySession("a-new-token", cookie)).toBe(false);
    expect(await verifySession(TOKEN, cookie, now + 12 * 60 * 60 * 1000 + 1000)).toBe(false);
    const [expires, id, mac] = cookie.split(".");
    // A later expiry with the old MAC, another id with the old MAC, junk: all refused.
    expect(await verifySession(TOKEN, `${Number(expires) + 3600}.${id}.${mac}`)).toBe(false);
    expect(await verifySession(TOKEN, `${expires}.x${id}.${mac}`)).toBe(false);
    for (const junk of ["", "a.b", "1.2.3.4", "x".repeat(500), `${expires}.${id}.`]) {
      expect(await verifySession(TOKEN, junk)).toBe(false);
    }
    expect(await verifySession(TOKEN, cookie)).toBe(true);
  });
});
