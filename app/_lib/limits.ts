import "server-only";
import { VisibleError } from "@streamboard/core/contract";
import {
  SCORES_PER_CLIENT,
  SCORES_PER_NAME,
  clientAddress,
  take,
  type BucketRule,
} from "@streamboard/core/limits";

/** The client a request comes from, for per-client limits (core/limits/client.ts says how). */
export const clientOf = (request: Request) => clientAddress(request.headers.get("x-forwarded-for"));

/** A 429 `too_many_requests` whose answer carries `Retry-After` (app/_lib/api.ts sets it). */
export class TooManyRequests extends VisibleError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super("too_many_requests", `${message} Try again in ${retryAfterSeconds} s.`);
  }
}

/** Takes a token from the subject's bucket, or throws a 429 with the wait. */
export async function limit(rule: BucketRule, subject: string, message: string): Promise<void> {
  const result = await take(rule, subject);
  if (!result.ok) throw new TooManyRequests(message, result.retryAfterSeconds);
}

/**
 * The score limits of POST /api/scores and the no-JS form (core/limits/rules.ts): per client and
 * per name. The operator token (a trusted game server posting for all its players, an upload of
 * a player's offline games included) is exempt from both. `nameKey` is the name as names compare.
 */
export async function limitScores(
  request: Request,
  nameKey: string | undefined,
  { operator }: { operator: boolean },
): Promise<void> {
  if (operator) return;
  await limit(SCORES_PER_CLIENT, clientOf(request), "Too many scores from this device.");
  if (nameKey) await limit(SCORES_PER_NAME, nameKey, "Too many scores for this player.");
}
