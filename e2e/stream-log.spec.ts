import { HealthResponse, StreamMetricsPage } from "@streamboard/core/contract";
import { expect, OPERATOR_TOKEN, test } from "./fixtures";

// The stream's two subscribers as the running stack plays them: both read every record, the
// stream log fills StreamLog (what the inspector reads), and both count their batches per minute.

const bearer = { Authorization: `Bearer ${OPERATOR_TOKEN}` };

test.describe("the stream log and the subscribers' metrics", () => {
  test("GET /api/stream/metrics – both subscribers count the batches of a new score", async ({
    api,
    request,
  }) => {
    const read = async () => {
      const response = await request.get("/api/stream/metrics?minutes=5", { headers: bearer });
      expect(response.status()).toBe(200);
      return StreamMetricsPage.parse(await response.json());
    };
    const recordsOf = (page: StreamMetricsPage, subscriber: string) =>
      (page.subscribers[subscriber] ?? []).reduce((sum, m) => sum + m.records, 0);
    const before = await read();
    await api.submitScore({ playerName: `Metric Mo ${Date.now() % 100_000}`, score: 11 });
    await expect
      .poll(async () => {
        const page = await read();
        return ["aggregator", "stream-log"].map((s) => recordsOf(page, s) > recordsOf(before, s));
      })
      .toEqual([true, true]);
    const page = await read();
    for (const minute of [...page.subscribers.aggregator!, ...page.subscribers["stream-log"]!]) {
      expect(minute.minute).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
      expect(minute.inserts + minute.modifies + minute.removes).toBe(minute.records);
      expect(minute.maxIteratorAgeMs).toBeGreaterThanOrEqual(0);
    }
  });

  for (const [name, query, status] of [
    ["minutes is 0", "?minutes=0", 400],
    ["minutes over 1440", "?minutes=1441", 400],
    ["minutes is not a number", "?minutes=soon", 400],
  ] as const) {
    test(`GET /api/stream/metrics – ${name}`, async ({ request }) => {
      const response = await request.get(`/api/stream/metrics${query}`, { headers: bearer });
      expect(response.status()).toBe(status);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("invalid_input");
      expect(body.error.message).toContain("minutes");
    });
  }

  test("GET /api/stream/metrics – no operator token: 401", async ({ request }) => {
    const response = await request.get("/api/stream/metrics");
    expect(response.status()).toBe(401);
  });

  test("GET /api/health – the stream log's runner beside the aggregator's", async ({ request }) => {
    const health = HealthResponse.parse(await (await request.get("/api/health")).json());
    expect(health.runner).toMatchObject({ running: true, stale: false });
    expect(health.logRunner).toMatchObject({ running: true, stale: false });
  });
});
