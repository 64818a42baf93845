/**
 * Next calls `register` once when a server instance starts: a wrong environment stops it there
 * with one message naming every bad variable, not at the first request that reads it. It also
 * answers TRACE itself (app/_lib/fetch-forbidden-methods.ts): Next.js cannot, and gave 500.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { serverEnv } = await import("@streamboard/core/env");
  serverEnv();
  const [{ Server }, { installForbiddenMethodGuard }] = await Promise.all([
    import("node:http"),
    import("./app/_lib/fetch-forbidden-methods"),
  ]);
  installForbiddenMethodGuard(Server);
}
