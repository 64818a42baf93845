import { z } from "zod";

/**
 * The environment the server side reads (web routes, Lambda handlers, the local runner and
 * CLIs), validated in one place instead of raw `process.env` reads scattered through modules.
 *
 * Read at each call rather than once at import: tests and the dev stack start an engine and then
 * point the process at it (`DYNAMODB_ENDPOINT`), after modules are loaded. Parsing is cached per
 * distinct set of values, so the hot path pays a string join, not a zod parse.
 */
const ServerEnv = z.object({
  /** The embedded engine (or another DynamoDB-compatible endpoint); unset on AWS. */
  DYNAMODB_ENDPOINT: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL such as http://127.0.0.1:8000" })
    .optional(),
  AWS_REGION: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "must be a region name such as eu-west-1")
    .default("us-east-1"),
  /** The operator's bearer token; unset means nobody can sign in as operator. */
  OPERATOR_TOKEN: z.string().min(1).optional(),
  /**
   * Write shards of each period's board index (board/keys.ts): 1 until one partition's write
   * limit (~1,000 writes/s) is near. Changing it needs `npm run reconcile -- --fix`.
   */
  BOARD_SHARDS: z.coerce
    .number({ error: "must be a whole number from 1 to 64" })
    .int({ error: "must be a whole number from 1 to 64" })
    .min(1, { error: "must be a whole number from 1 to 64" })
    .max(64, { error: "must be a whole number from 1 to 64" })
    .default(1),
  /**
   * Which `X-Forwarded-For` entry, counted from the right, is the client's address for per-client
   * limits (core/limits/client.ts): 1 behind one proxy that appends (CloudFront).
   */
  CLIENT_IP_HOPS: z.coerce
    .number({ error: "must be a whole number from 1 to 10" })
    .int({ error: "must be a whole number from 1 to 10" })
    .min(1, { error: "must be a whole number from 1 to 10" })
    .max(10, { error: "must be a whole number from 1 to 10" })
    .default(1),
  /** Locally: the runner's status file, for `GET /api/health`. */
  STREAMBOARD_RUNNER_STATUS: z.string().min(1).optional(),
  /** Locally: the runner's directory holding `failures.jsonl`, for `GET /api/failures`. */
  STREAMBOARD_FAILURES_DIR: z.string().min(1).optional(),
});
export type ServerEnv = z.infer<typeof ServerEnv>;

const KEYS = Object.keys(ServerEnv.shape) as (keyof ServerEnv)[];

/** The environment is wrong: one message naming every variable and what is wrong with it. */
export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

let cached: { key: string; env: ServerEnv } | undefined;

/** The validated server environment; throws an `EnvError` naming every bad variable. */
export function serverEnv(source: Record<string, string | undefined> = process.env): ServerEnv {
  // Empty strings count as unset, as shells and `.env` files produce them for "nothing".
  const raw = Object.fromEntries(KEYS.map((k) => [k, source[k] === "" ? undefined : source[k]]));
  const key = KEYS.map((k) => raw[k] ?? "\u0000").join("\u0001");
  if (source === process.env && cached?.key === key) return cached.env;
  const parsed = ServerEnv.safeParse(raw);
  if (!parsed.success) {
    throw new EnvError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  if (source === process.env) cached = { key, env: parsed.data };
  return parsed.data;
}
