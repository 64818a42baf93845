import type { HealthResponse, RunnerHealth } from "@streamboard/core/contract";
import { getHealth, getRunnerStatus } from "@streamboard/core/ops";
import { errorResponse } from "@/app/_lib/api";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * The local stream runner's lag and last batch, or null where there is none (on AWS the lag is
 * the aggregator's CloudWatch `IteratorAge`). The status is a file the runner rewrites: failing
 * to read it says nothing about the database, so it never turns a healthy answer into an error.
 */
async function readRunner(): Promise<RunnerHealth | null> {
  try {
    const status = await getRunnerStatus();
    if (!status) return null;
    return {
      running: status.running,
      stale: status.stale,
      updatedAt: status.updatedAt,
      iteratorAgeMs: status.iteratorAgeMs,
      pending: status.pending,
      lastBatch: status.lastBatch ?? null,
      failures: status.failures,
      totals: status.totals,
    };
  } catch (error) {
    console.error("Reading the stream runner's status failed", error);
    return null;
  }
}

// GET /api/health – 200 when the database answers (with the stream runner's lag), 503 when not
export async function GET(): Promise<Response> {
  const runner = readRunner();
  try {
    const health: HealthResponse = { ...(await getHealth()), runner: await runner };
    return Response.json(health);
  } catch (error) {
    console.error("Health check failed", error);
    return errorResponse("unavailable", "The database is not answering.");
  }
}
