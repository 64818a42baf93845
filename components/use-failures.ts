import { FailureList } from "@streamboard/core/contract";
import useSWR from "swr";
import { getJson, type ApiError } from "./lib/api-client";

const getFailures = getJson(FailureList);

/**
 * The aggregator's failures (quarantine and on-failure destination), newest first, polled every
 * 2 s; acknowledged ones only with `includeAcknowledged`.
 */
export function useFailures(limit = 50, includeAcknowledged = false) {
  const key = `/api/failures?limit=${limit}${includeAcknowledged ? "&acknowledged=include" : ""}`;
  return useSWR<FailureList, ApiError>(key, getFailures, {
    refreshInterval: 2000,
    dedupingInterval: 500,
    keepPreviousData: true,
    revalidateOnFocus: false,
    // A 401 means the session ended (the page says so): polling again will not fix it.
    onErrorRetry: (err, _key, _config, revalidate, { retryCount }) => {
      if (err.status === 401 || retryCount > 20) return;
      setTimeout(() => void revalidate({ retryCount }), 5000);
    },
  });
}
