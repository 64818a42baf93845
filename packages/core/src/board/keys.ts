/*
 * The board's keys, pure: where an aggregate sits on its period's board and in the rank counts.
 *
 * Order. A board reads best-first as the ByRank index's range key ascending:
 *
 *   RankKey = <16 digits: 10^16 − 1 − total> # <13 digits: epoch ms it reached that total> # <name>
 *
 * so a higher total sorts first, an equal total reached earlier sorts first, and the name settles
 * what is left (code units, as `compareStanding` in the contract does). Every RankKey is unique,
 * so a key is also a cursor, and a rank is exactly 1 + the number of keys below it.
 *
 * Shards. Every aggregate write of a period also writes that period's index partition; one
 * partition takes about 1,000 writes a second. So the index's hash key is `Board` =
 * `<period>#<shard>`, the shard a hash of the player's name mod `BOARD_SHARDS` (1 by default:
 * `ALL#0`). Reads gather from every shard and merge by RankKey. Changing BOARD_SHARDS moves
 * players between shards: run `npm run reconcile -- --fix` after (it rewrites each aggregate's
 * Board and rebuilds the counts).
 *
 * Counts. Counting the keys below a player on the index reads every one of them (the cost grows
 * with the rank). Instead the aggregator keeps, in the same transaction as each aggregate, how
 * many players of each board shard have a total in each bucket, at three levels of a total's
 * decimal form: its number of digits, its first two and its first three digits (`bucketsOf`).
 * A rank is then the sum of at most 17 + 90 + 10 small count items above the player's own
 * three-digit bucket, plus a COUNT of the index keys in that bucket ahead of theirs: a bucket
 * spans 0.1–1% of a total's value, so it holds few players unless very many share nearly one
 * total (then the rank is estimated: ../leaderboard/rank.ts).
 */

export const TOTAL_DIGITS = 16;
const TOTAL_CEILING = 10n ** BigInt(TOTAL_DIGITS) - 1n;
const TIME_DIGITS = 13;

/** The range key of an aggregate on its board (see above). */
export function rankKeyOf(
  total: number,
  reachedAt: string | undefined,
  playerName: string,
): string {
  return `${totalPrefix(total)}${timePart(reachedAt)}#${playerName}`;
}

/** Every RankKey of a total starts with this (total descending). */
export function totalPrefix(total: number): string {
  const t = BigInt(Math.max(0, Math.trunc(total)));
  return `${(TOTAL_CEILING - (t > TOTAL_CEILING ? TOTAL_CEILING : t)).toString().padStart(TOTAL_DIGITS, "0")}#`;
}

function timePart(reachedAt: string | undefined): string {
  const ms = reachedAt ? Date.parse(reachedAt) : Number.NaN;
  // Unknown: after every known time, as the contract ranks it.
  return (Number.isNaN(ms) ? "9".repeat(TIME_DIGITS) : String(Math.max(0, ms))).padStart(
    TIME_DIGITS,
    "0",
  );
}

/** The total a RankKey encodes. */
export function totalOfRankKey(rankKey: string): number {
  return Number(TOTAL_CEILING - BigInt(rankKey.slice(0, TOTAL_DIGITS)));
}

/** FNV-1a of the name's UTF-16 units: a stable, even spread of players over shards. */
export function shardOf(playerName: string, shards: number): number {
  if (shards <= 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < playerName.length; i++) {
    hash ^= playerName.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/** The index partition (and counts partition) of a period's shard. */
export const boardName = (period: string, shard: number) => `${period}#${shard}`;

export const boardOf = (period: string, playerName: string, shards: number) =>
  boardName(period, shardOf(playerName, shards));

/** Every shard of a period's board. */
export const boardsOf = (period: string, shards: number) =>
  Array.from({ length: Math.max(1, shards) }, (_, shard) => boardName(period, shard));

/** The three count buckets of a total, coarse to fine: `1#dd`, `2#dd#ab`, `3#dd#abc`. */
export function bucketsOf(total: number): [string, string, string] {
  const digits = String(Math.max(0, Math.trunc(total)));
  const d = String(digits.length).padStart(2, "0");
  return [`1#${d}`, `2#${d}#${digits.slice(0, 2)}`, `3#${d}#${digits.slice(0, 3)}`];
}

/**
 * Whether bucket `other` (same level as `mine`) holds only totals above every total of `mine`.
 * Same number of digits compare as strings; more digits is more.
 */
export function bucketAbove(other: string, mine: string): boolean {
  const [, od = "", op = ""] = other.split("#");
  const [, md = "", mp = ""] = mine.split("#");
  if (od !== md) return Number(od) > Number(md);
  return op > mp;
}

/**
 * The lowest and highest totals of a total's finest bucket (its first three digits), as
 * RankKey bounds: keys of that bucket lie in [from, to).
 */
export function fineBucketRange(total: number): { from: string; to: string } {
  const digits = String(Math.max(0, Math.trunc(total)));
  if (digits.length <= 3) {
    // Short totals: the bucket is the total itself.
    const prefix = totalPrefix(Number(digits));
    return { from: prefix, to: `${prefix}~` };
  }
  const scale = 10 ** (digits.length - 3);
  const lowest = Number(digits.slice(0, 3)) * scale;
  const highest = lowest + scale - 1;
  return { from: totalPrefix(highest), to: `${totalPrefix(lowest)}~` };
}

/** What one aggregate's write does to the counts: bucket → +1/−1, net of no change. */
export function countDeltas(
  before: number | undefined,
  after: number | undefined,
): Map<string, number> {
  const deltas = new Map<string, number>();
  const add = (total: number | undefined, by: number) => {
    if (total === undefined) return;
    for (const bucket of bucketsOf(total)) deltas.set(bucket, (deltas.get(bucket) ?? 0) + by);
  };
  add(before, -1);
  add(after, +1);
  for (const [bucket, delta] of deltas) if (delta === 0) deltas.delete(bucket);
  return deltas;
}
