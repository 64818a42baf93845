import { ApiErrorBody, StreamMetricsPage } from "@streamboard/core/contract";
import { recordBatchMetrics } from "@streamboard/core/stream";
import { streamRecord, scoreItem } from "@streamboard/core/testing";
import { startTestEngine } from "@streamboard/local/testing";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { GET } from "./route";

// The route against the real engine: what the handlers wrote is what the operator reads.
vi.mock("server-only", () => ({}));

const TOKEN = "metrics-test-token";
let engine: Awaited<ReturnType<typeof startTestEngine>>;
beforeAll(async () => {
  process.env.OPERATOR_TOKEN = TOKEN;
  engine = await startTestEngine();
});
afterAll(() => engine.close());

const get = (query: string, token: string | undefined = TOKEN) =>
  GET(
    new Request(`http://localhost/api/stream/metrics${query}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    }),
  );

describe("GET /api/stream/metrics", () => {
  test("each subscriber's minutes, as the handlers recorded them", async () => {
    const now = Date.now();
    const record = streamRecord({
      eventName: "INSERT",
      sequenceNumber: "100",
      newImage: scoreItem("r1", "Ann", 5),
      approximateTime: Math.floor(now / 1000) - 3,
    });
    await recordBatchMetrics("aggregator", [record], now);
    await recordBatchMetrics("stream-log", [record, record], now);
    const response = await get("?minutes=5");
    expect(response.status).toBe(200);
    const page = StreamMetricsPage.parse(await response.json());
    expect(page.subscribers.aggregator).toEqual([
      expect.objectContaining({ records: 1, batches: 1, inserts: 1 }),
    ]);
    expect(page.subscribers["stream-log"]).toEqual([
      expect.objectContaining({ records: 2, batches: 1, inserts: 2 }),
    ]);
    expect(page.subscribers.aggregator![0]!.maxIteratorAgeMs).toBeGreaterThanOrEqual(2000);
  });

  test.each(["0", "1441", "2.5", "lots"])("400 for minutes=%s", async (minutes) => {
    const response = await get(`?minutes=${minutes}`);
    expect(response.status).toBe(400);
    expect(ApiErrorBody.parse(await response.json()).error.message).toContain("minutes");
  });

  test("401 without operator credentials", async () => {
    const response = await get("", "wrong");
    expect(response.status).toBe(401);
    expect(ApiErrorBody.parse(await response.json()).error.code).toBe("unauthorized");
  });
});
