import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { KeySchemaElement } from "@aws-sdk/client-dynamodb";
import { writeFileAtomically } from "../atomic-file.ts";
import { itemSize, type Item } from "./item-size.ts";

export type StreamViewType = "KEYS_ONLY" | "NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES";
export const STREAM_VIEW_TYPES: readonly StreamViewType[] = [
  "KEYS_ONLY",
  "NEW_IMAGE",
  "OLD_IMAGE",
  "NEW_AND_OLD_IMAGES",
];

/** Who made a change, when it was not a caller: AWS marks deletions by TTL this way. */
export interface UserIdentity {
  PrincipalId: string;
  Type: string;
}

/** A stream record as the Streams API puts it on the wire. */
export interface WireRecord {
  eventID: string;
  eventName: "INSERT" | "MODIFY" | "REMOVE";
  eventVersion: "1.1";
  eventSource: "aws:dynamodb";
  awsRegion: string;
  dynamodb: {
    ApproximateCreationDateTime: number;
    Keys: Item;
    NewImage?: Item;
    OldImage?: Item;
    SequenceNumber: string;
    SizeBytes: number;
    StreamViewType: StreamViewType;
  };
  userIdentity?: UserIdentity;
}

interface Entry {
  seq: bigint;
  createdAtMs: number;
  record: WireRecord;
}

interface ShardState {
  shardId: string;
  parentShardId?: string | undefined;
  startingSequenceNumber: bigint;
  /** Set when the shard is closed; records after it go to the child shard. */
  endingSequenceNumber?: bigint | undefined;
  createdAtMs: number;
  /** Highest sequence number dropped by the 24-hour trim (0 when none). */
  trimmedThrough: bigint;
  entries: Entry[];
}

export interface StreamState {
  arn: string;
  label: string;
  tableName: string;
  tableArn: string;
  keySchema: KeySchemaElement[];
  viewType: StreamViewType;
  status: "ENABLED" | "DISABLED";
  /** False once the table itself was deleted: the stream lingers but is no table's latest. */
  tableExists: boolean;
  createdAtMs: number;
  lastSequence: bigint;
  /** Highest sequence number the trim dropped from any shard, including shards now gone. */
  trimmedThrough: bigint;
  shards: ShardState[];
}

export interface StreamStoreOptions {
  /** Directory for the registry and record logs; omit to keep everything in memory. */
  dir?: string | undefined;
  clock: () => number;
  region: string;
  /** Records older than this are trimmed (AWS: 24 hours). */
  retentionMs?: number;
  /** An open shard with records is closed and succeeded by a child after this long (AWS: ~4 h). */
  shardMaxAgeMs?: number;
  /** Close a shard after this many records (0: never); lets tests exercise shard lineage. */
  shardMaxRecords?: number;
}

export const RETENTION_MS = 24 * 60 * 60 * 1000;
const SHARD_MAX_AGE_MS = 4 * 60 * 60 * 1000;
const SEQUENCE_DIGITS = 21;
const REGISTRY_FILE = "streams.json";

export const newEventId = () => randomUUID().replaceAll("-", "");

export const formatSequence = (seq: bigint) => seq.toString().padStart(SEQUENCE_DIGITS, "0");

/**
 * The change log behind the Streams API: one stream per table incarnation, shards with
 * sequence-number ranges, records kept for the retention period. With a directory, the registry
 * is a JSON file (rewritten atomically) and each stream's records an append-only JSON-lines file.
 */
export class StreamStore {
  private readonly streams = new Map<string, StreamState>();
  private readonly logs = new Map<string, number>();
  private readonly retentionMs: number;
  private readonly shardMaxAgeMs: number;
  private readonly shardMaxRecords: number;

