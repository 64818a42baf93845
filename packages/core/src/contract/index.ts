/**
 * Contract: the shapes that cross a boundary (HTTP, forms, stream images), as zod schemas with
 * their types derived. Nothing here touches AWS, so browser code may import it.
 *
 * - `score.ts`: a score as submitted (`ScoreInput`), patched (`ScorePatch`), stored and shown.
 * - `error.ts`: the one visible error type, its codes and their HTTP statuses.
 * - `limits.ts`: how a `limit` parameter is read.
 */
export * from "./error.ts";
export * from "./score.ts";
export * from "./limits.ts";
export * from "./failure.ts";
