import {
  DeleteCommand,
  GetCommand,
  paginateQuery,
  paginateScan,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { monotonicFactory } from "ulid";
import { z } from "zod";
import { documentClient } from "../infra/clients.ts";
import { clampLimit } from "../contract/limits.ts";
import { isConditionalCheckFailed } from "../infra/aws-errors.ts";
import { VisibleError } from "../contract/error.ts";
import { tableName } from "../infra/resource.ts";
import {
  ScoreInput,
  ScoreItem,
  ScorePatch,
  nameField,
  parseInput,
  toItem,
  toRecord,
  type ScoreRecord,
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

/** Writes a new record; false when the RecordID is already taken. */
async function putNewRecord(record: ScoreRecord): Promise<boolean> {
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tableName("GameScoreRecords"),
        Item: toItem(record),
        ConditionExpression: "attribute_not_exists(RecordID)",
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
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

/**
 * Submits a game result. With an idempotency key, the key is claimed first (a conditional put in
 * the Idempotency table), then the record is written, then the claim is marked completed. Any
 * retry with the same key and body returns the record; a retry that finds the claim but not the
 * record (the first attempt crashed, or is still in flight) writes the very same item (same
 * RecordID and CreatedAt), so at most one INSERT reaches the stream.
 */
export async function submitScore(
  input: unknown,
  opts: { idempotencyKey?: string } = {},
): Promise<{ record: ScoreRecord; replayed: boolean }> {
  const parsed = parseInput(ScoreInput, input);
  const now = new Date();
  const createdAt = now.toISOString();
  if (opts.idempotencyKey === undefined) {
    const record = newRecord(parsed, newRecordId(now.getTime()), createdAt);
    if (!(await putNewRecord(record))) throw new Error(`RecordID collision: ${record.recordId}`);
    return { record, replayed: false };
  }

  const key = opts.idempotencyKey;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new VisibleError("bad_request", "Idempotency-Key must be 1–255 visible ASCII characters");
  }
  const hash = await bodyHash(parsed);
  const claim: IdempotencyItem = {
    IdempotencyKey: key,
    RecordID: newRecordId(now.getTime()),
    BodyHash: hash,
    CreatedAt: createdAt,
    ExpiresAt: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS,
  };
  const claimed = await claimKey(claim, now);
  if (claimed) {
    const record = newRecord(parsed, claim.RecordID, claim.CreatedAt);
    // A concurrent retry may have completed our record first: it wrote the same item.
    const written = await putNewRecord(record);
    await markCompleted(key);
    return {
      record: written ? record : ((await readRecord(record.recordId)) ?? record),
      replayed: false,
    };
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
  const written = await putNewRecord(original);
  await markCompleted(key);
  return {
    record: written ? original : ((await readRecord(original.recordId)) ?? original),
    replayed: true,
  };
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

export async function getScore(recordId: string): Promise<ScoreRecord> {
  const record = isPlausibleId(recordId) ? await readRecord(recordId) : undefined;
  if (!record) throw new VisibleError("not_found", `score record ${recordId} not found`);
  return record;
}

/**
 * Newest first. With a player, their whole history from the ByPlayer index (sorted by score, so
 * re-sorted here by time); without, a Scan of the table. Both read everything they sort: fine for
 * the local engine and a demo's volume. At scale this wants a time-ordered index (e.g. a GSI on
 * CreatedAt under a sharded constant key) to Query the newest N directly.
 */
export async function listScores(
  q: { playerName?: string; limit?: number } = {},
): Promise<ScoreRecord[]> {
  const limit = clampLimit(q.limit, "scores");
  const playerName =
    q.playerName === undefined ? undefined : parseInput(nameField("playerName"), q.playerName);
  const items: Record<string, unknown>[] = [];
  if (playerName !== undefined) {
    for await (const item of playerItems(playerName)) items.push(item);
  } else {
    const pages = paginateScan(
      { client: documentClient() },
      { TableName: tableName("GameScoreRecords") },
    );
    for await (const page of pages) items.push(...(page.Items ?? []));
  }

  const records: ScoreRecord[] = [];
  for (const item of items) {
    const decoded = ScoreItem.safeParse(item);
    // One malformed item (written around the API) must not hide everyone's history.
    if (decoded.success) records.push(toRecord(decoded.data));
  }
  return records
    .sort((a, b) => compareDesc(a.createdAt, b.createdAt) || compareDesc(a.recordId, b.recordId))
    .slice(0, limit);
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

const compareDesc = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);

/** A conditional UpdateItem: one MODIFY on the stream, or not_found and no write at all. */
export async function updateScore(recordId: string, patch: unknown): Promise<ScoreRecord> {
  const parsed = parseInput(ScorePatch, patch);
  if (!isPlausibleId(recordId))
    throw new VisibleError("not_found", `score record ${recordId} not found`);
  const set: string[] = ["UpdatedAt = :updatedAt"];
  const remove: string[] = [];
  const values: Record<string, string | number> = { ":updatedAt": new Date().toISOString() };
  if (parsed.score !== undefined) {
    set.push("Score = :score");
    values[":score"] = parsed.score;
  }
  if (parsed.playerName !== undefined) {
    set.push("PlayerName = :playerName");
    values[":playerName"] = parsed.playerName;
  }
  if (parsed.nickName === null) remove.push("NickName");
  else if (parsed.nickName !== undefined) {
    set.push("NickName = :nickName");
    values[":nickName"] = parsed.nickName;
  }
  try {
    const { Attributes } = await documentClient().send(
      new UpdateCommand({
        TableName: tableName("GameScoreRecords"),
        Key: { RecordID: recordId },
        UpdateExpression: `SET ${set.join(", ")}${remove.length ? ` REMOVE ${remove.join(", ")}` : ""}`,
        ConditionExpression: "attribute_exists(RecordID)",
        ExpressionAttributeValues: values,
        ReturnValues: "ALL_NEW",
      }),
    );
    if (!Attributes) throw new Error("UpdateItem returned no attributes");
    return decodeStored(Attributes);
  } catch (error) {
    if (isConditionalCheckFailed(error)) {
      throw new VisibleError("not_found", `score record ${recordId} not found`);
    }
    throw error;
  }
}

/** A conditional DeleteItem: one REMOVE on the stream, or not_found. */
export async function deleteScore(recordId: string): Promise<void> {
  if (!isPlausibleId(recordId))
    throw new VisibleError("not_found", `score record ${recordId} not found`);
  try {
    await documentClient().send(
      new DeleteCommand({
        TableName: tableName("GameScoreRecords"),
        Key: { RecordID: recordId },
        ConditionExpression: "attribute_exists(RecordID)",
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) {
      throw new VisibleError("not_found", `score record ${recordId} not found`);
    }
    throw error;
  }
}