  constructor(private readonly options: StreamStoreOptions) {
    this.retentionMs = options.retentionMs ?? RETENTION_MS;
    this.shardMaxAgeMs = options.shardMaxAgeMs ?? SHARD_MAX_AGE_MS;
    this.shardMaxRecords = options.shardMaxRecords ?? 0;
    if (options.dir) {
      fs.mkdirSync(options.dir, { recursive: true });
      this.load(options.dir);
    }
  }

  get region(): string {
    return this.options.region;
  }

  now(): number {
    return this.options.clock();
  }

  list(): StreamState[] {
    return [...this.streams.values()];
  }

  get(arn: string): StreamState | undefined {
    return this.streams.get(arn);
  }

  /** The table's current stream: the newest one of the live table, enabled or not. */
  latestFor(tableName: string): StreamState | undefined {
    let latest: StreamState | undefined;
    for (const stream of this.streams.values()) {
      if (stream.tableName === tableName && stream.tableExists) latest = stream;
    }
    return latest;
  }

  enabledFor(tableName: string): StreamState | undefined {
    const latest = this.latestFor(tableName);
    return latest?.status === "ENABLED" ? latest : undefined;
  }

  create(table: {
    tableName: string;
    tableArn: string;
    keySchema: KeySchemaElement[];
    viewType: StreamViewType;
  }): StreamState {
    let createdAtMs = this.now();
    // Labels are timestamps; two streams of one table in one millisecond would collide.
    while (this.streams.has(`${table.tableArn}/stream/${streamLabel(createdAtMs)}`)) createdAtMs++;
    const label = streamLabel(createdAtMs);
    const stream: StreamState = {
      arn: `${table.tableArn}/stream/${label}`,
      label,
      tableName: table.tableName,
      tableArn: table.tableArn,
      keySchema: table.keySchema,
      viewType: table.viewType,
      status: "ENABLED",
      tableExists: true,
      createdAtMs,
      lastSequence: 0n,
      trimmedThrough: 0n,
      shards: [],
    };
    stream.shards.push(this.newShard(stream, undefined));
    this.streams.set(stream.arn, stream);
    this.saveRegistry();
    return stream;
  }

  /** Stops a stream taking records; its records stay readable until trimmed. */
  disable(stream: StreamState, options: { tableDeleted?: boolean } = {}): void {
    stream.status = "DISABLED";
    if (options.tableDeleted) stream.tableExists = false;
    const open = openShard(stream);
    if (open) open.endingSequenceNumber = stream.lastSequence;
    this.saveRegistry();
  }

