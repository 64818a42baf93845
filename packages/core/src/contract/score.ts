import { z } from "zod";
import { VisibleError } from "./error.ts";
import { MAX_SCORE, SCORE_MESSAGE, normalizeName, normalizedNameProblem } from "./score-rules.ts";

/*
 * The Score entity's schemas and shapes, with no AWS SDK and no Node built-ins, so client
 * components (forms) can import them; `@streamboard/core/score` re-exports all of this.
 */

export * from "./score-rules.ts";

/**
 * A player or nick name: NFC-normalised and trimmed, then held to `normalizedNameProblem` (the
 * rules the score form runs in the browser), so what is validated is exactly what is stored.
 */
export function nameField(field: string) {
  return z
    .string({
      error: (issue) =>
        issue.input === undefined ? `${field} is required` : `${field} must be a string`,
    })
    .overwrite(normalizeName)
    .superRefine((value, ctx) => {
      const problem = normalizedNameProblem(field, value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });
}

const scoreField = z
  .number({
    error: (issue) => (issue.input === undefined ? "score is required" : SCORE_MESSAGE),
  })
  .int({ error: SCORE_MESSAGE })
  .min(0, { error: SCORE_MESSAGE })
  .max(MAX_SCORE, { error: SCORE_MESSAGE });

const objectError = { error: "the body must be a JSON object" };

/** POST /api/scores. Unknown fields are dropped; known ones must have the right type. */
export const ScoreInput = z.object(
  {
    playerName: nameField("playerName"),
    score: scoreField,
    nickName: nameField("nickName").optional(),
  },
  objectError,
);
export type ScoreInput = z.infer<typeof ScoreInput>;

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const CREATED_AT_MESSAGE = "createdAt must be an ISO-8601 UTC time, e.g. 2025-01-31T12:00:00.000Z";

/** An ISO-8601 UTC time (`…Z`), normalised to milliseconds as the API writes them. */
const createdAtField = z
  .string({ error: CREATED_AT_MESSAGE })
  .trim()
  // A real instant: "2025-02-30" parses (rolling over to March), so it must round-trip.
  .refine(
    (value) =>
      ISO_UTC.test(value) &&
      !Number.isNaN(Date.parse(value)) &&
      new Date(value).toISOString().slice(0, 19) === value.slice(0, 19),
    { error: CREATED_AT_MESSAGE },
  )
  .transform((value) => new Date(value).toISOString());

/**
 * PATCH /api/scores/{recordId}. `nickName: null` removes the nickname. `createdAt` completes (or
 * corrects) the time a game counts at: it decides the record's day, week and month.
 */
export const ScorePatch = z
  .object(
    {
      score: scoreField.optional(),
      nickName: nameField("nickName").nullable().optional(),
      playerName: nameField("playerName").optional(),
      createdAt: createdAtField.optional(),
    },
    objectError,
  )
  .refine(
    (patch) =>
      patch.score !== undefined ||
      patch.nickName !== undefined ||
      patch.playerName !== undefined ||
      patch.createdAt !== undefined,
    { error: "a change must set at least one of score, nickName, playerName, createdAt" },
  );
export type ScorePatch = z.infer<typeof ScorePatch>;

/**
 * A GameScoreRecords item (after `unmarshall`), from the table or a stream image. Names are not
 * re-trimmed here: the stored name is the aggregate's key, whoever wrote it.
 */
export const ScoreItem = z.object({
  RecordID: z.string().min(1),
  PlayerName: z.string().min(1),
  Score: scoreField,
  NickName: z.string().optional(),
  CreatedAt: z.string().min(1),
  UpdatedAt: z.string().min(1),
});
export type ScoreItem = z.infer<typeof ScoreItem>;

/** A score record as the API answers it (`POST`/`GET`/`PATCH /api/scores…`). */
export const ScoreRecord = z.object({
  recordId: z.string().min(1),
  playerName: z.string().min(1),
  score: z.number().int(),
  nickName: z.string().optional(),
  /** ISO-8601 */
  createdAt: z.string().min(1),
  /** ISO-8601 */
  updatedAt: z.string().min(1),
});
export type ScoreRecord = z.infer<typeof ScoreRecord>;

/**
 * A name's recovery key, shown once: in `POST /api/scores`'s answer when that score claimed the
 * name for the device, and in `POST /api/claims/recover`'s (the key is replaced on every move).
 */
export const ClaimKey = z.object({ playerName: z.string().min(1), recoveryKey: z.string().min(1) });
export type ClaimKey = z.infer<typeof ClaimKey>;

/** `POST /api/scores` 201: the record, and `claim` when this score claimed the name. */
export const ScoreSubmitted = ScoreRecord.extend({ claim: ClaimKey.optional() });
export type ScoreSubmitted = z.infer<typeof ScoreSubmitted>;

/** `POST /api/claims/recover`: move a name to this device with its recovery key. */
export const RecoverInput = z.object(
  {
    playerName: nameField("playerName"),
    recoveryKey: z
      .string({
        error: (issue) =>
          issue.input === undefined ? "recoveryKey is required" : "recoveryKey must be a string",
      })
      .trim()
      .min(1, { error: "recoveryKey is required" })
      .max(200, { error: "recoveryKey is not a recovery key" }),
  },
  objectError,
);
export type RecoverInput = z.infer<typeof RecoverInput>;

/** One thing wrong with a stored record: the attribute (as stored, e.g. `PlayerName`) and why. */
export const RecordProblem = z.object({ field: z.string(), message: z.string() });
export type RecordProblem = z.infer<typeof RecordProblem>;

/**
 * `GET /api/scores/{recordId}` of a record written around the API that does not decode: 200 with
 * what is there, flagged. The API fields hold what decodes; `item` is every stored attribute.
 * A PATCH that supplies what is missing completes it into a valid record, in one write.
 */
export const InvalidScoreRecord = z.object({
  recordId: z.string(),
  invalid: z.literal(true),
  problems: z.array(RecordProblem),
  playerName: z.string().optional(),
  score: z.number().optional(),
  nickName: z.string().optional(),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
  item: z.record(z.string(), z.unknown()),
});
export type InvalidScoreRecord = z.infer<typeof InvalidScoreRecord>;

/** What `GET /api/scores/{recordId}` answers: the record, or what there is of an invalid one. */
export const StoredScoreRecord = z.union([InvalidScoreRecord, ScoreRecord]);
export type StoredScoreRecord = z.infer<typeof StoredScoreRecord>;

/** The API field that completes a stored attribute (UpdatedAt: the server sets it on every write). */
export const PATCH_FIELD_OF: Record<string, keyof ScorePatch | undefined> = {
  PlayerName: "playerName",
  Score: "score",
  NickName: "nickName",
  CreatedAt: "createdAt",
};

/**
 * What is wrong with a stored item, attribute by attribute, in words an operator can act on:
 * what is missing or wrong, and which field of a PATCH completes it.
 */
export function problemsOf(item: Record<string, unknown>): RecordProblem[] {
  const parsed = ScoreItem.safeParse(item);
  if (parsed.success) return [];
  const problems = new Map<string, string>();
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? "");
    if (problems.has(field)) continue;
    const send = PATCH_FIELD_OF[field];
    const value = item[field];
    const shown = JSON.stringify(value)?.slice(0, 60) ?? String(value);
    const what =
      value === undefined
        ? `${field} is missing`
        : field === "Score" && typeof value === "string"
          ? `${field} is ${shown}, not a number the API can hold`
          : `${field} is ${shown}: ${issue.message}`;
    problems.set(field, send ? `${what}: send ${send}` : what);
  }
  return [...problems].map(([field, message]) => ({ field, message }));
}

