import type { ScorePatch } from "@streamboard/core/contract";

/**
 * A record as the edit dialog opens it. A record written around the API may lack fields (or hold
 * ones the API cannot take): those are undefined here, and the dialog asks for them.
 */
export interface EditableRecord {
  recordId: string;
  playerName?: string | undefined;
  score?: number | undefined;
  nickName?: string | undefined;
  createdAt?: string | undefined;
}

/** The dialog's fields, as typed. */
export interface EditFields {
  playerName: string;
  score: string;
  nickName: string;
  /** Absent: the dialog does not show it (the record's CreatedAt is fine). */
  createdAt?: string;
}

/**
 * The PATCH body for what the operator changed, to be checked with `ScorePatch`: only changed
 * fields, so the MODIFY on the stream shows exactly the edit. A score that is not a whole number
 * is NaN (the schema refuses it). An emptied nickname field removes the nickname: `null`, as
 * `ScorePatch` defines it (`nickName: ""` would be refused as too short). A field the record
 * lacks and the operator left empty is not sent: the server then says what is still missing.
 */
export function patchOf(
  record: EditableRecord,
  fields: EditFields,
): { [K in keyof ScorePatch]?: unknown } {
  const patch: { [K in keyof ScorePatch]?: unknown } = {};
  const lacking = (value: unknown, typed: string) => value === undefined && typed.trim() === "";
  if (fields.playerName !== record.playerName && !lacking(record.playerName, fields.playerName)) {
    patch.playerName = fields.playerName;
  }
  const score = fields.score.trim();
  if (score !== String(record.score) && !lacking(record.score, score)) {
    patch.score = /^-?\d+$/.test(score) ? Number(score) : Number.NaN;
  }
  if (fields.nickName.trim() === "") {
    if (record.nickName !== undefined) patch.nickName = null;
  } else if (fields.nickName !== record.nickName) {
    patch.nickName = fields.nickName;
  }
  if (fields.createdAt !== undefined) {
    const createdAt = fields.createdAt.trim();
    if (createdAt !== "" && createdAt !== record.createdAt) patch.createdAt = createdAt;
  }
  return patch;
}
