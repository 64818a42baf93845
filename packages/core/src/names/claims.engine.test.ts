import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { startTestEngine } from "@streamboard/local/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { VisibleError } from "../contract/error.ts";
import { nameKey } from "../contract/score-rules.ts";
import { documentClient } from "../infra/clients.ts";
import { tableName } from "../infra/resource.ts";
import { editScore, listScores, submitScore } from "../score/score.ts";
import {
  canonicalRecoveryKey,
  getClaim,
  isDeviceId,
  newDeviceId,
  newRecoveryKey,
  readAsNamed,
  recoverClaim,
  releaseClaim,
} from "./claims.ts";

// Integration: the real claim and record writes, in one transaction, on the embedded engine.

let engine: Awaited<ReturnType<typeof startTestEngine>>;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(() => engine.close());

let counter = 0;
const uniqueName = (base: string) => `${base} ${Date.now() % 100_000}${(counter += 1)}`;

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (error instanceof VisibleError) return error.code;
    throw error;
  }
}

const device = (id: string) => ({ by: { device: id } });

describe("keys and ids", () => {
  test("a recovery key has at least 128 random bits and reads back forgivingly", () => {
    const key = newRecoveryKey();
    expect(key).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(new Set(Array.from({ length: 50 }, newRecoveryKey)).size).toBe(50);
    expect(canonicalRecoveryKey(` ${key.toLowerCase().replace(/-/g, " ")} `)).toBe(
      key.replace(/-/g, ""),
    );
    expect(canonicalRecoveryKey("oil-1")).toBe("0111");
  });

  test("device ids", () => {
    const id = newDeviceId();
    expect(isDeviceId(id)).toBe(true);
    expect(isDeviceId(undefined)).toBe(false);
    expect(isDeviceId("short")).toBe(false);
    expect(isDeviceId(`${id.slice(1)};`)).toBe(false);
  });
});

