import {
  expiredIterator,
  resourceNotFound,
  trimmedDataAccess,
  unknownOperation,
  validationError,
} from "./aws-error.ts";
import {
  formatSequence,
  openShard,
  type ShardState,
  type StreamState,
  type StreamStore,
  type WireRecord,
} from "./stream-store.ts";
import { tableNameOf } from "./table-catalog.ts";

export const ITERATOR_TTL_MS = 15 * 60 * 1000;
const MAX_RECORDS = 1000;
// GetRecords returns at most 1 MB of records, like AWS.
const MAX_RESPONSE_BYTES = 1024 * 1024;
const ITERATOR_TYPES = ["TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"];
const SHARD_FILTER_TYPES = ["CHILD_SHARDS"];
/** `<table ARN>/stream/<label>`: anything else is not a stream ARN at all (ValidationException). */
const STREAM_ARN =
  /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}\/stream\/\S+$/;

type Input = Record<string, unknown>;

/** The DynamoDB Streams API (DynamoDBStreams_20120810) served from a StreamStore. */
export class StreamsApi {
  private lastTrimMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly store: StreamStore) {}

  handle(operation: string, input: Input): object {
    // The trim is lazy: whenever the stream is read, at most once a second.
    const now = this.store.now();
    if (now - this.lastTrimMs >= 1000) {
      this.lastTrimMs = now;
      this.store.trim();
    }
    switch (operation) {
      case "ListStreams":
        return this.listStreams(input);
      case "DescribeStream":
        return this.describeStream(input);
      case "GetShardIterator":
        return this.getShardIterator(input);
      case "GetRecords":
        return this.getRecords(input);
      default:
        throw unknownOperation(`Unknown operation: ${operation}`);
    }
  }

  private listStreams(input: Input): object {
    const nameOrArn = optionalString(input, "TableName");
    const tableName = nameOrArn && tableNameOf(nameOrArn);
    const limit = optionalLimit(input, 100);
    const exclusiveStart = optionalString(input, "ExclusiveStartStreamArn");
    let streams = this.store.list().filter((s) => !tableName || s.tableName === tableName);
    if (exclusiveStart) {
      const index = streams.findIndex((s) => s.arn === exclusiveStart);
      if (index < 0)
        throw resourceNotFound(`Requested resource not found: Stream: ${exclusiveStart} not found`);
      streams = streams.slice(index + 1);
    }
    const page = streams.slice(0, limit);
    return {
      Streams: page.map((s) => ({
        StreamArn: s.arn,
        TableName: s.tableName,
        StreamLabel: s.label,
      })),
      ...(streams.length > page.length ? { LastEvaluatedStreamArn: page.at(-1)!.arn } : {}),
    };
  }

  private describeStream(input: Input): object {
    const stream = this.stream(requiredString(input, "StreamArn"));
    const limit = optionalLimit(input, 100);
    const exclusiveStart = optionalString(input, "ExclusiveStartShardId");
    const childrenOf = shardFilterParent(input.ShardFilter);
    let shards = stream.shards;
    if (childrenOf !== undefined) shards = shards.filter((s) => s.parentShardId === childrenOf);
    if (exclusiveStart) {
      // A shard ID the stream does not hold starts past every shard, as on AWS.
      const index = shards.findIndex((s) => s.shardId === exclusiveStart);
      shards = index < 0 ? [] : shards.slice(index + 1);
    }
    const page = shards.slice(0, limit);
    return {
      StreamDescription: {
        StreamArn: stream.arn,
        StreamLabel: stream.label,
        StreamStatus: stream.status,
        StreamViewType: stream.viewType,
        CreationRequestDateTime: stream.createdAtMs / 1000,
        TableName: stream.tableName,
        KeySchema: stream.keySchema,
        Shards: page.map((shard) => ({
          ShardId: shard.shardId,
          ...(shard.parentShardId ? { ParentShardId: shard.parentShardId } : {}),
          SequenceNumberRange: {
            StartingSequenceNumber: formatSequence(shard.startingSequenceNumber),
            ...(shard.endingSequenceNumber !== undefined
              ? { EndingSequenceNumber: formatSequence(shard.endingSequenceNumber) }
              : {}),
          },
        })),
        ...(shards.length > page.length ? { LastEvaluatedShardId: page.at(-1)!.shardId } : {}),
      },
    };
  }

  private getShardIterator(input: Input): object {
    const streamArn = requiredString(input, "StreamArn");
    const shardId = requiredString(input, "ShardId");
    const type = requiredString(input, "ShardIteratorType");
    if (!ITERATOR_TYPES.includes(type)) {
      throw validationError(
        `1 validation error detected: Value '${type}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [${ITERATOR_TYPES.join(", ")}]`,
      );
    }
    const stream = this.stream(streamArn);
    const shard = this.shard(stream, shardId);
    const sequenceNumber = optionalString(input, "SequenceNumber");
    const lastInShard = shard.entries.at(-1)?.seq ?? shard.startingSequenceNumber - 1n;
    let after: bigint;

    if (type === "TRIM_HORIZON" || type === "LATEST") {
      if (sequenceNumber !== undefined) {
        throw validationError(`Sequence number must not be provided for ShardIteratorType ${type}`);
      }
      after = type === "LATEST" ? lastInShard : horizonOf(shard);
    } else {
      if (sequenceNumber === undefined) {
        throw validationError(`Sequence number must be provided for ShardIteratorType ${type}`);
      }
      if (!/^\d{1,40}$/.test(sequenceNumber)) {
        throw validationError(`Invalid SequenceNumber: ${sequenceNumber}`);
      }
      const seq = BigInt(sequenceNumber);
      // Before this shard and already trimmed: its own shard has aged out of the stream.
      const trimmed =
        seq <= shard.trimmedThrough ||
        (seq < shard.startingSequenceNumber && seq <= stream.trimmedThrough);
      if (trimmed) {
        throw trimmedDataAccess(
          `Attempted to access data older than the trim point for shard ${shardId} (sequence number ${sequenceNumber})`,
        );
      }
      const end = shard.endingSequenceNumber ?? stream.lastSequence;
      if (seq < shard.startingSequenceNumber || seq > end) {
        throw validationError(
          `Invalid SequenceNumber ${sequenceNumber} for shard ${shardId}: outside the shard's range`,
        );
      }
      after = type === "AT_SEQUENCE_NUMBER" ? seq - 1n : seq;
    }
    return { ShardIterator: encodeIterator(stream.arn, shard.shardId, after, this.store.now()) };
  }

  private getRecords(input: Input): object {
    const raw = requiredString(input, "ShardIterator");
    const limit = optionalLimit(input, MAX_RECORDS);
    const iterator = decodeIterator(raw);
    const stream = this.stream(iterator.streamArn);
    const shard = stream.shards.find((s) => s.shardId === iterator.shardId);
    if (!shard) {
      throw trimmedDataAccess(`Shard ${iterator.shardId} has been trimmed from the stream`);
    }
    if (this.store.now() - iterator.issuedAtMs > ITERATOR_TTL_MS) {
      throw expiredIterator("Iterator expired. The iterator was created more than 15 minutes ago.");
    }
    if (iterator.after < shard.trimmedThrough) {
      throw trimmedDataAccess(
        `Attempted to access data older than the trim point for shard ${shard.shardId}`,
      );
    }

    const records: WireRecord[] = [];
    let bytes = 0;
    let after = iterator.after;
    for (let i = firstAfter(shard, iterator.after); i < shard.entries.length; i++) {
      const entry = shard.entries[i]!;
      const size = entry.record.dynamodb.SizeBytes;
      if (records.length >= limit || (records.length > 0 && bytes + size > MAX_RESPONSE_BYTES))
        break;
      records.push(entry.record);
      bytes += size;
      after = entry.seq;
    }

    // A closed shard read to its end has no next iterator: the reader moves to the child shard.
    const exhausted =
      shard !== openShard(stream) &&
      (shard.entries.length === 0 || after >= shard.entries.at(-1)!.seq);
    return {
      Records: records,
      ...(exhausted
        ? {}
        : {
            NextShardIterator: encodeIterator(stream.arn, shard.shardId, after, this.store.now()),
          }),
    };
  }

  private stream(arn: string): StreamState {
    if (!STREAM_ARN.test(arn)) throw validationError("Invalid StreamArn");
    const stream = this.store.get(arn);
    if (!stream) throw resourceNotFound(`Requested resource not found: Stream: ${arn} not found`);
    return stream;
  }

  private shard(stream: StreamState, shardId: string): ShardState {
    const shard = stream.shards.find((s) => s.shardId === shardId);
    if (!shard) {
      throw resourceNotFound(
        `Requested resource not found: Shard does not exist: ${shardId} in stream ${stream.arn}`,
      );
    }
    return shard;
  }
}

