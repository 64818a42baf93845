import fs from "node:fs";
import path from "node:path";
import { FAILURES_FILE, parseFailureLines, type FailureLine } from "@streamboard/core/contract";
import { writeFileAtomically } from "../atomic-file.ts";

/** Where a shard's reader stands: after `sequenceNumber`, or finished (`done`). */
export interface ShardCheckpoint {
  sequenceNumber?: string;
  done?: boolean;
  updatedAt: string;
}

interface CheckpointFile {
  version: 1;
  tableName: string;
  /** streamArn → shardId → checkpoint */
  streams: Record<string, Record<string, ShardCheckpoint>>;
}

// The on-failure destination's lines are the failure contract's (core/contract/failure.ts).
export { FAILURES_FILE, type FailureLine };

/**
 * Per-shard checkpoints of one table's stream, in memory or in `<dir>/checkpoints.<table>.json`.
 * The file is rewritten whole (write a temporary file, fsync, rename) so a crash leaves either the
 * old or the new checkpoint, never a torn one; it holds a few shards, so rewriting is cheap.
 */
export class CheckpointStore {
  private readonly data: CheckpointFile;
  private readonly file: string | undefined;
  private readonly memoryFailures: FailureLine[] = [];
  private failuresFileChecked = false;

  constructor(
    private readonly dir: string | undefined,
    tableName: string,
  ) {
    this.file = dir && path.join(dir, `checkpoints.${tableName}.json`);
    this.data = { version: 1, tableName, streams: {} };
    if (dir) fs.mkdirSync(dir, { recursive: true });
    if (this.file && fs.existsSync(this.file)) {
      const saved = JSON.parse(fs.readFileSync(this.file, "utf8")) as CheckpointFile;
      if (saved.version === 1) this.data.streams = saved.streams;
    }
  }

  get(streamArn: string, shardId: string): ShardCheckpoint | undefined {
    return this.data.streams[streamArn]?.[shardId];
  }

  /** Streams this table's runner has read from before (a restart resumes them). */
  streamArns(): string[] {
    return Object.keys(this.data.streams);
  }

  set(streamArn: string, shardId: string, checkpoint: Omit<ShardCheckpoint, "updatedAt">): void {
    (this.data.streams[streamArn] ??= {})[shardId] = {
      ...checkpoint,
      updatedAt: new Date().toISOString(),
    };
    this.save();
  }

  /**
   * Forgets shards that left the stream (trimmed after 24 hours) and streams no longer listed,
   * so the file does not grow by a shard every few hours forever.
   */
  retain(streamArn: string, liveShardIds: ReadonlySet<string>): void {
    const shards = this.data.streams[streamArn];
    if (!shards) return;
    const gone = Object.keys(shards).filter((id) => !liveShardIds.has(id));
    if (gone.length === 0) return;
    for (const id of gone) delete shards[id];
    this.save();
  }

  forgetStream(streamArn: string): void {
    if (!(streamArn in this.data.streams)) return;
    delete this.data.streams[streamArn];
    this.save();
  }

  /** Appends to the on-failure destination; durable before the checkpoint moves past the record. */
  appendFailure(failure: FailureLine): void {
    if (!this.dir) {
      this.memoryFailures.push(failure);
      return;
    }
    const file = path.join(this.dir, FAILURES_FILE);
    // A crash mid-append (a kill -9) can leave a last line without its newline; appending to it
    // would glue this entry onto the torn one and lose both. Start on a fresh line instead.
    const lead = this.failuresFileChecked || endsWithNewline(file) ? "" : "\n";
    fs.appendFileSync(file, `${lead}${JSON.stringify(failure)}\n`);
    this.failuresFileChecked = true;
  }

  failures(): FailureLine[] {
    return this.dir ? readFailures(this.dir) : [...this.memoryFailures];
  }

  private save(): void {
    if (!this.file) return;
    writeFileAtomically(this.file, JSON.stringify(this.data, null, 2), "file");
  }
}

/** True for a missing or empty file, or one whose last byte is a newline. */
function endsWithNewline(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw error;
  }
  try {
    const { size } = fs.fstatSync(fd);
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    fs.closeSync(fd);
  }
}

/** The on-failure destination of the runners that checkpoint in `dir`, oldest first. */
export function readFailures(dir: string): FailureLine[] {
  const file = path.join(dir, FAILURES_FILE);
  if (!fs.existsSync(file)) return [];
  return parseFailureLines(fs.readFileSync(file, "utf8"));
}
