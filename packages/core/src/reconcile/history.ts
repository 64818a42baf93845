import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  type Shard,
  type _Record as StreamRecord,
} from "@aws-sdk/client-dynamodb-streams";
import { dynamoStreams } from "../infra/clients.ts";
import { tableName } from "../infra/resource.ts";

// --- the stream -------------------------------------------------------------------------------

export interface StreamHistory {
  streamArn: string;
  /** Parents before their children; each shard's records in order. */
  shards: { shardId: string; parentShardId?: string; records: StreamRecord[] }[];
}

/**
 * Everything GameScoreRecords' latest stream holds now (up to 24 hours), or undefined when the
 * table has no stream. Open shards are read until a read comes back empty, which locally means
 * their tip; AWS can answer empty before the tip only for a shard with nothing new in it.
 */
export async function readStreamHistory(
  /** Shard id → the last sequence number already read: only what follows it is read. */
  after: ReadonlyMap<string, string> = new Map(),
): Promise<StreamHistory | undefined> {
  const streams = dynamoStreams();
  const { Streams = [] } = await streams.send(
    new ListStreamsCommand({ TableName: tableName("GameScoreRecords") }),
  );
  if (Streams.length === 0) return undefined;
  // Labels are creation timestamps: the greatest is the table's current stream.
  const streamArn = Streams.reduce((a, b) =>
    (a.StreamLabel ?? "") >= (b.StreamLabel ?? "") ? a : b,
  ).StreamArn!;
  const shards: Shard[] = [];
  let start: string | undefined;
  do {
    const { StreamDescription } = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
    );
    shards.push(...(StreamDescription?.Shards ?? []));
    start = StreamDescription?.LastEvaluatedShardId;
  } while (start);

  const history: StreamHistory = { streamArn, shards: [] };
  for (const shard of parentsFirst(shards)) {
    const records: StreamRecord[] = [];
    const last = after.get(shard.ShardId!);
    let { ShardIterator: iterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.ShardId!,
        ...(last
          ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: last }
          : { ShardIteratorType: "TRIM_HORIZON" }),
      }),
    );
    while (iterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      records.push(...(page.Records ?? []));
      if (!page.Records?.length) break;
      iterator = page.NextShardIterator;
    }
    history.shards.push({
      shardId: shard.ShardId!,
      ...(shard.ParentShardId ? { parentShardId: shard.ParentShardId } : {}),
      records,
    });
  }
  return history;
}

function parentsFirst(shards: Shard[]): Shard[] {
  const ids = new Set(shards.map((s) => s.ShardId));
  const placed = new Set<string | undefined>();
  const ordered: Shard[] = [];
  let rest = shards;
  while (rest.length > 0) {
    const ready = rest.filter(
      (s) => !s.ParentShardId || !ids.has(s.ParentShardId) || placed.has(s.ParentShardId),
    );
    // A cycle cannot happen on a real stream; do not loop forever if one does.
    const batch = ready.length > 0 ? ready : rest;
    for (const shard of batch) {
      ordered.push(shard);
      placed.add(shard.ShardId);
    }
    rest = rest.filter((s) => !batch.includes(s));
  }
  return ordered;
}
