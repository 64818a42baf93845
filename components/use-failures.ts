import type { FailureEntry } from "@streamboard/core/contract";
import useSWR from "swr";
import { getJson, type ApiError } from "./lib/api-client";

export interface FailuresResponse {
  failures: FailureEntry[];
}

/** The aggregator's on-failure destination, newest first, polled every 2 s. */
export function useFailures(limit = 50) {
  return useSWR<FailuresResponse, ApiError>(`/api/failures?limit=${limit}`, getJson, {
    refreshInterval: 2000,
    keepPreviousData: true,
    revalidateOnFocus: false,
    // A 401 means the session ended (the page says so): polling again will not fix it.
    onErrorRetry: (err, _key, _config, revalidate, { retryCount }) => {
      if (err.status === 401 || retryCount > 20) return;
      setTimeout(() => void revalidate({ retryCount }), 5000);
    },
  });
}
