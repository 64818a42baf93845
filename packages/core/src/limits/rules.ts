import type { BucketRule } from "./buckets.ts";

/*
 * The limits, in the words of issue 12: a player's normal play — a submission a second, bursts of
 * 30 — passes; a flood is refused with 429 and `Retry-After`. Per client (its address) and per
 * name, so neither one client posting for many names nor many clients posting for one name
 * floods the board. Requests with the operator token (a trusted game server posting for all its
 * players, or uploading a player's offline games at once) are exempt from both.
 */
export const SCORES_PER_CLIENT: BucketRule = {
  name: "scores-client",
  capacity: 30,
  refillPerSecond: 1,
};

export const SCORES_PER_NAME: BucketRule = {
  name: "scores-name",
  capacity: 30,
  refillPerSecond: 1,
};

/**
 * Wrong operator tokens: at most 5 a minute per client; the fifth blocks the client for a minute,
 * and each lockout in a row doubles that (2, 4, 8 … 60 minutes) until it has been quiet for
 * 15 minutes. A right token forgives the client.
 */
export const LOGIN_FAILURES: BucketRule = {
  name: "login-client",
  capacity: 5,
  refillPerSecond: 5 / 60,
  lockout: { firstSeconds: 60, maxSeconds: 60 * 60, forgetSeconds: 15 * 60 },
};
