import { ApiErrorBody, HealthResponse } from "@streamboard/core/contract";
import { getHealth, getRunnerStatus } from "@streamboard/core/ops";
import { afterEach, describe, expect, test, vi } from "vitest";
import { GET } from "./route";

vi.mock("server-only", () => ({}));
vi.mock("@streamboard/core/ops", () => ({ getHealth: vi.fn(), getRunnerStatus: vi.fn() }));

afterEach(() => vi.restoreAllMocks());

const runnerStatus = {
  version: 1 as const,
  updatedAt: "2026-01-01T00:00:00.000Z",
  running: true,
  stale: false,
  iteratorAgeMs: 120,
  pending: 0,
  failures: 2,
  totals: { invocations: 3, delivered: 9, failed: 0 },
};

describe("GET /api/health", () => {
  test("200 with the tables and the runner (no lastBatch yet: null)", async () => {
    vi.mocked(getHealth).mockResolvedValue({
      status: "ok",
      tables: { GameScoreRecords: "ACTIVE" },
      time: "2026-01-01T00:00:01.000Z",
    });
    vi.mocked(getRunnerStatus).mockResolvedValue(runnerStatus);
    const response = await GET();
    expect(response.status).toBe(200);
    expect(HealthResponse.parse(await response.json())).toEqual({
      status: "ok",
      tables: { GameScoreRecords: "ACTIVE" },
      time: "2026-01-01T00:00:01.000Z",
      runner: {
        running: true,
        stale: false,
        updatedAt: "2026-01-01T00:00:00.000Z",
        iteratorAgeMs: 120,
        pending: 0,
        lastBatch: null,
        failures: 2,
        totals: { invocations: 3, delivered: 9, failed: 0 },
      },
      logRunner: {
        running: true,
        stale: false,
        updatedAt: "2026-01-01T00:00:00.000Z",
        iteratorAgeMs: 120,
        pending: 0,
        lastBatch: null,
        failures: 2,
        totals: { invocations: 3, delivered: 9, failed: 0 },
      },
    });
    // One status per runner: the aggregator's, and the stream log's.
    expect(vi.mocked(getRunnerStatus).mock.calls.map((call) => call[1])).toEqual([
      "aggregator",
      "stream-log",
    ]);
  });

  test("503 unavailable, not internal_error, when the database does not answer", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    vi.mocked(getHealth).mockRejectedValue(new Error("connect ECONNREFUSED"));
    vi.mocked(getRunnerStatus).mockResolvedValue(undefined);
    const response = await GET();
    expect(response.status).toBe(503);
    expect(ApiErrorBody.parse(await response.json())).toEqual({
      error: { code: "unavailable", message: "The database is not answering." },
    });
  });
});
