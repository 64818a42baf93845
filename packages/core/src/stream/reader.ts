import {
  type AttributeValue,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  type DynamoDBStreamsClient,
  type Shard,
  type _Record as StreamRecord,
} from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBRecord } from "aws-lambda";
import type { RawAttributeValue, RawItem } from "../contract/stream.ts";
import { dynamoStreams } from "../infra/clients.ts";
import { isAwsError } from "../infra/aws-errors.ts";

/*
 * The one way this project reads a DynamoDB stream through the Streams API: the runner, replay,
 * reconcile and the tests all go through here, so the rules below hold for each. The web tier
 * never does (it reads the stream log, `log-query.ts`; ESLint's `no-stream-reads-in-web` holds
 * it to that). The end of this file turns a Streams API record into the Lambda event record the
 * handlers get.
 */

export interface ReaderOptions {
  /** Default: `dynamoStreams()` (follows `DYNAMODB_ENDPOINT`). */
  client?: DynamoDBStreamsClient | undefined;
  /** Ends calls in flight (the runner stopping). */
  signal?: AbortSignal | undefined;
}

export interface TableStream {
  streamArn: string;
  /** The stream's creation time as DynamoDB labels it (ISO-8601 without zone). */
  label: string;
}

/** Where a shard is read from: its oldest record, its tip, or just after a known record. */
export type ShardStart = "TRIM_HORIZON" | "LATEST" | { after: string };

// GetRecords returns at most 1,000 records per call (a DynamoDB Streams limit).
export const MAX_GET_RECORDS = 1000;

const clientOf = (options: ReaderOptions) => options.client ?? dynamoStreams();
const sendOptions = (options: ReaderOptions) =>
  options.signal ? { abortSignal: options.signal } : {};

/**
 * Every stream the table has had that DynamoDB still lists (a recreated table keeps its old
 * streams for 24 hours). ListStreams pages by 100 at most, so one page can miss the current one.
 */
export async function listTableStreams(
  tableName: string,
  options: ReaderOptions = {},
): Promise<TableStream[]> {
  const streams: TableStream[] = [];
  let start: string | undefined;
  do {
    const page = await clientOf(options).send(
      new ListStreamsCommand({ TableName: tableName, ExclusiveStartStreamArn: start }),
      sendOptions(options),
    );
    for (const stream of page.Streams ?? []) {
      if (stream.StreamArn) {
        streams.push({ streamArn: stream.StreamArn, label: stream.StreamLabel ?? "" });
      }
    }
    start = page.LastEvaluatedStreamArn;
  } while (start);
  return streams;
}

/**
 * The table's current stream. Labels are creation timestamps, so the greatest is the latest
 * incarnation; the listing order is not specified, so the last entry is not necessarily it.
 */
export function latestOf(streams: readonly TableStream[]): TableStream | undefined {
  let latest: TableStream | undefined;
  for (const stream of streams) if (!latest || stream.label > latest.label) latest = stream;
  return latest;
}

/** The table's current stream, or undefined when it has none. */
export async function findLatestStream(
  tableName: string,
  options: ReaderOptions = {},
): Promise<TableStream | undefined> {
  return latestOf(await listTableStreams(tableName, options));
}

/**
 * All shards of a stream (DescribeStream pages by 100 at most), or undefined when the stream is
 * gone (its table was deleted more than 24 hours ago).
 */
export async function describeShards(
  streamArn: string,
  options: ReaderOptions = {},
): Promise<Shard[] | undefined> {
  const shards: Shard[] = [];
  let start: string | undefined;
  try {
    do {
      const { StreamDescription } = await clientOf(options).send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
        sendOptions(options),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
  } catch (error) {
    if (isAwsError(error, "ResourceNotFoundException")) return undefined;
    throw error;
  }
  return shards;
}

/**
 * Shards ordered so each comes after its parent: an item's changes continue from a parent into
 * its child, so reading in this order keeps them in order. A parent already trimmed from the
 * stream does not hold its child back.
 */
export function parentsFirst(shards: readonly Shard[]): Shard[] {
  const ids = new Set(shards.map((s) => s.ShardId));
  const placed = new Set<string | undefined>();
  const ordered: Shard[] = [];
  let rest = [...shards];
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

/**
 * An iterator for a shard, or undefined when the shard left the stream. A position past the
 * 24-hour trim falls back to TRIM_HORIZON (`trimmed`): what is left of the shard is all newer.
 */
export async function getShardIterator(
  streamArn: string,
  shardId: string,
  start: ShardStart,
  options: ReaderOptions = {},
): Promise<{ iterator: string; trimmed: boolean } | undefined> {
  const get = async (position: ShardStart) => {
    const { ShardIterator } = await clientOf(options).send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(typeof position === "string"
          ? { ShardIteratorType: position }
          : { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: position.after }),
      }),
      sendOptions(options),
    );
    return ShardIterator;
  };
  try {
    const iterator = await get(start);
    return iterator ? { iterator, trimmed: false } : undefined;
  } catch (error) {
    if (isAwsError(error, "ResourceNotFoundException")) return undefined;
    if (!isAwsError(error, "TrimmedDataAccessException")) throw error;
  }
  try {
    const iterator = await get("TRIM_HORIZON");
    return iterator ? { iterator, trimmed: true } : undefined;
  } catch (error) {
    if (isAwsError(error, "ResourceNotFoundException")) return undefined;
    throw error;
  }
}

export interface ShardPage {
  records: StreamRecord[];
  /** The shard is closed and read to its end: no NextShardIterator came back. */
  ended: boolean;
  /** The shard left the stream (trimmed 24 hours after it closed) before it was read out. */
  gone: boolean;
  /** The position was trimmed away; this page starts at TRIM_HORIZON, records were skipped. */
  trimmed: boolean;
  /** The iterator expired (15 minutes); this page continues after the last record read. */
  expired: boolean;
}

