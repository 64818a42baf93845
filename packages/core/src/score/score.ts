import {
  DeleteCommand,
  GetCommand,
  paginateQuery,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { GetItemCommand, UpdateItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { monotonicFactory } from "ulid";
import { z } from "zod";
import { documentClient, dynamo, numberOrText } from "../infra/clients.ts";
import { clampLimit } from "../contract/limits.ts";
import { isConditionalCheckFailed } from "../infra/aws-errors.ts";
import { VisibleError } from "../contract/error.ts";
import { tableName } from "../infra/resource.ts";
import { claimedSpelling, planClaim, type NewClaim, type Submitter } from "../names/claims.ts";
import {
  ScoreInput,
  ScoreItem,
  ScorePatch,
  nameField,
  parseInput,
  PATCH_FIELD_OF,
  problemsOf,
  storedRecordOf,
  toItem,
  toRecord,
  type ScoreRecord,
  type StoredScoreRecord,
} from "../contract/score.ts";

export * from "../contract/score.ts";

/** Decodes a stored item; a record someone wrote without our validation is an opaque 500. */
function decodeStored(raw: Record<string, unknown>): ScoreRecord {
  const result = ScoreItem.safeParse(raw);
  if (!result.success) {
    const id = typeof raw.RecordID === "string" ? raw.RecordID : "?";
    throw new VisibleError(
      "internal_error",
      `score record ${JSON.stringify(id)} is malformed`,
      result.error.issues,
    );
  }
  return toRecord(result.data);
}

// --- submit --------------------------------------------------------------------------------

const newRecordId = monotonicFactory();
const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
// What clients send as `Idempotency-Key`: a UUID or similar token, never free text.
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

const IdempotencyItem = z.object({
  IdempotencyKey: z.string(),
  RecordID: z.string(),
  BodyHash: z.string(),
  CreatedAt: z.string(),
  ExpiresAt: z.number(),
  Completed: z.boolean().optional(),
});
type IdempotencyItem = z.infer<typeof IdempotencyItem>;

async function bodyHash(input: ScoreInput): Promise<string> {
  // Of the validated input, so key order, extra fields and untrimmed names do not count as "another body".
  const canonical = JSON.stringify([input.playerName, input.score, input.nickName ?? null]);
  // Web Crypto rather than node:crypto: this module must not break a bundle that pulls it in.
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical));
  return Buffer.from(digest).toString("base64url");
}

function newRecord(input: ScoreInput, recordId: string, createdAt: string): ScoreRecord {
  return {
    recordId,
    playerName: input.playerName,
    score: input.score,
    ...(input.nickName !== undefined ? { nickName: input.nickName } : {}),
    createdAt,
    updatedAt: createdAt,
  };
}

async function readRecord(recordId: string): Promise<ScoreRecord | undefined> {
  const { Item } = await documentClient().send(
    new GetCommand({
      TableName: tableName("GameScoreRecords"),
      Key: { RecordID: recordId },
      ConsistentRead: true,
    }),
  );
  return Item ? decodeStored(Item) : undefined;
}

/** The Code of each item of a cancelled transaction, or undefined for any other error. */
function cancellationCodes(error: unknown): (string | undefined)[] | undefined {
  if (!(error instanceof Error) || error.name !== "TransactionCanceledException") return undefined;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return (reasons ?? []).map((r) => r.Code);
}

// A claim that changes between its read and the transaction (another tab, a recovery) is read
// again; more than this many changes in a row is not a race but a fight, and fails.
const CLAIM_ATTEMPTS = 4;

/**
 * Writes a new record with its name's claim, in one TransactWriteItems: the record goes in only
 * if the claim is still as `planClaim` read it (and is made or checked by the same write), so no
 * record lands under a name the writer does not hold and a name never gets two holders. The
 * record is written under the claim's first spelling. `written` is false when the RecordID was
 * taken: a concurrent retry of the same idempotent submission wrote the very same item.
 */
