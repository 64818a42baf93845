import type { HealthResponse, RunnerHealth } from "@streamboard/core/contract";
import { getHealth, getRunnerStatus, type RunnerName } from "@streamboard/core/ops";
import { errorResponse } from "@/app/_lib/api";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * A local stream runner's lag and last batch (the aggregator's, or the stream log's), or null where there is none (on AWS the lag is
 * the aggregator's CloudWatch `IteratorAge`). The status is a file the runner rewrites: failing
 * to read it says nothing about the database, so it never turns a healthy answer into an error.
 */
async function readRunner(runner: RunnerName): Promise<RunnerHealth | null> {
  try {
    const status = await getRunnerStatus(Date.now(), runner);
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
    console.error(`Reading the ${runner} runner's status failed`, error);
    return null;
  }
}

// GET /api/health – 200 when the database answers (with the stream runners' lag), 503 when not
export async function GET(): Promise<Response> {
  const runner = readRunner("aggregator");
  const logRunner = readRunner("stream-log");
  try {
    const health: HealthResponse = {
      ...(await getHealth()),
      runner: await runner,
      logRunner: await logRunner,
    };
    return Response.json(health);
  } catch (error) {
    console.error("Health check failed", error);
    return errorResponse("unavailable", "The database is not answering.");
  }
}