/** `ShardFilter: {Type: "CHILD_SHARDS", ShardId}` → that shard's ID; no filter → undefined. */
function shardFilterParent(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw validationError("ShardFilter must be an object");
  }
  const filter = value as Input;
  const type = filter.Type;
  if (typeof type !== "string" || !SHARD_FILTER_TYPES.includes(type)) {
    throw validationError(
      `1 validation error detected: Value '${String(type)}' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set: [${SHARD_FILTER_TYPES.join(", ")}]`,
    );
  }
  const shardId = filter.ShardId;
  if (typeof shardId !== "string" || shardId.length === 0) {
    throw validationError("ShardFilter of type CHILD_SHARDS requires a ShardId");
  }
  return shardId;
}

function horizonOf(shard: ShardState): bigint {
  const beforeStart = shard.startingSequenceNumber - 1n;
  return shard.trimmedThrough > beforeStart ? shard.trimmedThrough : beforeStart;
}

/** Index of the first entry with a sequence number above `after` (entries are sorted). */
function firstAfter(shard: ShardState, after: bigint): number {
  let lo = 0;
  let hi = shard.entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (shard.entries[mid]!.seq <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// --- iterators: self-contained, so they survive an engine restart ------------------------------

interface Iterator {
  streamArn: string;
  shardId: string;
  after: bigint;
  issuedAtMs: number;
}

function encodeIterator(
  streamArn: string,
  shardId: string,
  after: bigint,
  issuedAtMs: number,
): string {
  const payload = Buffer.from(JSON.stringify([shardId, after.toString(), issuedAtMs])).toString(
    "base64url",
  );
  return `${streamArn}|1|${payload}`;
}

function decodeIterator(raw: string): Iterator {
  const invalid = () => validationError(`Invalid ShardIterator: ${raw.slice(0, 200)}`);
  const parts = raw.split("|");
  if (parts.length !== 3 || parts[1] !== "1" || !parts[0] || !parts[2]) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(parts[2], "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length !== 3 ||
    typeof decoded[0] !== "string" ||
    typeof decoded[1] !== "string" ||
    !/^\d+$/.test(decoded[1]) ||
    typeof decoded[2] !== "number"
  ) {
    throw invalid();
  }
  return {
    streamArn: parts[0],
    shardId: decoded[0],
    after: BigInt(decoded[1]),
    issuedAtMs: decoded[2],
  };
}

// --- input validation, worded like AWS's -----------------------------------------------------

const memberName = (key: string) => key.charAt(0).toLowerCase() + key.slice(1);

function requiredString(input: Input, key: string): string {
  const value = input[key];
  if (value === undefined || value === null) {
    throw validationError(
      `1 validation error detected: Value null at '${memberName(key)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  if (typeof value !== "string" || value.length === 0) {
    throw validationError(
      `1 validation error detected: Value '${JSON.stringify(value)}' at '${memberName(key)}' failed to satisfy constraint: Member must have length greater than or equal to 1`,
    );
  }
  return value;
}

function optionalString(input: Input, key: string): string | undefined {
  return input[key] === undefined || input[key] === null ? undefined : requiredString(input, key);
}

function optionalLimit(input: Input, max: number): number {
  const value = input.Limit;
  if (value === undefined || value === null) return max;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw validationError(
      `1 validation error detected: Value '${JSON.stringify(value)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${max}`,
    );
  }
  return value;
}
