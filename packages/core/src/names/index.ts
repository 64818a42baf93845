/**
 * Names: who may submit under a player name. The first accepted score claims a name for its
 * device; another device gets `name_taken` until it brings the recovery key; an operator can
 * release a claim. `score/score.ts` writes each record in one transaction with its claim.
 */
export * from "./claims.ts";
