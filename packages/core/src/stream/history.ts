import type { _Record as StreamRecord } from "@aws-sdk/client-dynamodb-streams";
import { tableName } from "../infra/resource.ts";
import { describeShards, findLatestStream, parentsFirst, readShard } from "./reader.ts";

export interface StreamHistory {
  streamArn: string;
  /** Parents before their children; each shard's records in order. */
  shards: {
    shardId: string;
    parentShardId?: string;
    records: StreamRecord[];
    /** The shard is closed and read to its end (or left the stream): nothing more will come. */
    ended: boolean;
  }[];
}

export interface HistoryOptions {
  /** Shards not to read again (ended ones, say); they are left out of the history. */
  skip?: ReadonlySet<string>;
}

/**
 * Everything GameScoreRecords' latest stream holds now (up to 24 hours), or undefined when the
 * table has no stream. Open shards are read to their tip (`readShard`); a position trimmed away
 * since it was read restarts at what the shard still holds.
 */
export async function readStreamHistory(
  /** Shard id → the last sequence number already read: only what follows it is read. */
  after: ReadonlyMap<string, string> = new Map(),
  options: HistoryOptions = {},
): Promise<StreamHistory | undefined> {
  const latest = await findLatestStream(tableName("GameScoreRecords"));
  if (!latest) return undefined;
  const { streamArn } = latest;
  const history: StreamHistory = { streamArn, shards: [] };
  for (const shard of parentsFirst((await describeShards(streamArn)) ?? [])) {
    const shardId = shard.ShardId!;
    if (options.skip?.has(shardId)) continue;
    const last = after.get(shardId);
    const { records, ended } = await readShard(
      streamArn,
      shardId,
      last ? { after: last } : "TRIM_HORIZON",
    );
    history.shards.push({
      shardId,
      ...(shard.ParentShardId ? { parentShardId: shard.ParentShardId } : {}),
      records,
      ended,
    });
  }
  return history;
}
