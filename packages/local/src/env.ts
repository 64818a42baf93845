import { EnvError, serverEnv, type ServerEnv } from "@streamboard/core/env";
import { z } from "zod";

/*
 * The environment of the local CLIs (`npm run dev`, `start`, `engine`, `replay`, `reconcile`),
 * validated in one place as core's `serverEnv()` is, with the same message: every bad variable
 * named at once (an `EnvError`, exit 2 from the CLI frame). Empty strings count as unset.
 */

const port = (allowZero: boolean) =>
  z
    .string()
    .regex(/^\d+$/, `must be a port number${allowZero ? " (or 0)" : ""}`)
    .transform(Number)
    .refine((n) => n <= 65535 && (allowZero || n > 0), {
      message: `must be a port number${allowZero ? " (or 0)" : ""}`,
    });

const LocalEnv = z.object({
  /** The web port of `npm run dev` (default 3000). */
  PORT: port(false).optional(),
  /** The embedded engine's port (default 8000; 0 = any free port). */
  DYNAMODB_PORT: port(true).optional(),
  /** Engine data and runner checkpoints (default `.data`). */
  DATA_DIR: z.string().min(1).optional(),
  /** Crash-test hook: the engine kills itself after this many writes of a transaction's apply. */
  STREAMBOARD_ENGINE_CRASH_AFTER_WRITES: z
    .string()
    .regex(/^\d+$/, "must be a whole number of writes")
    .transform(Number)
    .optional(),
});
export type LocalEnv = z.infer<typeof LocalEnv> & ServerEnv;

const KEYS = Object.keys(LocalEnv.shape) as (keyof z.infer<typeof LocalEnv>)[];

/**
 * The validated local environment (core's server variables included); throws an `EnvError`
 * naming every bad variable, core's and these alike.
 */
export function localEnv(source: Record<string, string | undefined> = process.env): LocalEnv {
  const raw = Object.fromEntries(KEYS.map((k) => [k, source[k] === "" ? undefined : source[k]]));
  const parsed = LocalEnv.safeParse(raw);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  let server: ServerEnv | undefined;
  try {
    server = serverEnv(source);
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    problems.unshift(...error.problems);
  }
  if (problems.length > 0 || !parsed.success || !server) throw new EnvError(problems);
  return { ...server, ...parsed.data };
}

/** This process's environment with `overrides` on top, for a child process. */
export function childEnv(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
