// THE OLD CODE, for comparison only: the inspector's read path before issue 10 (commit d067912,
// `packages/core/src/stream/inspector.ts`, `readStream`), which read DynamoDB Streams from the
// web tier. Copied here unchanged except for its name and its result (the raw records, not
// converted), so `npm run bench -- inspector` can time it beside the stream log on the same
// machine and engine. Nothing in the app uses it; the web tier may not (no-stream-reads-in-web).
import type { Shard, _Record as StreamRecord } from "@aws-sdk/client-dynamodb-streams";
import { clampLimit, VisibleError } from "@streamboard/core/contract";
import { isAwsError, tableName } from "@streamboard/core/infra";
import {
  describeShards,
  findLatestStream,
  MAX_GET_RECORDS,
  ShardCursor,
} from "@streamboard/core/stream";
import { z } from "zod";

export interface OldStreamRecord {
  shardId: string;
  record: StreamRecord;
}

// --- cursor: where each shard was read up to, opaque to clients -------------------------------

const SEQUENCE = z.string().regex(/^\d{1,40}$/);
const Cursor = z.object({
  v: z.literal(1),
  /** The stream the positions belong to; a table recreated since has a new stream. */
  s: z.string(),
  /** shardId → last sequence number read (or the end of a closed shard skipped as too old). */
  p: z.record(z.string(), SEQUENCE),
});
type Cursor = z.infer<typeof Cursor>;

const encodeCursor = (cursor: Cursor) =>
  Buffer.from(JSON.stringify(cursor), "utf8").toString("base64url");

function decodeCursor(raw: string): Cursor {
  try {
    return Cursor.parse(JSON.parse(Buffer.from(raw, "base64url").toString("utf8")));
  } catch {
    throw new VisibleError("bad_request", "cursor is not one this endpoint returned");
  }
}

// --- reading -------------------------------------------------------------------------------

/**
 * Records of GameScoreRecords' latest stream. Without a cursor: the newest `limit` records now in
 * the stream; with one: the next `limit` records after it. Oldest first either way, and the
 * returned cursor continues where these end.
 */
export async function oldReadStream(
  q: { cursor?: string; limit?: number } = {},
): Promise<{ records: OldStreamRecord[]; cursor: string }> {
  const limit = clampLimit(q.limit, "stream");
  const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
  const streamArn = (await findLatestStream(tableName("GameScoreRecords")))?.streamArn;
  if (!streamArn) return { records: [], cursor: encodeCursor({ v: 1, s: "", p: {} }) };
  const shards = (await describeShards(streamArn)) ?? [];
  const read = cursor
    ? await readAfter(streamArn, shards, cursor.s === streamArn ? cursor.p : {}, limit)
    : await readNewest(streamArn, shards, limit);
  return {
    records: read.records.map(({ shardId, record }) => ({ shardId, record })),
    cursor: encodeCursor({ v: 1, s: streamArn, p: read.positions }),
  };
}

interface ShardRecord {
  shardId: string;
  record: StreamRecord;
  seq: bigint;
}

const bySeq = (a: ShardRecord, b: ShardRecord) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0);

/**
 * Reads one shard after `after` (or from its oldest record), up to `max` records, keeping only the
 * newest `keep`. An empty page ends the read: DynamoDB Streams has no gaps before the open end.
 */
async function readShardTail(
  streamArn: string,
  shardId: string,
  opts: { after?: string | undefined; max: number; keep: number },
): Promise<{ records: ShardRecord[]; lastSeq?: string }> {
  let records: ShardRecord[] = [];
  let lastSeq: string | undefined;
  let total = 0;
  const cursor = new ShardCursor(
    streamArn,
    shardId,
    opts.after === undefined ? "TRIM_HORIZON" : { after: opts.after },
  );
  try {
    while (total < opts.max) {
      const page = await cursor.next(Math.min(MAX_GET_RECORDS, opts.max - total));
      if (page.records.length === 0) break;
      total += page.records.length;
      for (const record of page.records) {
        const seq = record.dynamodb?.SequenceNumber;
        if (!seq) continue;
        records.push({ shardId, record, seq: BigInt(seq) });
        lastSeq = seq;
      }
      if (records.length > opts.keep) records = records.slice(-opts.keep);
      if (page.ended) break;
    }
  } catch (error) {
    // A sequence number outside the shard: the cursor was made up, or belongs to another table.
    if (isAwsError(error, "ValidationException")) {
      throw new VisibleError("bad_request", "cursor does not match the stream");
    }
    throw error;
  }
  return { records, ...(lastSeq ? { lastSeq } : {}) };
}

/** The next `limit` records after the cursor's positions; shards it does not name are new. */
async function readAfter(
  streamArn: string,
  shards: Shard[],
  positions: Record<string, string>,
  limit: number,
): Promise<{ records: ShardRecord[]; positions: Record<string, string> }> {
  const next: Record<string, string> = {};
  const collected: ShardRecord[] = [];
  for (const shard of shards) {
    const shardId = shard.ShardId;
    if (!shardId) continue;
    const position = positions[shardId];
    if (position !== undefined) next[shardId] = position;
    const ending = shard.SequenceNumberRange?.EndingSequenceNumber;
    if (position !== undefined && ending !== undefined && BigInt(position) >= BigInt(ending)) {
      continue; // a closed shard already read to its end
    }
    // Only a shard's oldest `limit` unread records can be among the oldest `limit` overall.
    const { records } = await readShardTail(streamArn, shardId, {
      after: position,
      max: limit,
      keep: limit,
    });
    collected.push(...records);
  }
  const records = collected.sort(bySeq).slice(0, limit);
  for (const { shardId, record } of records) next[shardId] = record.dynamodb!.SequenceNumber!;
  return { records, positions: next };
}

/**
 * The newest `limit` records. A shard cannot be read backwards, so each is read to its end,
 * newest shard first; a closed shard that ends below the `limit`-th newest record found so far
 * cannot contribute and is not read at all.
 */
async function readNewest(
  streamArn: string,
  shards: Shard[],
  limit: number,
): Promise<{ records: ShardRecord[]; positions: Record<string, string> }> {
  const positions: Record<string, string> = {};
  let collected: ShardRecord[] = [];
  const startOf = (shard: Shard) => BigInt(shard.SequenceNumberRange?.StartingSequenceNumber ?? 0);
  const newestFirst = [...shards].sort((a, b) =>
    startOf(a) < startOf(b) ? 1 : startOf(a) > startOf(b) ? -1 : 0,
  );
  for (const shard of newestFirst) {
    const shardId = shard.ShardId;
    if (!shardId) continue;
    const ending = shard.SequenceNumberRange?.EndingSequenceNumber;
    const floor = collected.length >= limit ? collected[collected.length - limit]?.seq : undefined;
    if (ending !== undefined && floor !== undefined && BigInt(ending) < floor) {
      positions[shardId] = ending;
      continue;
    }
    const { records, lastSeq } = await readShardTail(streamArn, shardId, {
      max: Number.POSITIVE_INFINITY,
      keep: limit,
    });
    if (lastSeq) positions[shardId] = lastSeq;
    collected = [...collected, ...records].sort(bySeq).slice(-limit);
  }
  return { records: collected, positions };
}
