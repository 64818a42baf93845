/**
 * Testing: helpers for tests that drive the aggregator with stream records.
 */
export * from "./testing.ts";
