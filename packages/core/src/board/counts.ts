import { QueryCommand, type TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "../infra/clients.ts";
import { tableName } from "../infra/resource.ts";
import { bucketAbove, bucketsOf } from "./keys.ts";

/*
 * BoardCounts: how many players of each board shard have a total in each bucket (keys.ts says
 * which buckets and why). Written only by the aggregator (and reconcile), in the same
 * TransactWriteItems as the aggregates they count: one `ADD Count :delta` per (board, bucket) a
 * pack moves, coalesced, so the counts and the aggregates can never disagree. Read with three
 * small strongly consistent Queries per shard.
 */

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** Board → bucket → delta, the counts a set of aggregate writes moves. */
export type CountDeltas = Map<string, Map<string, number>>;

/** Adds one aggregate's deltas (on its board) into a pack's. */
export function mergeDeltas(into: CountDeltas, board: string, deltas: Map<string, number>): void {
  if (deltas.size === 0) return;
  let buckets = into.get(board);
  if (!buckets) into.set(board, (buckets = new Map<string, number>()));
  for (const [bucket, delta] of deltas) {
    const sum = (buckets.get(bucket) ?? 0) + delta;
    if (sum === 0) buckets.delete(bucket);
    else buckets.set(bucket, sum);
  }
}

/** How many count items a set of deltas writes. */
export const countItems = (deltas: CountDeltas) =>
  [...deltas.values()].reduce((n, buckets) => n + buckets.size, 0);

/** The transaction's count updates: one unconditional ADD per (board, bucket). */
export function countUpdates(deltas: CountDeltas): TransactItem[] {
  const items: TransactItem[] = [];
  for (const [board, buckets] of deltas) {
    for (const [bucket, delta] of buckets) {
      items.push({
        Update: {
          TableName: tableName("BoardCounts"),
          Key: { Board: board, Bucket: bucket },
          UpdateExpression: "ADD #count :delta",
          ExpressionAttributeNames: { "#count": "Count" },
          ExpressionAttributeValues: { ":delta": delta },
        },
      });
    }
  }
  return items;
}

async function queryBuckets(board: string, prefix: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient().send(
      new QueryCommand({
        TableName: tableName("BoardCounts"),
        KeyConditionExpression: "Board = :board AND begins_with(#bucket, :prefix)",
        ExpressionAttributeNames: { "#bucket": "Bucket" },
        ExpressionAttributeValues: { ":board": board, ":prefix": prefix },
        ConsistentRead: true,
        ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      if (typeof item.Bucket === "string" && typeof item.Count === "number" && item.Count > 0) {
        counts.set(item.Bucket, item.Count);
      }
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return counts;
}

/** How many players a board shard ranks: the sum of its coarsest buckets (≤ 17 items). */
export async function countPlayers(board: string): Promise<number> {
  let players = 0;
  for (const count of (await queryBuckets(board, "1#")).values()) players += count;
  return players;
}

/** What one shard's counts say about a total: players above its finest bucket, in it, in all. */
export interface ShardCounts {
  /** Players with a total in a bucket wholly above `total`'s finest bucket. */
  above: number;
  /** Players in `total`'s finest bucket (the player themselves included, if on this shard). */
  inBucket: number;
  players: number;
}

/**
 * Three Queries, in parallel: the digit-count buckets (≤ 17 items), the two-digit buckets of the
 * total's digit count (≤ 90), the three-digit ones of its two-digit bucket (≤ 10). Strongly
 * consistent, ~40-byte items: ≤ 2 read units each.
 */
export async function readShardCounts(board: string, total: number): Promise<ShardCounts> {
  const [coarse, middle, fine] = bucketsOf(total);
  const [level1, level2, level3] = await Promise.all([
    queryBuckets(board, "1#"),
    queryBuckets(board, `${middle.split("#").slice(0, 2).join("#")}#`),
    queryBuckets(board, `3#${middle.slice(2)}`),
  ]);
  let above = 0;
  let players = 0;
  for (const [bucket, count] of level1) {
    players += count;
    if (bucketAbove(bucket, coarse)) above += count;
  }
  for (const [bucket, count] of level2) if (bucketAbove(bucket, middle)) above += count;
  let inBucket = 0;
  for (const [bucket, count] of level3) {
    if (bucket === fine) inBucket = count;
    else if (bucketAbove(bucket, fine)) above += count;
  }
  return { above, inBucket, players };
}
