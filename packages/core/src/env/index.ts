/**
 * Env: the validated environment, split by who may read it.
 *
 * - `server.ts`: what handlers, routes, the runner and CLIs read (`serverEnv()`); an `EnvError`
 *   at start-up names every variable that is wrong.
 * - `client.ts`: what browser code may read (`NEXT_PUBLIC_*` only).
 */
export * from "./server.ts";
export * from "./client.ts";
