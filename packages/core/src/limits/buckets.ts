import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "../infra/clients.ts";
import { isConditionalCheckFailed } from "../infra/aws-errors.ts";
import { tableName } from "../infra/resource.ts";

/*
 * Token buckets kept in DynamoDB (table RateLimits), so every web instance — every Lambda of the
 * OpenNext server function — shares them: a limit in one process's memory would multiply by the
 * number of instances, and Lambda starts as many as the load asks for.
 *
 * One item per (rule, subject): `Tokens` and the time `At` they were counted. A take reads the
 * item (strongly consistent), refills it for the time since `At`, and writes it back on the
 * condition that its `Version` is still the one it read: two instances taking at once (in the
 * same millisecond too) cannot both spend the same token; the loser reads again. A refused take writes nothing (a flood of refusals costs
 * reads, not writes). `ExpiresAt` is when the bucket would be full again: TTL then deletes an
 * idle bucket, which is the same as a full one.
 *
 * Why not a single `UpdateItem` with `ADD Tokens -1` and a condition: the refill (`min(capacity,
 * tokens + elapsed × rate)`) is arithmetic DynamoDB's expressions cannot do. Why not fixed
 * windows of counters: they let a client spend two windows' worth across a boundary, and a
 * bucket is what the limits are stated in (a submission a second, bursts of 30).
 *
 * Lockouts (`lockout` in a rule): when a take empties the bucket, it is also blocked for a time
 * that doubles with each lockout in a row (`Lockouts`); the count is forgotten once the subject
 * has taken nothing for `forgetSeconds` — the growing delay after repeated wrong logins.
 */

export interface BucketRule {
  /** Names the rule in the item key: `<name>#<subject>`. */
  name: string;
  /** The largest burst. */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
  /**
   * Block an emptied bucket for `firstSeconds`, doubling per lockout in a row up to `maxSeconds`;
   * lockouts are forgotten after `forgetSeconds` without a take.
   */
  lockout?: { firstSeconds: number; maxSeconds: number; forgetSeconds: number };
}

export type TakeResult =
  | { ok: true; remaining: number }
  | {
      ok: false;
      /** Whole seconds until a take can succeed: the `Retry-After` of a 429. */
      retryAfterSeconds: number;
    };

interface Stored {
  Tokens: number;
  At: number;
  Version: number;
  BlockedUntil?: number;
  Lockouts?: number;
}

const ATTEMPTS = 5;

const keyOf = (rule: BucketRule, subject: string) => `${rule.name}#${subject}`;

function refilled(rule: BucketRule, stored: Stored | undefined, now: number) {
  if (!stored) return { tokens: rule.capacity, lockouts: 0 };
  const tokens = Math.min(
    rule.capacity,
    stored.Tokens + (Math.max(0, now - stored.At) / 1000) * rule.refillPerSecond,
  );
  const quiet = rule.lockout && now - stored.At > rule.lockout.forgetSeconds * 1000;
  const lockouts = quiet ? 0 : (stored.Lockouts ?? 0);
  return { tokens, lockouts };
}

const secondsUntil = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** Takes `cost` tokens from the subject's bucket, or answers how long to wait. */
export async function take(
  rule: BucketRule,
  subject: string,
  { cost = 1, now = () => Date.now() }: { cost?: number; now?: () => number } = {},
): Promise<TakeResult> {
  const client = documentClient();
  const Key = { BucketKey: keyOf(rule, subject) };
  for (let attempt = 1; ; attempt++) {
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName("RateLimits"), Key, ConsistentRead: true }),
    );
    const stored = Item as Stored | undefined;
    const at = now();
    if (stored?.BlockedUntil !== undefined && stored.BlockedUntil > at) {
      return { ok: false, retryAfterSeconds: secondsUntil(stored.BlockedUntil - at) };
    }
    const { tokens, lockouts } = refilled(rule, stored, at);
    if (tokens < cost) {
      return {
        ok: false,
        retryAfterSeconds: secondsUntil(((cost - tokens) / rule.refillPerSecond) * 1000),
      };
    }
    const left = tokens - cost;
    let blockedUntil: number | undefined;
    let nextLockouts = lockouts;
    if (rule.lockout && left < 1) {
      const seconds = Math.min(rule.lockout.maxSeconds, rule.lockout.firstSeconds * 2 ** lockouts);
      blockedUntil = at + seconds * 1000;
      nextLockouts = lockouts + 1;
    }
    // Kept while it differs from a missing item: until full, unblocked and its lockouts forgotten.
    const fullAt = Math.max(
      blockedUntil ?? 0,
      at + ((rule.capacity - left) / rule.refillPerSecond) * 1000,
      nextLockouts && rule.lockout ? at + rule.lockout.forgetSeconds * 1000 : 0,
    );
    try {
      await client.send(
        new PutCommand({
          TableName: tableName("RateLimits"),
          Item: {
            ...Key,
            Tokens: left,
            At: at,
            Version: (stored?.Version ?? 0) + 1,
            ...(blockedUntil !== undefined ? { BlockedUntil: blockedUntil } : {}),
            ...(nextLockouts ? { Lockouts: nextLockouts } : {}),
            ExpiresAt: Math.ceil(fullAt / 1000) + 60,
          },
          ...(stored
            ? {
                ConditionExpression: "#version = :version",
                ExpressionAttributeNames: { "#version": "Version" },
                ExpressionAttributeValues: { ":version": stored.Version },
              }
            : {
                ConditionExpression: "attribute_not_exists(BucketKey)",
              }),
        }),
      );
      return { ok: true, remaining: Math.floor(left) };
    } catch (error) {
      // Another instance took from the bucket between the read and the write: read again.
      if (!isConditionalCheckFailed(error) || attempt >= ATTEMPTS) throw error;
    }
  }
}

/**
 * Whether a take of `cost` would succeed now, without taking: one eventually consistent read.
 * For checks that must come before the work they guard (a lockout must refuse a guess before it
 * is checked, or the answer tells a right guess from a wrong one).
 */
export async function peek(
  rule: BucketRule,
  subject: string,
  { cost = 1, now = Date.now() }: { cost?: number; now?: number } = {},
): Promise<TakeResult> {
  const { Item } = await documentClient().send(
    new GetCommand({
      TableName: tableName("RateLimits"),
      Key: { BucketKey: keyOf(rule, subject) },
    }),
  );
  const stored = Item as Stored | undefined;
  if (stored?.BlockedUntil !== undefined && stored.BlockedUntil > now) {
    return { ok: false, retryAfterSeconds: secondsUntil(stored.BlockedUntil - now) };
  }
  const { tokens } = refilled(rule, stored, now);
  if (tokens < cost) {
    return {
      ok: false,
      retryAfterSeconds: secondsUntil(((cost - tokens) / rule.refillPerSecond) * 1000),
    };
  }
  return { ok: true, remaining: Math.floor(tokens) };
}

/** Empties the subject's record for a rule: the bucket is full again, unblocked, forgiven. */
export async function reset(rule: BucketRule, subject: string): Promise<void> {
  await documentClient().send(
    new DeleteCommand({
      TableName: tableName("RateLimits"),
      Key: { BucketKey: keyOf(rule, subject) },
    }),
  );
}
