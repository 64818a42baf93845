import type { RunnerStatus } from "@streamboard/core/ops";
import useSWR from "swr";
import { getJson, type ApiError } from "./lib/api-client";

/** The stream runner as GET /api/health reports it (null where there is none, e.g. on AWS). */
export type RunnerHealth = Omit<RunnerStatus, "version" | "lastBatch"> & {
  lastBatch: NonNullable<RunnerStatus["lastBatch"]> | null;
};

export interface HealthResponse {
  status: "ok";
  time: string;
  runner: RunnerHealth | null;
}

/** The aggregator's lag, polled: the runner rewrites its status every second. */
export function useRunnerHealth() {
  return useSWR<HealthResponse, ApiError>("/api/health", getJson, {
    refreshInterval: 2000,
    keepPreviousData: true,
    revalidateOnFocus: false,
  });
}
