import http from "node:http";
import {
  ApiErrorBody,
  StreamPage,
  type ErrorCode,
  type HealthResponse,
} from "@streamboard/core/contract";
import { expectApiError, OPERATOR_TOKEN, test, expect } from "./fixtures";

const MISSING_ID = "01ZZZZZZZZZZZZZZZZZZZZZZZZ";
/** A well-formed stream log id (a position) that no entry has. */
const MISSING_LOG_ID = Buffer.from(`2026-01-01T00:00:00.000Z#${"0".repeat(40)}#none`).toString(
  "base64url",
);
/** A well-formed cursor/before token. */
const LOG_TOKEN = Buffer.from(
  JSON.stringify({ v: 2, p: `2026-01-01T00:00:00.000Z#${"0".repeat(40)}#none` }),
).toString("base64url");
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

interface ErrorCase {
  name: string;
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** `{player}` is replaced by the test's player, `{id}` by a record of theirs. */
  path: string;
  json?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  status: number;
  code: ErrorCode;
}

const bigBody = JSON.stringify({ playerName: "big", score: 1, padding: "x".repeat(17 * 1024) });

// prettier-ignore
const errorCases: ErrorCase[] = [
  // Validation: 400, and nothing written (checked below for every POST /api/scores case).
  { name: "POST /api/scores – score is negative", method: "POST", path: "/api/scores", json: { playerName: "{player}", score: -1 }, status: 400, code: "invalid_input" },
  { name: "POST /api/scores – score is not an integer", method: "POST", path: "/api/scores", json: { playerName: "{player}", score: 1.5 }, status: 400, code: "invalid_input" },
  { name: "POST /api/scores – score over 1,000,000,000", method: "POST", path: "/api/scores", json: { playerName: "{player}", score: 1_000_000_001 }, status: 400, code: "invalid_input" },
  { name: "POST /api/scores – score is a string", method: "POST", path: "/api/scores", json: { playerName: "{player}", score: "100" }, status: 400, code: "invalid_input" },
  { name: "POST /api/scores – score is missing", method: "POST", path: "/api/scores", json: { playerName: "{player}" }, status: 400, code: "invalid_input" },
  { name: "POST /api/scores – player name is missing", method: "POST", path: "/api/scores", json: { score: 10 }, status: 400, code: "invalid_input" },
  { name: "POST /api/scores – player name is blank", method: "POST", path: "/api/scores", json: { playerName: "   ", score: 10 }, status: 400, code: "invalid_input" },
  { name: "POST /api/scores – player name over 32 characters", method: "POST", path: "/api/scores", json: { playerName: `{player}${"x".repeat(32)}`, score: 10 }, status: 400, code: "invalid_input" },
  { name: "POST /api/scores – player name with forbidden characters", method: "POST", path: "/api/scores", json: { playerName: "{player}<script>", score: 10 }, status: 400, code: "invalid_input" },
  { name: "POST /api/scores – nickname with forbidden characters", method: "POST", path: "/api/scores", json: { playerName: "{player}", score: 10, nickName: "a/b" }, status: 400, code: "invalid_input" },
  { name: "POST /api/scores – body is a JSON array", method: "POST", path: "/api/scores", json: [{ playerName: "{player}", score: 10 }], status: 400, code: "invalid_input" },
  { name: "POST /api/scores – body is not JSON", method: "POST", path: "/api/scores", raw: '{"playerName": "{player}", score: 10', status: 400, code: "bad_request" },
  { name: "POST /api/scores – body is empty", method: "POST", path: "/api/scores", raw: "", status: 400, code: "bad_request" },
  { name: "POST /api/scores – body over 16 KiB", method: "POST", path: "/api/scores", raw: bigBody, status: 413, code: "payload_too_large" },
  { name: "GET /api/scores – limit is not a number", method: "GET", path: "/api/scores?limit=ten", status: 400, code: "invalid_input" },
  { name: "GET /api/leaderboard – limit is zero", method: "GET", path: "/api/leaderboard?limit=0", status: 400, code: "invalid_input" },
  // One limit policy on every list route: an integer in [1, max], else 400 (never clamped).
  { name: "GET /api/leaderboard – limit is not a number", method: "GET", path: "/api/leaderboard?limit=abc", status: 400, code: "invalid_input" },
  { name: "GET /api/leaderboard – limit over 100", method: "GET", path: "/api/leaderboard?limit=101", status: 400, code: "invalid_input" },
  { name: "GET /api/scores – limit over 100", method: "GET", path: "/api/scores?limit=101", status: 400, code: "invalid_input" },
  { name: "GET /api/scores – limit is not an integer", method: "GET", path: "/api/scores?limit=2.5", status: 400, code: "invalid_input" },
  // Operator routes without (valid) credentials: 401, and nothing changed.
  { name: "PATCH /api/scores/{id} – no operator token", method: "PATCH", path: "/api/scores/{id}", json: { score: 1 }, status: 401, code: "unauthorized" },
  { name: "PATCH /api/scores/{id} – wrong operator token", method: "PATCH", path: "/api/scores/{id}", json: { score: 1 }, headers: bearer("not-the-token"), status: 401, code: "unauthorized" },
  { name: "DELETE /api/scores/{id} – no operator token", method: "DELETE", path: "/api/scores/{id}", status: 401, code: "unauthorized" },
  { name: "DELETE /api/scores/{id} – forged session cookie", method: "DELETE", path: "/api/scores/{id}", headers: { Cookie: "streamboard_operator=9999999999.forged", "Sec-Fetch-Site": "same-origin" }, status: 401, code: "unauthorized" },
  { name: "GET /api/stream – no operator token", method: "GET", path: "/api/stream", status: 401, code: "unauthorized" },
  { name: "GET /api/stream – wrong operator token", method: "GET", path: "/api/stream", headers: bearer(`${OPERATOR_TOKEN}x`), status: 401, code: "unauthorized" },
  { name: "GET /api/failures – no operator token", method: "GET", path: "/api/failures", status: 401, code: "unauthorized" },
  { name: "GET /api/failures – wrong operator token", method: "GET", path: "/api/failures", headers: bearer("not-the-token"), status: 401, code: "unauthorized" },
  { name: "GET /api/failures – forged session cookie", method: "GET", path: "/api/failures", headers: { Cookie: "streamboard_operator=9999999999.forged" }, status: 401, code: "unauthorized" },
  // Not found.
  { name: "GET /api/scores/{id} – no such record", method: "GET", path: `/api/scores/${MISSING_ID}`, status: 404, code: "not_found" },
  { name: "PATCH /api/scores/{id} – no such record", method: "PATCH", path: `/api/scores/${MISSING_ID}`, json: { score: 1 }, headers: bearer(OPERATOR_TOKEN), status: 404, code: "not_found" },
  { name: "DELETE /api/scores/{id} – no such record", method: "DELETE", path: `/api/scores/${MISSING_ID}`, headers: bearer(OPERATOR_TOKEN), status: 404, code: "not_found" },
  { name: "GET /api/players/{name} – no such player", method: "GET", path: "/api/players/{player}", status: 404, code: "not_found" },
  { name: "GET /api/nothing-here – no such API route", method: "GET", path: "/api/nothing-here", status: 404, code: "not_found" },
  // Operator input errors.
  { name: "PATCH /api/scores/{id} – empty patch", method: "PATCH", path: "/api/scores/{id}", json: {}, headers: bearer(OPERATOR_TOKEN), status: 400, code: "invalid_input" },
  { name: "PATCH /api/scores/{id} – score is negative", method: "PATCH", path: "/api/scores/{id}", json: { score: -5 }, headers: bearer(OPERATOR_TOKEN), status: 400, code: "invalid_input" },
  { name: "GET /api/stream – cursor is not one it returned", method: "GET", path: "/api/stream?cursor=bogus", headers: bearer(OPERATOR_TOKEN), status: 400, code: "bad_request" },
  { name: "GET /api/failures – limit is zero", method: "GET", path: "/api/failures?limit=0", headers: bearer(OPERATOR_TOKEN), status: 400, code: "invalid_input" },
  { name: "GET /api/failures – limit over 1000", method: "GET", path: "/api/failures?limit=1001", headers: bearer(OPERATOR_TOKEN), status: 400, code: "invalid_input" },
  { name: "GET /api/failures – limit is not a number", method: "GET", path: "/api/failures?limit=abc", headers: bearer(OPERATOR_TOKEN), status: 400, code: "invalid_input" },
  { name: "GET /api/stream – limit is not a number", method: "GET", path: "/api/stream?limit=abc", headers: bearer(OPERATOR_TOKEN), status: 400, code: "invalid_input" },
  { name: "GET /api/stream – limit over 500", method: "GET", path: "/api/stream?limit=501", headers: bearer(OPERATOR_TOKEN), status: 400, code: "invalid_input" },
  { name: "GET /api/stream – limit is zero", method: "GET", path: "/api/stream?limit=0", headers: bearer(OPERATOR_TOKEN), status: 400, code: "invalid_input" },
  { name: "GET /api/stream – an unknown event type", method: "GET", path: "/api/stream?type=INSERT,UPSERT", headers: bearer(OPERATOR_TOKEN), status: 400, code: "invalid_input" },
  { name: "GET /api/stream – cursor and before together", method: "GET", path: `/api/stream?cursor=${LOG_TOKEN}&before=${LOG_TOKEN}`, headers: bearer(OPERATOR_TOKEN), status: 400, code: "invalid_input" },
  { name: "GET /api/stream – before and at together", method: "GET", path: `/api/stream?before=${LOG_TOKEN}&at=-15m`, headers: bearer(OPERATOR_TOKEN), status: 400, code: "invalid_input" },
  { name: "GET /api/stream – at is not a time", method: "GET", path: "/api/stream?at=yesterday", headers: bearer(OPERATOR_TOKEN), status: 400, code: "invalid_input" },
  { name: "GET /api/stream – at without a zone", method: "GET", path: "/api/stream?at=2026-01-01T10:00:00", headers: bearer(OPERATOR_TOKEN), status: 400, code: "invalid_input" },
  { name: "GET /api/stream – before is not one it returned", method: "GET", path: "/api/stream?before=bogus", headers: bearer(OPERATOR_TOKEN), status: 400, code: "bad_request" },
  { name: "GET /api/stream – q over 200 characters", method: "GET", path: `/api/stream?q=${"x".repeat(201)}`, headers: bearer(OPERATOR_TOKEN), status: 400, code: "invalid_input" },
  { name: "GET /api/stream – player over 32 characters", method: "GET", path: `/api/stream?player=${"x".repeat(33)}`, headers: bearer(OPERATOR_TOKEN), status: 400, code: "invalid_input" },
  { name: "GET /api/stream/records/{logId} – no operator token", method: "GET", path: `/api/stream/records/${MISSING_LOG_ID}`, status: 401, code: "unauthorized" },
  { name: "GET /api/stream/records/{logId} – an id it never gave out", method: "GET", path: "/api/stream/records/bogus", headers: bearer(OPERATOR_TOKEN), status: 400, code: "bad_request" },
  { name: "GET /api/stream/records/{logId} – no such record", method: "GET", path: `/api/stream/records/${MISSING_LOG_ID}`, headers: bearer(OPERATOR_TOKEN), status: 404, code: "not_found" },
  { name: "GET /api/stream/live – no operator token", method: "GET", path: "/api/stream/live", status: 401, code: "unauthorized" },
  { name: "GET /api/stream/live – cursor is not one it returned", method: "GET", path: "/api/stream/live?cursor=bogus", headers: bearer(OPERATOR_TOKEN), status: 400, code: "bad_request" },
  { name: "GET /api/stream/live – at (the live stream follows the head)", method: "GET", path: "/api/stream/live?at=-1m", headers: bearer(OPERATOR_TOKEN), status: 400, code: "invalid_input" },
];

