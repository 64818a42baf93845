/**
 * Ops: step 5 of a score's trip, with reconcile (README, "How it fits together"): what
 * operators look at when the trip goes wrong.
 *
 * - `failures.ts`: records that could not be applied (quarantine and the runner's failures).
 * - `failure-actions.ts`: re-apply and acknowledge them.
 * - `operator-actions.ts`: the operator action log.
 * - `runner-status.ts`: the local stream runner's heartbeat and lag.
 * - `health.ts`: `GET /api/health`.
 */
export * from "./failures.ts";
export * from "./runner-status.ts";
export * from "./health.ts";
export * from "./failure-actions.ts";
export * from "./operator-actions.ts";