async function writeRecord(
  input: ScoreInput,
  recordId: string,
  createdAt: string,
  who: Submitter,
): Promise<{ record: ScoreRecord; written: boolean; claim?: NewClaim }> {
  for (let attempt = 1; ; attempt++) {
    const plan = await planClaim(input.playerName, who);
    const record = newRecord({ ...input, playerName: plan.playerName }, recordId, createdAt);
    try {
      await documentClient().send(
        new TransactWriteCommand({
          TransactItems: [
            ...plan.writes,
            {
              Put: {
                TableName: tableName("GameScoreRecords"),
                // `Feed` puts it on the ByTime index: everyone's games newest first (listScores).
                Item: { ...toItem(record), Feed: FEED },
                ConditionExpression: "attribute_not_exists(RecordID)",
              },
            },
          ],
        }),
      );
      return { record, written: true, ...(plan.claim ? { claim: plan.claim } : {}) };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes) throw error;
      if (codes[plan.writes.length] === "ConditionalCheckFailed") {
        return { record: (await readRecord(recordId)) ?? record, written: false };
      }
      const raced = codes.some(
        (c) => c === "ConditionalCheckFailed" || c === "TransactionConflict",
      );
      if (!raced || attempt >= CLAIM_ATTEMPTS) throw error;
    }
  }
}

/** What a submission did: the record, whether it was a replay, and the claim it made, if any. */
export interface Submission {
  record: ScoreRecord;
  replayed: boolean;
  /** Set when this submission claimed the name for the device: its recovery key, shown once. */
  claim?: NewClaim;
}

/**
 * Submits a game result as `by`: a device (a player's browser, which must hold the name or claim
 * it: `names/claims.ts`) or a trusted caller (the operator token; in-process callers such as
 * tests and the local workload, the default). With an idempotency key, the key is claimed first
 * (a conditional put in the Idempotency table), then the record is written, then the key is
 * marked completed. Any retry with the same key and body returns the record, whoever sends it
 * (the record is public; a replay is never `name_taken`); a retry that finds the key but not the
 * record (the first attempt crashed, or is still in flight) writes the very same item (same
 * RecordID and CreatedAt), so at most one INSERT reaches the stream.
 */
export async function submitScore(
  input: unknown,
  opts: { idempotencyKey?: string; by?: Submitter } = {},
): Promise<Submission> {
  const parsed = parseInput(ScoreInput, input);
  const who: Submitter = opts.by ?? { operator: true };
  const now = new Date();
  const createdAt = now.toISOString();
  if (opts.idempotencyKey === undefined) {
    const { record, written, claim } = await writeRecord(
      parsed,
      newRecordId(now.getTime()),
      createdAt,
      who,
    );
    if (!written) throw new Error(`RecordID collision: ${record.recordId}`);
    return { record, replayed: false, ...(claim ? { claim } : {}) };
  }

  const key = opts.idempotencyKey;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new VisibleError("bad_request", "Idempotency-Key must be 1–255 visible ASCII characters");
  }
  const hash = await bodyHash(parsed);
  const claimItem: IdempotencyItem = {
    IdempotencyKey: key,
    RecordID: newRecordId(now.getTime()),
    BodyHash: hash,
    CreatedAt: createdAt,
    ExpiresAt: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS,
  };
  if (await claimKey(claimItem, now)) {
    try {
      // A concurrent retry may have completed our record first: it wrote the same item.
      const { record, claim } = await writeRecord(parsed, claimItem.RecordID, createdAt, who);
      await markCompleted(key);
      return { record, replayed: false, ...(claim ? { claim } : {}) };
    } catch (error) {
      // Refused (the name is another device's): nothing was written, so the key is free again
      // for this body, e.g. once the player has moved the name here with its recovery key.
      if (error instanceof VisibleError) await releaseKey(key, hash);
      throw error;
    }
  }

  const existing = await readClaim(key);
  if (!existing) throw new Error(`idempotency key ${key} vanished between two reads`);
  if (existing.BodyHash !== hash) {
    throw new VisibleError(
      "idempotency_conflict",
      "this Idempotency-Key was already used with a different body",
    );
  }
  const current = await readRecord(existing.RecordID);
  if (current) return { record: current, replayed: true };
  const original = newRecord(parsed, existing.RecordID, existing.CreatedAt);
  // Completed but gone: an operator deleted it since. Answer as the first time; do not resurrect it.
  if (existing.Completed) return { record: original, replayed: true };
  const { record } = await writeRecord(parsed, existing.RecordID, existing.CreatedAt, who);
  await markCompleted(key);
  return { record, replayed: true };
}