test.describe("API errors", () => {
  for (const c of errorCases) {
    test(c.name, async ({ request, api, playerName }) => {
      const needsRecord = c.path.includes("{id}");
      const record = needsRecord ? await api.submitScore({ playerName, score: 42 }) : undefined;
      const fill = (s: string) =>
        s.replaceAll("{player}", playerName).replaceAll("{id}", record?.recordId ?? "");
      const path = fill(c.path);
      // The bytes exactly as written (a Buffer: Playwright would JSON-encode a string again).
      const body = c.raw ?? (c.json !== undefined ? JSON.stringify(c.json) : undefined);
      const data = body === undefined ? undefined : Buffer.from(fill(body));

      const response = await request.fetch(path, {
        method: c.method,
        headers: { "Content-Type": "application/json", ...c.headers },
        ...(data !== undefined ? { data } : {}),
      });
      await expectApiError(response, c.status, c.code);

      // Bad input writes nothing; a refused operator call changes nothing.
      if (c.method === "POST") expect(await api.listScores(playerName)).toEqual([]);
      if (record) {
        const after = await request.get(`/api/scores/${record.recordId}`);
        expect(await after.json()).toEqual(record);
      }
    });
  }

  test("POST /api/scores – body over 16 KiB sent chunked, without Content-Length", async ({
    baseURL,
  }) => {
    const url = new URL("/api/scores", baseURL);
    const { status, body } = await new Promise<{ status: number; body: string }>(
      (resolve, reject) => {
        const req = http.request(
          url,
          { method: "POST", headers: { "Content-Type": "application/json" } },
          (res) => {
            let text = "";
            res.on("data", (chunk: Buffer) => (text += chunk.toString()));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on("error", reject);
        // Several writes without a length: Node sends Transfer-Encoding: chunked.
        for (let i = 0; i < 17; i++) req.write(bigBody.slice(i * 1024, (i + 1) * 1024));
        req.end(bigBody.slice(17 * 1024));
      },
    );
    expect(status, body).toBe(413);
    expect(ApiErrorBody.parse(JSON.parse(body)).error.code).toBe("payload_too_large");
  });
});

test.describe("API", () => {
  test("GET /api/health – 200 while the database answers, with the stream runner's lag", async ({
    request,
  }) => {
    const response = await request.get("/api/health");
    expect(response.status()).toBe(200);
    const body = (await response.json()) as HealthResponse;
    expect(body).toMatchObject({
      status: "ok",
      runner: {
        running: true,
        stale: false,
        iteratorAgeMs: expect.any(Number),
        pending: expect.any(Number),
        failures: expect.any(Number),
      },
    });
    const { runner } = body;
    expect(runner!.iteratorAgeMs).toBeGreaterThanOrEqual(0);
    if (runner!.lastBatch !== null) {
      expect(runner!.lastBatch).toMatchObject({
        time: expect.any(String),
        records: expect.any(Number),
        outcome: expect.stringMatching(/^(success|partial_failure|error)$/),
      });
    }
  });

  test("GET /api/failures – the operator gets the quarantine (and the runner's given-up records), newest first", async ({
    operatorApi,
  }) => {
    const failures = await operatorApi.failures();
    // Empty on a fresh stack; failures.spec.ts adds poison records, in whatever order specs run.
    expect(Array.isArray(failures)).toBe(true);
    for (const failure of failures) {
      // The fields every failure has; `eventId`, `logId`, `state` and `acknowledged` come when known.
      expect(failure).toMatchObject({
        id: expect.any(String),
        recordId: expect.any(String),
        eventName: expect.any(String),
        sequenceNumber: expect.stringMatching(/^\d*$/),
        shardId: expect.any(String),
        reason: expect.any(String),
        cause: expect.stringMatching(/^(quarantined|retries_exhausted|record_expired)$/),
        time: expect.any(String),
        attempts: expect.any(Number),
      });
      const known = ["id", "eventId", "logId", "acknowledged", "state", "recordId", "eventName"];
      known.push("sequenceNumber", "shardId", "reason", "cause", "time", "attempts");
      expect(Object.keys(failure).filter((key) => !known.includes(key))).toEqual([]);
      if (failure.state !== undefined)
        expect(["open", "acknowledged", "resolved"]).toContain(failure.state);
    }
    const times = failures.map((f) => f.time);
    expect(times).toEqual([...times].sort().reverse());
    expect(await operatorApi.failures(1)).toEqual(failures.slice(0, 1));
  });

  test("POST /api/scores – 201 with the record; GET finds it; the aggregate follows", async ({
    api,
    request,
    playerName,
  }) => {
    const record = await api.submitScore({ playerName, score: 120, nickName: "Tester" });
    expect(record).toMatchObject({ playerName, score: 120, nickName: "Tester" });
    expect(record.recordId).toMatch(/^[0-9A-Z]{26}$/);

    const byId = await request.get(`/api/scores/${record.recordId}`);
    expect(await byId.json()).toEqual(record);

    const second = await api.submitScore({ playerName, score: 80 });
    expect((await api.listScores(playerName)).map((r) => r.recordId)).toEqual([
      second.recordId,
      record.recordId,
    ]);
    await api.waitForTotal(playerName, 200);
    expect(await api.player(playerName)).toMatchObject({
      gamesPlayed: 2,
      bestScore: 120,
      lastScore: 80,
    });
  });

  test("POST /api/scores – an Idempotency-Key replay returns the same record, once", async ({
    api,
    request,
    playerName,
  }) => {
    const key = `e2e-${playerName}`;
    const body = { playerName, score: 77 };
    const first = await request.post("/api/scores", {
      data: body,
      headers: { "Idempotency-Key": key },
    });
    expect(first.status()).toBe(201);
    const replay = await request.post("/api/scores", {
      data: body,
      headers: { "Idempotency-Key": key },
    });
    expect(replay.status()).toBe(201);
    expect(replay.headers()["idempotent-replayed"]).toBe("true");
    // The same record; a claim's recovery key is in the first answer only (it is stored hashed).
    const { claim, ...record } = (await first.json()) as Record<string, unknown>;
    expect(claim).toBeDefined();
    expect(await replay.json()).toEqual(record);
    expect(await api.listScores(playerName)).toHaveLength(1);
    await api.waitForTotal(playerName, 77);
  });

  test("POST /api/scores – an Idempotency-Key reused with another body is a 409", async ({
    api,
    request,
    playerName,
  }) => {
    const key = `e2e-conflict-${playerName}`;
    await api.submitScore({ playerName, score: 1 }, key);
    const response = await request.post("/api/scores", {
      data: { playerName, score: 2 },
      headers: { "Idempotency-Key": key },
    });
    await expectApiError(response, 409, "idempotency_conflict");
    expect(await api.listScores(playerName)).toHaveLength(1);
  });

  test("PATCH and DELETE /api/scores/{id} – the operator corrects and removes a record", async ({
    api,
    operatorApi,
    request,
    playerName,
  }) => {
    const record = await api.submitScore({ playerName, score: 500 });
    await api.waitForTotal(playerName, 500);

    const patched = await operatorApi.request.patch(`/api/scores/${record.recordId}`, {
      data: { score: 350, nickName: "Fixed" },
    });
    expect(patched.status()).toBe(200);
    expect(await patched.json()).toMatchObject({
      recordId: record.recordId,
      score: 350,
      nickName: "Fixed",
    });
    await api.waitForTotal(playerName, 350);

    const deleted = await operatorApi.request.delete(`/api/scores/${record.recordId}`);
    expect(deleted.status()).toBe(204);
    await expectApiError(await request.get(`/api/scores/${record.recordId}`), 404, "not_found");
    await api.waitForTotal(playerName, undefined);
  });

  test("GET /api/stream – the operator sees INSERT, MODIFY and REMOVE with their images, newest first", async ({
    api,
    operatorApi,
    playerName,
  }) => {
    const { cursor } = await operatorApi.stream({ limit: 1 });
    const record = await api.submitScore({ playerName, score: 10 });
    await operatorApi.request.patch(`/api/scores/${record.recordId}`, { data: { score: 11 } });
    await operatorApi.request.delete(`/api/scores/${record.recordId}`);

    const [remove, modify, insert] = await operatorApi.waitForStream(record.recordId, [
      "REMOVE",
      "MODIFY",
      "INSERT",
    ]);
    expect(insert?.newImage?.Score).toEqual({ N: "10" });
    expect(insert?.oldImage).toBeUndefined();
    expect(modify?.oldImage?.Score).toEqual({ N: "10" });
    expect(modify?.newImage?.Score).toEqual({ N: "11" });
    expect(remove?.oldImage?.Score).toEqual({ N: "11" });
    expect(remove?.newImage).toBeUndefined();

    // A tail from before the writes has them, oldest taken first, shown newest first.
    const tail = await operatorApi.stream({ cursor, recordId: record.recordId });
    expect(tail.records.map((r) => r.eventName)).toEqual(["REMOVE", "MODIFY", "INSERT"]);
    // The newest window without filters has them too (nothing else is written meanwhile).
    const newest = await operatorApi.stream({ limit: 3 });
    expect(newest.records.map((r) => r.logId)).toEqual(tail.records.map((r) => r.logId));
  });

  test("GET /api/stream/records/{logId} – a deep link reads the same record", async ({
    api,
    operatorApi,
    playerName,
  }) => {
    const record = await api.submitScore({ playerName, score: 77 });
    const [insert] = await operatorApi.waitForStream(record.recordId, ["INSERT"]);
    const linked = await operatorApi.streamRecord(insert!.logId);
    expect({ ...linked, aggregator: undefined }).toEqual({ ...insert, aggregator: undefined });
    expect(linked.newImage?.PlayerName).toEqual({ S: playerName });
  });

  test("GET /api/stream – type, player (old and new name), recordId, q and at filter on the server", async ({
    api,
    operatorApi,
    playerName,
  }) => {
    const renamed = `${playerName}-b`.slice(0, 32);
    const first = await api.submitScore({ playerName, score: 5, nickName: "Quokka" });
    const second = await api.submitScore({ playerName, score: 6 });
    const moved = await operatorApi.request.patch(`/api/scores/${second.recordId}`, {
      data: { playerName: renamed },
    });
    expect(moved.status(), await moved.text()).toBe(200);
    await operatorApi.waitForStream(second.recordId, ["MODIFY", "INSERT"]);
    await operatorApi.waitForStream(first.recordId, ["INSERT"]);

    const ids = (page: { records: { recordId: string; eventName: string }[] }) =>
      page.records.map((r) => `${r.eventName} ${r.recordId}`);
    // Names compare case-insensitively; a rename is found under the old and the new name.
    expect(ids(await operatorApi.stream({ player: playerName.toUpperCase() }))).toEqual([
      `MODIFY ${second.recordId}`,
      `INSERT ${second.recordId}`,
      `INSERT ${first.recordId}`,
    ]);
    expect(ids(await operatorApi.stream({ player: renamed }))).toEqual([
      `MODIFY ${second.recordId}`,
    ]);
    expect(ids(await operatorApi.stream({ player: playerName, type: "MODIFY" }))).toEqual([
      `MODIFY ${second.recordId}`,
    ]);
    expect(
      ids(await operatorApi.stream({ recordId: second.recordId, type: "insert,remove" })),
    ).toEqual([`INSERT ${second.recordId}`]);
    // Text search in the images, any case, within this player's records.
    expect(ids(await operatorApi.stream({ player: playerName, q: "quokka" }))).toEqual([
      `INSERT ${first.recordId}`,
    ]);
    // A seek: from a minute ago, this player's records are there; from the future, nothing.
    expect(ids(await operatorApi.stream({ player: playerName, at: "-1m" }))).toHaveLength(3);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await operatorApi.stream({ player: playerName, at: future })).records).toEqual([]);
    // Paging back one at a time finds the same three, then stops.
    const paged: string[] = [];
    let page = await operatorApi.stream({ player: playerName, limit: 1 });
    paged.push(...ids(page));
    while (page.before) {
      page = await operatorApi.stream({ player: playerName, limit: 1, before: page.before });
      paged.push(...ids(page));
    }
    expect(paged).toEqual(ids(await operatorApi.stream({ player: playerName })));
  });

  test("GET /api/stream/live – server-sent events: the newest window, then a write as it lands", async ({
    api,
    baseURL,
    playerName,
  }) => {
    const client = new AbortController();
    const response = await fetch(
      new URL(`/api/stream/live?player=${encodeURIComponent(playerName)}`, baseURL),
      { headers: bearer(OPERATOR_TOKEN), signal: client.signal },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    const nextPage = async () => {
      for (;;) {
        const match = /event: page\nid: [^\n]*\ndata: ([^\n]*)\n\n/.exec(buffered);
        if (match) {
          buffered = buffered.slice(match.index + match[0].length);
          return StreamPage.parse(JSON.parse(match[1]!));
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("the event stream ended");
        buffered += decoder.decode(value, { stream: true });
      }
    };
    expect((await nextPage()).records).toEqual([]);
    const record = await api.submitScore({ playerName, score: 3 });
    const page = await nextPage();
    expect(page.records.map((r) => [r.eventName, r.recordId])).toEqual([
      ["INSERT", record.recordId],
    ]);
    client.abort();
  });

  test("POST /api/login – the session cookie is httpOnly, SameSite=Lax and not the token", async ({
    playwright,
    baseURL,
  }) => {
    const request = await playwright.request.newContext({ baseURL });
    await expectApiError(
      await request.post("/api/login", { data: { token: "wrong" } }),
      401,
      "unauthorized",
    );
    const login = await request.post("/api/login", { data: { token: OPERATOR_TOKEN } });
    expect(login.status()).toBe(204);
    const setCookie = login.headers()["set-cookie"] ?? "";
    expect(setCookie).toMatch(/^streamboard_operator=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).not.toContain(OPERATOR_TOKEN);

    expect((await request.get("/api/stream?limit=1")).status()).toBe(200);
    // As a browser sends it from the page (a cookie write without Origin/Sec-Fetch-Site is a 403).
    const logout = await request.post("/api/logout", {
      headers: { "Sec-Fetch-Site": "same-origin" },
    });
    expect(logout.status()).toBe(204);
    await expectApiError(await request.get("/api/stream?limit=1"), 401, "unauthorized");
    await request.dispose();
  });
});
