import { HealthResponse } from "@streamboard/core/contract";
import useSWR from "swr";
import { getJson, type ApiError } from "./lib/api-client";

const getHealth = getJson(HealthResponse);

/** The aggregator's lag, polled: the runner rewrites its status every second. */
export function useRunnerHealth() {
  return useSWR<HealthResponse, ApiError>("/api/health", getHealth, {
    refreshInterval: 2000,
    dedupingInterval: 500,
    keepPreviousData: true,
    revalidateOnFocus: false,
  });
}