/** Frees an idempotency key whose submission was refused (only while it is as we put it). */
async function releaseKey(key: string, hash: string): Promise<void> {
  try {
    await documentClient().send(
      new DeleteCommand({
        TableName: tableName("Idempotency"),
        Key: { IdempotencyKey: key },
        ConditionExpression: "BodyHash = :hash AND attribute_not_exists(Completed)",
        ExpressionAttributeValues: { ":hash": hash },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
}

/** True when this call claimed the key (new, or the old claim expired but was not yet swept by TTL). */
async function claimKey(claim: IdempotencyItem, now: Date): Promise<boolean> {
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tableName("Idempotency"),
        Item: claim,
        ConditionExpression: "attribute_not_exists(IdempotencyKey) OR ExpiresAt < :now",
        ExpressionAttributeValues: { ":now": Math.floor(now.getTime() / 1000) },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

async function readClaim(key: string): Promise<IdempotencyItem | undefined> {
  const { Item } = await documentClient().send(
    new GetCommand({
      TableName: tableName("Idempotency"),
      Key: { IdempotencyKey: key },
      ConsistentRead: true,
    }),
  );
  return Item ? IdempotencyItem.parse(Item) : undefined;
}

async function markCompleted(key: string): Promise<void> {
  await documentClient().send(
    new UpdateCommand({
      TableName: tableName("Idempotency"),
      Key: { IdempotencyKey: key },
      UpdateExpression: "SET Completed = :true",
      ExpressionAttributeValues: { ":true": true },
    }),
  );
}

// --- read, update, delete ------------------------------------------------------------------

// DynamoDB refuses an empty key and keys over 1 KiB; such ids cannot name a record.
const isPlausibleId = (recordId: string) => recordId.length > 0 && recordId.length <= 1024;

/**
 * One record as stored: the record, or, for an item written around the API that does not decode,
 * what there is of it, flagged (`InvalidScoreRecord`): never a 500 for someone else's data.
 */
export async function getScore(recordId: string): Promise<StoredScoreRecord> {
  const item = isPlausibleId(recordId) ? await readItem(recordId) : undefined;
  if (!item) throw new VisibleError("not_found", `score record ${recordId} not found`);
  return storedRecordOf(item);
}

/**
 * The item as stored, attribute values and all: an edit's condition compares with exactly these
 * (a number beyond 2^53 reads back as text through the DocumentClient, never equal to the N).
 */
async function readRawItem(recordId: string): Promise<Record<string, AttributeValue> | undefined> {
  const { Item } = await dynamo().send(
    new GetItemCommand({
      TableName: tableName("GameScoreRecords"),
      Key: { RecordID: { S: recordId } },
      ConsistentRead: true,
    }),
  );
  return Item;
}

async function readItem(recordId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documentClient().send(
    new GetCommand({
      TableName: tableName("GameScoreRecords"),
      Key: { RecordID: recordId },
      ConsistentRead: true,
    }),
  );
  return Item;
}

/**
 * The ByTime index's one partition (`Feed` on every record the API writes): everyone's games by
 * time. One partition takes ~1,000 index writes a second, the same limit as one board shard
 * (board/keys.ts); past that, shard it as the boards are. Items written around the API (without
 * `Feed`) are not on it, as they are on no other list until an operator fixes them.
 */
const FEED = "ALL";

/**
 * Newest first, `limit` records a page, and a `cursor` while older ones follow: its cost is the
 * page's, whatever the table's size. With a player: one Query of ByPlayerTime; without: one
 * Query of ByTime. Never a Scan.
 */
export async function listScores(
  q: { playerName?: string; limit?: number; cursor?: string } = {},
): Promise<{ records: ScoreRecord[]; cursor?: string }> {
  const limit = clampLimit(q.limit, "scores");
  const playerName =
    q.playerName === undefined ? undefined : parseInput(nameField("playerName"), q.playerName);
  if (playerName !== undefined) {
    return listByTime("ByPlayerTime", "PlayerName", playerName, limit, q.cursor);
  }
  return listByTime("ByTime", "Feed", FEED, limit, q.cursor);
}

const badCursor = () => new VisibleError("invalid_input", "cursor is not one this list gave out");

async function listByTime(
  index: "ByPlayerTime" | "ByTime",
  hashKey: "PlayerName" | "Feed",
  hashValue: string,
  limit: number,
  cursorText: string | undefined,
): Promise<{ records: ScoreRecord[]; cursor?: string }> {
  let start: Record<string, string> | undefined;
  if (cursorText !== undefined && cursorText !== "") {
    try {
      const value = JSON.parse(Buffer.from(cursorText, "base64url").toString("utf8")) as unknown;
      const c = value as { r?: unknown; c?: unknown };
      if (typeof c.r !== "string" || typeof c.c !== "string") throw badCursor();
      start = { RecordID: c.r, CreatedAt: c.c, [hashKey]: hashValue };
    } catch {
      throw badCursor();
    }
  }
  const records: ScoreRecord[] = [];
  let last: Record<string, unknown> | undefined = start;
  let more = false;
  // Malformed items are skipped, so a page may need a second read to fill.
  while (records.length < limit) {
    const page = await documentClient().send(
      new QueryCommand({
        TableName: tableName("GameScoreRecords"),
        IndexName: index,
        KeyConditionExpression: "#hash = :hash",
        ExpressionAttributeNames: { "#hash": hashKey },
        ExpressionAttributeValues: { ":hash": hashValue },
        ScanIndexForward: false,
        Limit: limit - records.length,
        ...(last ? { ExclusiveStartKey: last } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const decoded = ScoreItem.safeParse(item);
      if (decoded.success) records.push(toRecord(decoded.data));
      last = item;
    }
    more = page.LastEvaluatedKey !== undefined;
    if (!more) break;
    last = page.LastEvaluatedKey;
  }
  const tail = records[records.length - 1];
  return {
    records,
    ...(more && tail
      ? {
          cursor: Buffer.from(JSON.stringify({ r: tail.recordId, c: tail.createdAt })).toString(
            "base64url",
          ),
        }
      : {}),
  };
}

/**
 * A player's record items from the ByPlayer index, page by page, as stored (not yet validated:
 * items written around the API may not decode). `highestFirst` walks down by Score.
 */
export async function* playerItems(
  playerName: string,
  options: { highestFirst?: boolean; pageSize?: number } = {},
): AsyncGenerator<Record<string, unknown>> {
  const pages = paginateQuery(
    { client: documentClient() },
    {
      TableName: tableName("GameScoreRecords"),
      IndexName: "ByPlayer",
      KeyConditionExpression: "PlayerName = :player",
      ExpressionAttributeValues: { ":player": playerName },
      ...(options.highestFirst ? { ScanIndexForward: false } : {}),
      ...(options.pageSize ? { Limit: options.pageSize } : {}),
    },
  );
  for await (const page of pages) yield* page.Items ?? [];
}

/** What an edit did: the record now, and each attribute it changed (as stored: from → to). */
export interface ScoreEdit {
  record: ScoreRecord;
  changes: Record<string, { from?: unknown; to?: unknown }>;
}

const EDITED_ATTRIBUTES = ["PlayerName", "Score", "NickName", "CreatedAt", "UpdatedAt"] as const;

/**
 * Edits a record in one write that cannot leave half of it. The item is read (consistently), the
 * patch applied to it, and the WHOLE result validated as a score record: a record written around
 * the API with missing or bad fields is either completed by the patch or refused with a 400 that
 * says what is missing and which field to send, writing nothing. Then one UpdateItem (one MODIFY
 * on the stream) sets what the patch changes, conditional on every attribute read being as read,
 * so the item written is exactly the one validated; a write in between is a 409, never a merge.
 */
export async function editScore(recordId: string, patch: unknown): Promise<ScoreEdit> {
  const parsed = parseInput(ScorePatch, patch);
  const notFound = () => new VisibleError("not_found", `score record ${recordId} not found`);
  if (!isPlausibleId(recordId)) throw notFound();
  const raw = await readRawItem(recordId);
  if (!raw) throw notFound();
  // As the DocumentClient reads it (its options object is its own: lib-dynamodb adds to it).
  const stored: Record<string, unknown> = unmarshall(raw, { wrapNumbers: numberOrText });

  const updates: Record<string, unknown> = { UpdatedAt: new Date().toISOString() };
  if (parsed.score !== undefined) updates.Score = parsed.score;
  // Moved to a claimed name: under its first spelling, so "linus t" joins "Linus T"'s aggregate.
  if (parsed.playerName !== undefined) {
    updates.PlayerName = (await claimedSpelling(parsed.playerName)) ?? parsed.playerName;
  }
  if (parsed.createdAt !== undefined) updates.CreatedAt = parsed.createdAt;
  if (parsed.nickName !== undefined) updates.NickName = parsed.nickName ?? undefined;
  const next: Record<string, unknown> = { ...stored, ...updates };
  if (next.NickName === undefined) delete next.NickName;
  const problems = problemsOf(next);
  if (problems.length > 0) {
    throw new VisibleError(
      "invalid_input",
      `the record would still be incomplete: ${problems.map((p) => p.message).join("; ")}`,
      problems.map((p) => ({ path: [PATCH_FIELD_OF[p.field] ?? p.field], message: p.message })),
    );
  }

  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const set: string[] = [];
  const remove: string[] = [];
  const conditions = ["attribute_exists(RecordID)"];
  EDITED_ATTRIBUTES.forEach((attribute, i) => {
    names[`#a${i}`] = attribute;
    const old = raw[attribute];
    // As read: equal to it, or still absent.
    if (old === undefined) conditions.push(`attribute_not_exists(#a${i})`);
    else {
      conditions.push(`#a${i} = :old${i}`);
      values[`:old${i}`] = old;
    }
    if (!(attribute in updates)) return;
    const value = updates[attribute];
    if (value === undefined) {
      if (old !== undefined) remove.push(`#a${i}`);
    } else {
      set.push(`#a${i} = :new${i}`);
      values[`:new${i}`] = marshall({ v: value }).v!;
    }
  });
  try {
    await dynamo().send(
      new UpdateItemCommand({
        TableName: tableName("GameScoreRecords"),
        Key: { RecordID: { S: recordId } },
        UpdateExpression: `SET ${set.join(", ")}${remove.length ? ` REMOVE ${remove.join(", ")}` : ""}`,
        ConditionExpression: conditions.join(" AND "),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    if (!(await readItem(recordId))) throw notFound();
    throw new VisibleError(
      "conflict",
      `score record ${recordId} changed while it was being edited; nothing was written. Reload it and try again.`,
    );
  }
  const changes: ScoreEdit["changes"] = {};
  for (const attribute of EDITED_ATTRIBUTES) {
    const from = stored[attribute];
    const to = next[attribute];
    if (from === to || attribute === "UpdatedAt") continue;
    changes[attribute] = {
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
    };
  }
  return { record: toRecord(ScoreItem.parse(next)), changes };
}

/** `editScore`, answering the record alone. */
export async function updateScore(recordId: string, patch: unknown): Promise<ScoreRecord> {
  return (await editScore(recordId, patch)).record;
}

/**
 * A conditional DeleteItem: one REMOVE on the stream, or not_found. It works for a record with
 * missing or bad fields too (its REMOVE counts nothing: aggregator/aggregate.ts). Answers the item
 * as it was, for the operator action log.
 */
export async function deleteScore(recordId: string): Promise<Record<string, unknown>> {
  if (!isPlausibleId(recordId))
    throw new VisibleError("not_found", `score record ${recordId} not found`);
  try {
    const { Attributes } = await documentClient().send(
      new DeleteCommand({
        TableName: tableName("GameScoreRecords"),
        Key: { RecordID: recordId },
        ConditionExpression: "attribute_exists(RecordID)",
        ReturnValues: "ALL_OLD",
      }),
    );
    return Attributes ?? {};
  } catch (error) {
    if (isConditionalCheckFailed(error)) {
      throw new VisibleError("not_found", `score record ${recordId} not found`);
    }
    throw error;
  }
}
