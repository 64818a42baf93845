/**
 * Next calls `register` once when a server instance starts: a wrong environment stops it there
 * with one message naming every bad variable, not at the first request that reads it.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { serverEnv } = await import("@streamboard/core/env");
  serverEnv();
}
