import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomically } from "../atomic-file.ts";
import type { DynaliteBackend } from "./dynalite-backend.ts";
import { sameItem, type Item } from "./item-size.ts";
import type { StreamStore } from "./stream-store.ts";

/** One item of a decided transaction: its final image and the stream record it owes. */
export interface IntendedWrite {
  tableName: string;
  key: Item;
  oldImage?: Item | undefined;
  /** Absent: the item is deleted. */
  newImage?: Item | undefined;
  /** Set when the table has a stream: the record to append, with its pre-assigned event ID. */
  record?: { streamArn: string; eventID: string } | undefined;
}

/** A ClientRequestToken that took effect: a retry with it until `expiresAt` is a no-op. */
export interface SpentToken {
  token: string;
  hash: string;
  expiresAt: number;
}

export interface Intent {
  id: string;
  /**
   * "trying": a transaction running on the real items (transactions.ts, the fast path); `writes`
   * then hold only the old images, and a crash undoes it. Absent: decided; a crash finishes it.
   */
  phase?: "trying";
  writes: IntendedWrite[];
  token?: SpentToken | undefined;
}

const TOKENS_FILE = "tokens.jsonl";

/**
 * Crash atomicity for transactions: before a transaction touches a real table, its final images
 * and stream records are written to a file in the data dir and fsynced; the file is removed once
 * every image is applied and every record appended. (The fast path, which tries its writes on the
 * real items, first writes the old images as a "trying" intent, undone after a crash, and turns
 * it into the decided one with one rename once every write passed.) An intent left behind by a crash (kill -9,
 * power loss) is redone at the next start, before the engine serves: redoing is idempotent
 * (images are compared, records are looked up by event ID), so a crash during recovery is fine
 * too. Without a data dir (in memory) there is nothing to survive and nothing is written.
 * Client request tokens spent by transactions are kept there too, so that a client retrying
 * across an engine restart (within AWS's 10 minutes) does not apply its transaction twice.
 */
export class IntentLog {
  private tokensAppended = 0;

  constructor(
    private readonly dir: string | undefined,
    private readonly clock: () => number,
  ) {
    if (dir) fs.mkdirSync(dir, { recursive: true });
  }

  record(writes: IntendedWrite[], token?: SpentToken): Intent {
    return this.write({ id: randomUUID(), writes, ...(token ? { token } : {}) });
  }

  /** Before writes on the real items: their old images, to undo them after a crash. */
  recordTrial(items: { tableName: string; key: Item; oldImage: Item | undefined }[]): Intent {
    return this.write({
      id: randomUUID(),
      phase: "trying",
      writes: items.map((item) => ({ ...item, newImage: item.oldImage })),
    });
  }

  /** The trial passed: the same intent, now decided (one rename replaces it whole). */
  decide(trial: Intent, writes: IntendedWrite[], token?: SpentToken): Intent {
    return this.write({ id: trial.id, writes, ...(token ? { token } : {}) });
  }

  private write(intent: Intent): Intent {
    if (!this.dir) return intent;
    // The rename makes the intent whole or absent; syncing the directory makes the rename last.
    writeFileAtomically(this.fileOf(intent.id), JSON.stringify(intent), "file-and-directory");
    return intent;
  }

  /** Done: the token (if any) is remembered before the intent goes, so a crash loses neither. */
  clear(intent: Intent): void {
    if (intent.token) this.rememberToken(intent.token);
    if (this.dir) fs.rmSync(this.fileOf(intent.id), { force: true });
  }

  rememberToken(token: SpentToken): void {
    if (!this.dir) return;
    fs.appendFileSync(path.join(this.dir, TOKENS_FILE), `${JSON.stringify(token)}\n`);
    // Tokens expire after 10 minutes: now and then the file sheds them.
    if (++this.tokensAppended >= 10_000) this.spentTokens(this.clock());
  }

  /** The tokens spent and not yet expired; the file is rewritten without the expired ones. */
  spentTokens(now: number): SpentToken[] {
    if (!this.dir) return [];
    const file = path.join(this.dir, TOKENS_FILE);
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    const tokens: SpentToken[] = [];
    for (const line of text.split("\n")) {
      if (!line) continue;
      try {
        const token = JSON.parse(line) as SpentToken;
        if (token.expiresAt > now) tokens.push(token);
      } catch {
        // a line cut short by a crash: its transaction's intent is still there and redone
      }
    }
    writeFileAtomically(file, tokens.map((t) => `${JSON.stringify(t)}\n`).join(""));
    this.tokensAppended = 0;
    return tokens;
  }

  pending(): Intent[] {
    if (!this.dir) return [];
    return fs
      .readdirSync(this.dir)
      .filter((name) => name.endsWith(".intent.json"))
      .sort()
      .map((name) => JSON.parse(fs.readFileSync(path.join(this.dir!, name), "utf8")) as Intent);
  }

  private fileOf(id: string): string {
    return path.join(this.dir!, `${id}.intent.json`);
  }
}

/** Brings every intent left by a crash to its end: final images written, records appended. */
export async function redoIntents(
  log: IntentLog,
  backend: DynaliteBackend,
  streams: StreamStore,
): Promise<number> {
  const intents = log.pending();
  for (const intent of intents) {
    if (intent.phase === "trying") {
      // Cut short before it was decided: every item back as it was, no records.
      for (const write of intent.writes) {
        const current = await backend.call<{ Item?: Item }>("GetItem", {
          TableName: write.tableName,
          Key: write.key,
          ConsistentRead: true,
        });
        if (!current.ok || sameItem(current.data.Item, write.oldImage)) continue;
        await writeImage(backend, write.tableName, write.key, write.oldImage);
      }
      log.clear({ ...intent, token: undefined });
      continue;
    }
    for (const write of intent.writes) {
      const current = await backend.call<{ Item?: Item }>("GetItem", {
        TableName: write.tableName,
        Key: write.key,
        ConsistentRead: true,
      });
      if (!current.ok) continue; // the table is gone: nothing left to finish there
      if (!sameItem(current.data.Item, write.newImage)) {
        await writeImage(backend, write.tableName, write.key, write.newImage);
      }
      const stream = write.record && streams.get(write.record.streamArn);
      if (write.record && stream?.status === "ENABLED") {
        if (!streams.hasEvent(stream, write.record.eventID)) {
          streams.append(stream, {
            keys: write.key,
            oldImage: write.oldImage,
            newImage: write.newImage,
            eventID: write.record.eventID,
          });
        }
      }
    }
    log.clear(intent);
  }
  return intents.length;
}

/** Puts an item as an image says (absent: deletes it): to redo or undo a transaction's write. */
export async function writeImage(
  backend: DynaliteBackend,
  tableName: string,
  key: Item,
  image: Item | undefined,
): Promise<void> {
  const result = image
    ? await backend.call("PutItem", { TableName: tableName, Item: image })
    : await backend.call("DeleteItem", { TableName: tableName, Key: key });
  if (!result.ok) throw new Error(`cannot write a transaction's item: ${JSON.stringify(result)}`);
}