/**
 * A position in one shard that survives what happens to iterators: each `next` returns the page
 * after the last record it returned. An expired iterator (a long invocation, a suspended laptop)
 * is replaced by one AFTER_SEQUENCE_NUMBER of that record; a trimmed position restarts at
 * TRIM_HORIZON and says so. Other errors are thrown, with the position kept for the next call.
 */
export class ShardCursor {
  private iterator: string | undefined;
  private start: ShardStart;
  /** The last record returned; where a replacement iterator starts. */
  lastSequenceNumber: string | undefined;
  ended = false;
  gone = false;

  constructor(
    readonly streamArn: string,
    readonly shardId: string,
    start: ShardStart,
    private readonly options: ReaderOptions = {},
  ) {
    this.start = start;
  }

  async next(limit = MAX_GET_RECORDS): Promise<ShardPage> {
    const page: ShardPage = {
      records: [],
      ended: false,
      gone: false,
      trimmed: false,
      expired: false,
    };
    if (this.ended || this.gone) return { ...page, ended: this.ended, gone: this.gone };
    // Each recovery changes the position, so two are enough: expired, then trimmed (or back).
    for (let attempt = 0; attempt < 3; attempt++) {
      if (!this.iterator) {
        const position: ShardStart = this.lastSequenceNumber
          ? { after: this.lastSequenceNumber }
          : this.start;
        const got = await getShardIterator(this.streamArn, this.shardId, position, this.options);
        if (!got) {
          this.gone = true;
          return { ...page, gone: true };
        }
        if (got.trimmed) this.restartAtHorizon(page);
        this.iterator = got.iterator;
      }
      try {
        const response = await clientOf(this.options).send(
          new GetRecordsCommand({
            ShardIterator: this.iterator,
            Limit: Math.max(1, Math.min(MAX_GET_RECORDS, limit)),
          }),
          sendOptions(this.options),
        );
        page.records = response.Records ?? [];
        const last = page.records.at(-1)?.dynamodb?.SequenceNumber;
        if (last) this.lastSequenceNumber = last;
        this.iterator = response.NextShardIterator;
        if (!this.iterator) this.ended = true;
        return { ...page, ended: this.ended };
      } catch (error) {
        this.iterator = undefined;
        if (isAwsError(error, "ExpiredIteratorException")) page.expired = true;
        else if (isAwsError(error, "TrimmedDataAccessException")) {
          // The iterator's position was trimmed while it was held (or its shard was).
          this.restartAtHorizon(page);
        } else throw error;
      }
    }
    throw new Error(`${this.shardId}: no readable position after expiry and trim recoveries`);
  }

  private restartAtHorizon(page: ShardPage): void {
    page.trimmed = true;
    this.start = "TRIM_HORIZON";
    this.lastSequenceNumber = undefined;
  }
}

/**
 * One shard from `start` to its tip (or end), all records in order: pages until one comes back
 * empty or the shard ends. An empty page means the open shard's tip locally; AWS can answer empty
 * before the tip only for a shard with nothing new in it.
 */
export async function readShard(
  streamArn: string,
  shardId: string,
  start: ShardStart,
  options: ReaderOptions = {},
): Promise<{ records: StreamRecord[]; ended: boolean; trimmed: boolean }> {
  const cursor = new ShardCursor(streamArn, shardId, start, options);
  const records: StreamRecord[] = [];
  let trimmed = false;
  for (;;) {
    const page = await cursor.next();
    records.push(...page.records);
    trimmed ||= page.trimmed;
    if (page.records.length === 0 || page.ended || page.gone) {
      return { records, ended: page.ended || page.gone, trimmed };
    }
  }
}

// --- wire shapes ------------------------------------------------------------------------------

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

export function toRawAttributeValue(value: AttributeValue): RawAttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: true };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.L !== undefined) return { L: value.L.map(toRawAttributeValue) };
  if (value.M !== undefined) return { M: toRawItem(value.M) };
  throw new Error(`unknown attribute value type: ${Object.keys(value).join(",")}`);
}

export const toRawItem = (item: Record<string, AttributeValue>): RawItem =>
  Object.fromEntries(
    Object.entries(item).map(([name, value]) => [name, toRawAttributeValue(value)]),
  );

/**
 * A stream record as the SDK returns it → the record as Lambda hands it to a function. The SDK
 * turns the wire JSON into a `Date` and `Uint8Array`s; Lambda passes the wire JSON on, so
 * `ApproximateCreationDateTime` goes back to epoch seconds and binaries back to base64, and the
 * record gains `eventSourceARN` (the stream), as on AWS.
 */
export function toLambdaRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource ?? "aws:dynamodb",
    awsRegion: record.awsRegion,
    dynamodb: {
      ...(stream.ApproximateCreationDateTime
        ? { ApproximateCreationDateTime: stream.ApproximateCreationDateTime.getTime() / 1000 }
        : {}),
      ...(stream.Keys ? { Keys: toRawItem(stream.Keys) } : {}),
      ...(stream.NewImage ? { NewImage: toRawItem(stream.NewImage) } : {}),
      ...(stream.OldImage ? { OldImage: toRawItem(stream.OldImage) } : {}),
      SequenceNumber: stream.SequenceNumber,
      SizeBytes: stream.SizeBytes,
      StreamViewType: stream.StreamViewType,
    },
    eventSourceARN: streamArn,
    // Present on AWS only for deletions by TTL; Lambda lower-cases the member names.
    ...(record.userIdentity
      ? {
          userIdentity: {
            type: record.userIdentity.Type,
            principalId: record.userIdentity.PrincipalId,
          },
        }
      : {}),
  };
}