describe("claims against the engine", () => {
  test("the first score claims the name for its device; another device is refused", async () => {
    const name = uniqueName("Linus T");
    const [a, b] = [newDeviceId(), newDeviceId()];
    const first = await submitScore({ playerName: name, score: 10 }, device(a));
    expect(first.claim?.playerName).toBe(name);
    expect(first.claim?.recoveryKey).toMatch(/^[0-9A-Z-]{39}$/);
    expect(await getClaim(name)).toMatchObject({ playerName: name, held: true });

    // The holder again: no new key, and the record under the first spelling.
    const again = await submitScore({ playerName: name.toLowerCase(), score: 5 }, device(a));
    expect(again.claim).toBeUndefined();
    expect(again.record.playerName).toBe(name);

    // Another device, whatever the case or normal form.
    expect(await codeOf(submitScore({ playerName: name, score: 1 }, device(b)))).toBe("name_taken");
    expect(await codeOf(submitScore({ playerName: name.toUpperCase(), score: 1 }, device(b)))).toBe(
      "name_taken",
    );
    const records = await listScores({ playerName: name });
    expect(records.records.map((r) => r.score)).toEqual([5, 10]);
  });

  test("reads find a player under any case of their name (readAsNamed)", async () => {
    const name = uniqueName("Ada Case");
    await submitScore({ playerName: name, score: 1 }, device(newDeviceId()));
    const reads: string[] = [];
    const read = (playerName: string) => {
      reads.push(playerName);
      return playerName === name
        ? Promise.resolve(playerName)
        : Promise.reject(new VisibleError("not_found", `player ${playerName} has no games`));
    };
    expect(await readAsNamed(name.toUpperCase(), read)).toBe(name);
    expect(reads).toEqual([name.toUpperCase(), name]);
    // Unknown names, blank ones and other errors are answered as the first read answered them.
    await expect(readAsNamed(uniqueName("Nobody"), read)).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(readAsNamed("   ", read)).rejects.toMatchObject({ code: "not_found" });
    const broken = () => Promise.reject(new VisibleError("invalid_input", "bad"));
    await expect(readAsNamed(name, broken)).rejects.toMatchObject({ code: "invalid_input" });
  });

  test("NFC and NFD spellings are one name", async () => {
    const base = uniqueName("Jos");
    const nfc = `${base}\u00e9`;
    const nfd = `${base}e\u0301`;
    const [a, b] = [newDeviceId(), newDeviceId()];
    await submitScore({ playerName: nfd, score: 1 }, device(a));
    expect(await getClaim(nfc)).toMatchObject({ playerName: nfc, held: true });
    const error = await submitScore({ playerName: nfc, score: 1 }, device(b)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VisibleError);
    expect((error as VisibleError).code).toBe("name_taken");
    expect((error as VisibleError).message).toMatch(/recovery key.*choose another name/);
  });

  test("the stored secrets are hashes, never the device id or the key", async () => {
    const name = uniqueName("Hashed");
    const a = newDeviceId();
    const { claim } = await submitScore({ playerName: name, score: 1 }, device(a));
    const { Item } = await documentClient().send(
      new GetCommand({ TableName: tableName("NameClaims"), Key: { NameKey: nameKey(name) } }),
    );
    const stored = JSON.stringify(Item);
    expect(stored).not.toContain(a);
    expect(stored).not.toContain(claim!.recoveryKey);
    expect(stored).not.toContain(claim!.recoveryKey.replace(/-/g, ""));
    expect(Item).toMatchObject({ PlayerName: name, NameKey: nameKey(name) });
  });

  test("one device may hold several names", async () => {
    const a = newDeviceId();
    const names = [uniqueName("One"), uniqueName("Two")];
    for (const name of names) {
      expect((await submitScore({ playerName: name, score: 1 }, device(a))).claim).toBeDefined();
      expect((await submitScore({ playerName: name, score: 2 }, device(a))).claim).toBeUndefined();
    }
  });

  test("the recovery key moves the claim and is replaced; a wrong key changes nothing", async () => {
    const name = uniqueName("Mover");
    const [a, b] = [newDeviceId(), newDeviceId()];
    const { claim } = await submitScore({ playerName: name, score: 1 }, device(a));

    expect(await codeOf(recoverClaim({ playerName: name, recoveryKey: newRecoveryKey() }, b))).toBe(
      "forbidden",
    );
    expect(await codeOf(submitScore({ playerName: name, score: 1 }, device(b)))).toBe("name_taken");

    const moved = await recoverClaim(
      { playerName: name.toLowerCase(), recoveryKey: claim!.recoveryKey.toLowerCase() },
      b,
    );
    expect(moved.playerName).toBe(name);
    expect(moved.recoveryKey).not.toBe(claim!.recoveryKey);
    expect((await submitScore({ playerName: name, score: 2 }, device(b))).record.playerName).toBe(
      name,
    );
    expect(await codeOf(submitScore({ playerName: name, score: 3 }, device(a)))).toBe("name_taken");
    // The old key is spent; the new one works (back to the first device).
    expect(
      await codeOf(recoverClaim({ playerName: name, recoveryKey: claim!.recoveryKey }, a)),
    ).toBe("forbidden");
    await recoverClaim({ playerName: name, recoveryKey: moved.recoveryKey }, a);
    expect(await codeOf(submitScore({ playerName: name, score: 4 }, device(a)))).toBeUndefined();
  });

  test("recovering a name nobody holds is not_found; bad input is invalid_input", async () => {
    const a = newDeviceId();
    expect(
      await codeOf(recoverClaim({ playerName: uniqueName("Nobody"), recoveryKey: "x" }, a)),
    ).toBe("not_found");
    expect(await codeOf(recoverClaim({ playerName: "a\u202eb", recoveryKey: "x" }, a))).toBe(
      "invalid_input",
    );
    expect(await codeOf(recoverClaim({ playerName: "ann" }, a))).toBe("invalid_input");
  });

  test("an operator release lets the next device claim the name, with its first spelling", async () => {
    const name = uniqueName("Released");
    const [a, b] = [newDeviceId(), newDeviceId()];
    const { claim } = await submitScore({ playerName: name, score: 1 }, device(a));
    expect(await releaseClaim(name.toUpperCase())).toBe(name);
    expect(await codeOf(releaseClaim(name))).toBe("not_found");
    expect(await getClaim(name)).toMatchObject({ held: false });
    // The released key is spent.
    expect(
      await codeOf(recoverClaim({ playerName: name, recoveryKey: claim!.recoveryKey }, a)),
    ).toBe("not_found");
    const next = await submitScore({ playerName: name.toLowerCase(), score: 2 }, device(b));
    expect(next.claim?.playerName).toBe(name);
    expect(next.record.playerName).toBe(name);
    expect(await codeOf(submitScore({ playerName: name, score: 3 }, device(a)))).toBe("name_taken");
  });

  test("the operator submits under any name; a name it used first is open to the next device", async () => {
    const name = uniqueName("Served");
    const [a, b] = [newDeviceId(), newDeviceId()];
    const served = await submitScore({ playerName: name, score: 1 }, { by: { operator: true } });
    expect(served.claim).toBeUndefined();
    expect(await getClaim(name)).toMatchObject({ playerName: name, held: false });
    const held = await submitScore({ playerName: name.toLowerCase(), score: 2 }, device(a));
    expect(held.claim?.playerName).toBe(name);
    expect(held.record.playerName).toBe(name);
    const again = await submitScore(
      { playerName: name.toUpperCase(), score: 3 },
      { by: { operator: true } },
    );
    expect(again.record.playerName).toBe(name);
    expect(await codeOf(submitScore({ playerName: name, score: 4 }, device(b)))).toBe("name_taken");
  });

  test("an operator's edit that moves a record to a claimed name uses its first spelling", async () => {
    const name = uniqueName("Spelled");
    await submitScore({ playerName: name, score: 1 }, device(newDeviceId()));
    const other = await submitScore({ playerName: uniqueName("Elsewhere"), score: 2 });
    const edited = await editScore(other.record.recordId, { playerName: name.toLowerCase() });
    expect(edited.record.playerName).toBe(name);
    const loose = uniqueName("Unclaimed");
    expect((await editScore(other.record.recordId, { playerName: loose })).record.playerName).toBe(
      loose,
    );
  });

  test("an Idempotency-Key replay is never name_taken, from any device; a refusal frees the key", async () => {
    const name = uniqueName("Replay");
    const [a, b] = [newDeviceId(), newDeviceId()];
    const body = { playerName: name, score: 7 };
    const k1 = `k1-${counter}-${Date.now()}`;
    const first = await submitScore(body, { idempotencyKey: k1, ...device(a) });
    const replay = await submitScore(body, { idempotencyKey: k1, ...device(a) });
    expect(replay).toMatchObject({ replayed: true, record: first.record });
    expect(replay.claim).toBeUndefined();
    const fromB = await submitScore(body, { idempotencyKey: k1, ...device(b) });
    expect(fromB.record).toEqual(first.record);

    // Refused with a fresh key: nothing written, and the same key works once the name is here.
    const key = `k2-${counter}-${Date.now()}`;
    expect(
      await codeOf(submitScore({ ...body, score: 8 }, { idempotencyKey: key, ...device(b) })),
    ).toBe("name_taken");
    await recoverClaim({ playerName: name, recoveryKey: first.claim!.recoveryKey }, b);
    const later = await submitScore({ ...body, score: 8 }, { idempotencyKey: key, ...device(b) });
    expect(later.replayed).toBe(false);
    expect((await listScores({ playerName: name })).records.map((r) => r.score)).toEqual([8, 7]);
  });

  test("a replay after a crash between the key and the record writes it once, claim and all", async () => {
    const name = uniqueName("Crash");
    const a = newDeviceId();
    const key = `crash-${counter}-${Date.now()}`;
    const now = new Date();
    // What a first attempt leaves when it dies after claiming the key.
    await documentClient().send(
      new PutCommand({
        TableName: tableName("Idempotency"),
        Item: {
          IdempotencyKey: key,
          RecordID: `01CRASH${Date.now()}${counter}`,
          BodyHash: await bodyHashOf({ playerName: name, score: 3 }),
          CreatedAt: now.toISOString(),
          ExpiresAt: Math.floor(now.getTime() / 1000) + 3600,
        },
      }),
    );
    const retried = await submitScore(
      { playerName: name, score: 3 },
      { idempotencyKey: key, ...device(a) },
    );
    expect(retried.replayed).toBe(true);
    expect(await getClaim(name)).toMatchObject({ held: true });
    expect((await listScores({ playerName: name })).records).toHaveLength(1);
  });

  test("two devices racing for a new name: exactly one holds it, no record under the other", async () => {
    const name = uniqueName("Race");
    const devices = Array.from({ length: 6 }, newDeviceId);
    const results = await Promise.allSettled(
      devices.map((d, i) => submitScore({ playerName: name, score: i + 1 }, device(d))),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") expect((r.reason as VisibleError).code).toBe("name_taken");
    }
    expect((await listScores({ playerName: name })).records).toHaveLength(1);
  });
});

/** The body hash score.ts keys idempotent submissions by (kept in step with it). */
async function bodyHashOf(input: { playerName: string; score: number }): Promise<string> {
  const canonical = JSON.stringify([input.playerName, input.score, null]);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical));
  return Buffer.from(digest).toString("base64url");
}
