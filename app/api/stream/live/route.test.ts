import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { ApiErrorBody, StreamPage } from "@streamboard/core/contract";
import { documentClient, tableName } from "@streamboard/core/infra";
import { logItemOf } from "@streamboard/core/stream";
import { streamRecord } from "@streamboard/core/testing";
import { startTestEngine } from "@streamboard/local/testing";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { GET } from "./route";

// The route against the real engine: a real stream log table, a real HTTP-shaped Request.
vi.mock("server-only", () => ({}));

const TOKEN = "live-route-test-token";
let engine: Awaited<ReturnType<typeof startTestEngine>>;
beforeAll(async () => {
  process.env.OPERATOR_TOKEN = TOKEN;
  engine = await startTestEngine();
});
afterAll(() => engine.close());

let seq = 5_000_000;
async function logScore(playerName: string) {
  const record = streamRecord({
    eventName: "INSERT",
    sequenceNumber: String(++seq),
    newImage: { RecordID: `live-${seq}`, PlayerName: playerName, Score: 7 },
  });
  // Logged a moment ago: settled (log-query.ts, SETTLE_MS).
  const item = logItemOf(record, Date.now() - 1000)!;
  await documentClient().send(new PutCommand({ TableName: tableName("StreamLog"), Item: item }));
  return item;
}

/** Reads server-sent events off a response body. */
function eventsOf(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    async next(): Promise<{ event: string; id?: string; data: string } | "comment"> {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(":")) return "comment";
          const fields = Object.fromEntries(
            block
              .split("\n")
              .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]),
          );
          if (fields.retry !== undefined) continue;
          return { event: fields.event ?? "message", id: fields.id, data: fields.data ?? "" };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("the stream ended");
        buffer += decoder.decode(value, { stream: true });
      }
    },
    async ended(): Promise<boolean> {
      for (;;) {
        const { done } = await reader.read();
        if (done) return true;
      }
    },
  };
}

const get = (query: string, init: RequestInit = {}) =>
  GET(
    new Request(`http://localhost/api/stream/live${query}`, {
      ...init,
      headers: { Authorization: `Bearer ${TOKEN}`, ...init.headers },
    }),
  );

describe("GET /api/stream/live", () => {
  test("the newest window first, then each write as it lands; ends when the client goes away", async () => {
    const before = await logScore("live-ann");
    const client = new AbortController();
    const response = await get("?player=LIVE-ANN", { signal: client.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = eventsOf(response);

    const first = await events.next();
    if (first === "comment") throw new Error("expected a page");
    expect(first.event).toBe("page");
    const newest = StreamPage.parse(JSON.parse(first.data));
    expect(newest.records.map((r) => r.recordId)).toEqual([before.RecordID]);
    expect(first.id).toBe(newest.cursor);

    // Another player's write is filtered out; this player's arrives within a couple of polls.
    await logScore("live-bob");
    const written = await logScore("live-ann");
    const started = performance.now();
    const next = await events.next();
    if (next === "comment") throw new Error("expected a page");
    const page = StreamPage.parse(JSON.parse(next.data));
    expect(page.records.map((r) => r.recordId)).toEqual([written.RecordID]);
    expect(performance.now() - started).toBeLessThan(2000);

    client.abort();
    expect(await events.ended()).toBe(true);
  });

  test("resumes from Last-Event-ID: what was written while away comes first", async () => {
    const client = new AbortController();
    const response = await get("?player=live-cy", { signal: client.signal });
    const events = eventsOf(response);
    const first = await events.next();
    if (first === "comment") throw new Error("expected a page");
    client.abort();

    const missed = await logScore("live-cy");
    const again = new AbortController();
    const resumed = await get("?player=live-cy", {
      signal: again.signal,
      headers: { "Last-Event-ID": first.id! },
    });
    const next = await eventsOf(resumed).next();
    if (next === "comment") throw new Error("expected a page");
    expect(StreamPage.parse(JSON.parse(next.data)).records.map((r) => r.recordId)).toEqual([
      missed.RecordID,
    ]);
    again.abort();
  });

  // prettier-ignore
  test.each([
    { name: "no operator token", query: "", headers: { Authorization: "" }, status: 401, code: "unauthorized" },
    { name: "a cursor it never gave out", query: "?cursor=bogus", status: 400, code: "bad_request" },
    { name: "before", query: "?before=x", status: 400, code: "invalid_input" },
    { name: "an unknown type", query: "?type=UPSERT", status: 400, code: "invalid_input" },
  ])("$name: a JSON error, no stream", async ({ query, headers, status, code }) => {
    const response = await get(query, headers ? { headers } : {});
    expect(response.status).toBe(status);
    expect(ApiErrorBody.parse(await response.json()).error.code).toBe(code);
  });
});