/** A stored item as `GET /api/scores/{recordId}` answers it: the record, or what there is of it. */
export function storedRecordOf(item: Record<string, unknown>): StoredScoreRecord {
  const parsed = ScoreItem.safeParse(item);
  if (parsed.success) return toRecord(parsed.data);
  const text = (name: string) => {
    const value = item[name];
    return typeof value === "string" ? value : undefined;
  };
  const score = typeof item.Score === "number" ? item.Score : undefined;
  const playerName = text("PlayerName");
  const nickName = text("NickName");
  const createdAt = text("CreatedAt");
  const updatedAt = text("UpdatedAt");
  return {
    recordId: text("RecordID") ?? "",
    invalid: true,
    problems: problemsOf(item),
    ...(playerName !== undefined ? { playerName } : {}),
    ...(score !== undefined ? { score } : {}),
    ...(nickName !== undefined ? { nickName } : {}),
    ...(createdAt !== undefined ? { createdAt } : {}),
    ...(updatedAt !== undefined ? { updatedAt } : {}),
    item,
  };
}

/** GET /api/scores: newest first. */
/** GET /api/scores: newest first; `cursor` while older records follow (pass it back). */
export const ScoreList = z.object({ records: z.array(ScoreRecord), cursor: z.string().optional() });
export type ScoreList = z.infer<typeof ScoreList>;

export function toRecord(item: ScoreItem): ScoreRecord {
  return {
    recordId: item.RecordID,
    playerName: item.PlayerName,
    score: item.Score,
    ...(item.NickName !== undefined ? { nickName: item.NickName } : {}),
    createdAt: item.CreatedAt,
    updatedAt: item.UpdatedAt,
  };
}

export function toItem(record: ScoreRecord): ScoreItem {
  return {
    RecordID: record.recordId,
    PlayerName: record.playerName,
    Score: record.score,
    ...(record.nickName !== undefined ? { NickName: record.nickName } : {}),
    CreatedAt: record.createdAt,
    UpdatedAt: record.updatedAt,
  };
}

/** Parses with a schema, or throws `invalid_input` carrying every issue. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const messages = [...new Set(result.error.issues.map((issue) => issue.message))];
  throw new VisibleError("invalid_input", messages.join("; "), result.error.issues);
}
