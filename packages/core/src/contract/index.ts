/**
 * Contract: the shapes that cross a boundary (HTTP, forms, stream images), as zod schemas with
 * their types derived. Nothing here touches AWS, so browser code may import it.
 *
 * - `error.ts`: the one visible error type, its codes and their HTTP statuses (`statusOf`).
 * - `api.ts`: the body of every API error (`ApiErrorBody`).
 * - `limits.ts`: how a `limit` is read (`limitParam` over HTTP, `clampLimit` in code).
 * - `score.ts`: a score as submitted (`ScoreInput`), patched (`ScorePatch`), stored and shown.
 * - `period.ts`: leaderboard periods (day, ISO week, month, all time), parsed and described.
 * - `leaderboard.ts`: board entries and pages, and the one ranking (`rankEntries`).
 * - `stream.ts`: stream records for the inspector, in raw DynamoDB JSON.
 * - `health.ts`: `GET /api/health` and the stream runner's status.
 * - `failure.ts`: the runner's failures file and `GET /api/failures`, one schema for both sides.
 * - `operator.ts`: operators' actions (re-apply, acknowledge) and the operator action log.
 * - `zod-config.ts`: no eval in the browser (the pages' CSP forbids it).
 */
import "./zod-config.ts";
export * from "./error.ts";
export * from "./api.ts";
export * from "./limits.ts";
export * from "./score.ts";
export * from "./period.ts";
export * from "./leaderboard.ts";
export * from "./stream.ts";
export * from "./health.ts";
export * from "./failure.ts";
export * from "./operator.ts";
