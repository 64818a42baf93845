import net from "node:net";
import { dynamo } from "@streamboard/core/infra";
import { localResourceEnvironment } from "@streamboard/core/infra";
import { ensureTables } from "./bootstrap.ts";
import { startLocalEngine, type LocalEngine, type LocalEngineOptions } from "./engine/index.ts";

/**
 * For integration tests: an in-memory engine on a free port, this process pointed at it
 * (`DYNAMODB_ENDPOINT`, `SST_RESOURCE_*`), and the project's tables created.
 */
export async function startTestEngine(
  options: Partial<LocalEngineOptions> = {},
): Promise<LocalEngine> {
  const engine = await startLocalEngine({ port: 0, inMemory: true, ...options });
  Object.assign(process.env, localResourceEnvironment(), { DYNAMODB_ENDPOINT: engine.endpoint });
  await ensureTables(dynamo());
  return engine;
}

/** An Io for the operator commands that keeps what they write, for assertions. */
export function capture() {
  let out = "";
  let err = "";
  return {
    io: { out: { write: (t: string) => (out += t) }, err: { write: (t: string) => (err += t) } },
    out: () => out,
    err: () => err,
  };
}

/** A loopback port free at the moment of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves once `condition` holds, checking after each turn of the event loop (setImmediate,
 * which fake timers leave alone); a test waits for what it needs instead of a guessed time.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, what = "the condition" }: { timeoutMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * The seed of a randomised test: fixed by default so a run can be repeated, another from the
 * environment variable to explore, and printed either way so a failure can be replayed.
 */
export function testSeed(variable: string, fallback: number): number {
  const raw = process.env[variable];
  const seed = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isSafeInteger(seed)) throw new Error(`${variable} must be an integer, got "${raw}"`);
  console.log(`[seed] ${variable}=${seed} (set ${variable} for another run)`);
  return seed;
}
