import { FailureList } from "@streamboard/core/contract";
import useSWR from "swr";
import { getJson, type ApiError } from "./lib/api-client";

const getFailures = getJson(FailureList);

/** The aggregator's on-failure destination, newest first, polled every 2 s. */
export function useFailures(limit = 50) {
  return useSWR<FailureList, ApiError>(`/api/failures?limit=${limit}`, getFailures, {
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
