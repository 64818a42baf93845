import { StreamMetricsPage } from "@streamboard/core/contract";
import useSWR from "swr";
import { getJson, type ApiError } from "./lib/api-client";

const getMetrics = getJson(StreamMetricsPage);

/** The subscribers' per-minute counters for the last hour (GET /api/stream/metrics). */
export function useStreamMetrics(minutes = 60) {
  return useSWR<StreamMetricsPage, ApiError>(`/api/stream/metrics?minutes=${minutes}`, getMetrics, {
    refreshInterval: 10_000,
    dedupingInterval: 500,
    keepPreviousData: true,
    revalidateOnFocus: false,
    // `generatedAt` changes on every answer: only new counters are worth a chart's re-render.
    compare: (a, b) => JSON.stringify(a?.subscribers) === JSON.stringify(b?.subscribers),
  });
}