  /**
   * Appends one record; it is durable (written to the log) when this returns. `eventID` is given
   * by a transaction that recorded it beforehand, so that its recovery can tell what is appended.
   */
  append(
    stream: StreamState,
    change: {
      keys: Item;
      oldImage?: Item | undefined;
      newImage?: Item | undefined;
      eventID?: string | undefined;
      userIdentity?: UserIdentity | undefined;
    },
  ): WireRecord {
    const now = this.now();
    let shard = openShard(stream);
    if (!shard) throw new Error(`stream ${stream.arn} has no open shard`);
    if (
      shard.entries.length > 0 &&
      (now - shard.createdAtMs >= this.shardMaxAgeMs ||
        (this.shardMaxRecords > 0 && shard.entries.length >= this.shardMaxRecords))
    ) {
      shard.endingSequenceNumber = stream.lastSequence;
      const child = this.newShard(stream, shard.shardId);
      stream.shards.push(child);
      shard = child;
      this.saveRegistry();
    }

    const seq = ++stream.lastSequence;
    const { keys, oldImage, newImage, userIdentity } = change;
    const view = stream.viewType;
    const withNew = view === "NEW_IMAGE" || view === "NEW_AND_OLD_IMAGES";
    const withOld = view === "OLD_IMAGE" || view === "NEW_AND_OLD_IMAGES";
    const record: WireRecord = {
      eventID: change.eventID ?? newEventId(),
      eventName: oldImage && newImage ? "MODIFY" : newImage ? "INSERT" : "REMOVE",
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: this.options.region,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(now / 1000),
        Keys: keys,
        ...(withNew && newImage ? { NewImage: newImage } : {}),
        ...(withOld && oldImage ? { OldImage: oldImage } : {}),
        SequenceNumber: formatSequence(seq),
        SizeBytes:
          itemSize(keys) + (withNew ? itemSize(newImage) : 0) + (withOld ? itemSize(oldImage) : 0),
        StreamViewType: view,
      },
      ...(userIdentity ? { userIdentity } : {}),
    };
    shard.entries.push({ seq, createdAtMs: now, record });
    this.writeLog(stream, { s: shard.shardId, t: now, r: record });
    return record;
  }

  /** True when the stream holds a record with this event ID (recent records are looked at first). */
  hasEvent(stream: StreamState, eventID: string): boolean {
    for (let s = stream.shards.length - 1; s >= 0; s--) {
      const entries = stream.shards[s]!.entries;
      for (let i = entries.length - 1; i >= 0; i--) {
        if (entries[i]!.record.eventID === eventID) return true;
      }
    }
    return false;
  }

  /** Drops records past the retention period; returns how many were dropped. */
  trim(): number {
    const horizon = this.now() - this.retentionMs;
    let dropped = 0;
    for (const stream of this.streams.values()) {
      let streamDropped = 0;
      for (const shard of stream.shards) {
        let cut = 0;
        while (cut < shard.entries.length && shard.entries[cut]!.createdAtMs < horizon) cut++;
        if (cut > 0) {
          shard.trimmedThrough = shard.entries[cut - 1]!.seq;
          if (shard.trimmedThrough > stream.trimmedThrough)
            stream.trimmedThrough = shard.trimmedThrough;
          shard.entries.splice(0, cut);
          streamDropped += cut;
        }
      }
      // A closed shard whose records are all gone has left the stream, as on AWS.
      stream.shards = stream.shards.filter(
        (shard) =>
          shard.endingSequenceNumber === undefined ||
          shard.entries.length > 0 ||
          shard.createdAtMs >= horizon,
      );
      if (streamDropped > 0) this.compactLog(stream);
      dropped += streamDropped;
    }
    if (dropped > 0) this.saveRegistry();
    return dropped;
  }

  close(): void {
    for (const fd of this.logs.values()) fs.closeSync(fd);
    this.logs.clear();
  }

  private newShard(stream: StreamState, parentShardId: string | undefined): ShardState {
    const createdAtMs = this.now();
    return {
      shardId: `shardId-${String(createdAtMs).padStart(20, "0")}-${randomUUID().slice(0, 8)}`,
      parentShardId,
      // The start is a position of its own that no record takes: AT_ and AFTER_SEQUENCE_NUMBER
      // at a shard's StartingSequenceNumber both read its first record, even one not yet written.
      startingSequenceNumber: ++stream.lastSequence,
      createdAtMs,
      trimmedThrough: 0n,
      entries: [],
    };
  }

  // --- persistence -------------------------------------------------------------------------

  private logPath(stream: StreamState): string | undefined {
    if (!this.options.dir) return undefined;
    return path.join(
      this.options.dir,
      `${stream.tableName}.${stream.label.replaceAll(":", "-")}.jsonl`,
    );
  }

  private writeLog(stream: StreamState, line: LogLine): void {
    const file = this.logPath(stream);
    if (!file) return;
    let fd = this.logs.get(stream.arn);
    if (fd === undefined) {
      fd = fs.openSync(file, "a");
      this.logs.set(stream.arn, fd);
    }
    fs.writeSync(fd, `${JSON.stringify(line)}\n`);
  }

  private compactLog(stream: StreamState): void {
    const file = this.logPath(stream);
    if (!file) return;
    const fd = this.logs.get(stream.arn);
    if (fd !== undefined) fs.closeSync(fd);
    this.logs.delete(stream.arn);
    const lines = stream.shards.flatMap((shard) =>
      shard.entries.map((e) => JSON.stringify({ s: shard.shardId, t: e.createdAtMs, r: e.record })),
    );
    writeFileAtomically(file, lines.length ? `${lines.join("\n")}\n` : "");
  }

  private saveRegistry(): void {
    if (!this.options.dir) return;
    const registry: Registry = {
      version: 1,
      streams: this.list().map((s) => ({
        arn: s.arn,
        label: s.label,
        tableName: s.tableName,
        tableArn: s.tableArn,
        keySchema: s.keySchema,
        viewType: s.viewType,
        status: s.status,
        tableExists: s.tableExists,
        createdAtMs: s.createdAtMs,
        lastSequence: s.lastSequence.toString(),
        trimmedThrough: s.trimmedThrough.toString(),
        shards: s.shards.map((shard) => ({
          shardId: shard.shardId,
          parentShardId: shard.parentShardId,
          startingSequenceNumber: shard.startingSequenceNumber.toString(),
          endingSequenceNumber: shard.endingSequenceNumber?.toString(),
          createdAtMs: shard.createdAtMs,
          trimmedThrough: shard.trimmedThrough.toString(),
        })),
      })),
    };
    writeFileAtomically(
      path.join(this.options.dir, REGISTRY_FILE),
      JSON.stringify(registry, null, 2),
    );
  }

  private load(dir: string): void {
    const registryFile = path.join(dir, REGISTRY_FILE);
    if (!fs.existsSync(registryFile)) return;
    const registry = JSON.parse(fs.readFileSync(registryFile, "utf8")) as Registry;
    for (const saved of registry.streams) {
      const stream: StreamState = {
        ...saved,
        lastSequence: BigInt(saved.lastSequence),
        trimmedThrough: BigInt(saved.trimmedThrough),
        shards: saved.shards.map((shard) => ({
          shardId: shard.shardId,
          parentShardId: shard.parentShardId,
          startingSequenceNumber: BigInt(shard.startingSequenceNumber),
          endingSequenceNumber:
            shard.endingSequenceNumber === undefined
              ? undefined
              : BigInt(shard.endingSequenceNumber),
          createdAtMs: shard.createdAtMs,
          trimmedThrough: BigInt(shard.trimmedThrough),
          entries: [],
        })),
      };
      const shards = new Map(stream.shards.map((shard) => [shard.shardId, shard]));
      const file = this.logPath(stream);
      const text = file && fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
      for (const raw of text.split("\n")) {
        if (!raw) continue;
        let line: LogLine;
        try {
          line = JSON.parse(raw) as LogLine;
        } catch {
          continue; // a line cut short by a crash mid-write: the write it records never returned
        }
        const shard = shards.get(line.s);
        const seq = BigInt(line.r.dynamodb.SequenceNumber);
        if (!shard || seq <= shard.trimmedThrough) continue;
        shard.entries.push({ seq, createdAtMs: line.t, record: line.r });
        if (seq > stream.lastSequence) stream.lastSequence = seq;
      }
      this.streams.set(stream.arn, stream);
    }
    this.trim();
  }
}

interface LogLine {
  s: string;
  t: number;
  r: WireRecord;
}

interface Registry {
  version: 1;
  streams: (Omit<StreamState, "lastSequence" | "trimmedThrough" | "shards"> & {
    lastSequence: string;
    trimmedThrough: string;
    shards: {
      shardId: string;
      parentShardId?: string | undefined;
      startingSequenceNumber: string;
      endingSequenceNumber?: string | undefined;
      createdAtMs: number;
      trimmedThrough: string;
    }[];
  })[];
}

export function openShard(stream: StreamState): ShardState | undefined {
  const last = stream.shards.at(-1);
  return last && last.endingSequenceNumber === undefined ? last : undefined;
}

/** AWS stream labels are the creation time, ISO-8601 to the millisecond without the zone. */
function streamLabel(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "");
}

export type { ShardState, Entry };
