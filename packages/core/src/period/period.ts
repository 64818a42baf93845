/*
 * Periods live in the contract (`../contract/period.ts`), pure, so the browser's tabs and
 * countdowns and the aggregator share one definition; this namespace re-exports them for the
 * server side.
 */
export * from "../contract/period.ts";
