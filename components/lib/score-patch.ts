import type { ScorePatch } from "@streamboard/core/contract";

/** A record as the edit dialog opens it. */
export interface EditableRecord {
  recordId: string;
  playerName: string;
  score: number;
  nickName?: string | undefined;
}

/** The dialog's fields, as typed. */
export interface EditFields {
  playerName: string;
  score: string;
  nickName: string;
}

/**
 * The PATCH body for what the operator changed, to be checked with `ScorePatch`: only changed
 * fields, so the MODIFY on the stream shows exactly the edit. A score that is not a whole number
 * is NaN (the schema refuses it). An emptied nickname field removes the nickname: `null`, as
 * `ScorePatch` defines it (`nickName: ""` would be refused as too short).
 */
export function patchOf(
  record: EditableRecord,
  fields: EditFields,
): { [K in keyof ScorePatch]?: unknown } {
  const patch: { [K in keyof ScorePatch]?: unknown } = {};
  if (fields.playerName !== record.playerName) patch.playerName = fields.playerName;
  const score = fields.score.trim();
  if (score !== String(record.score)) {
    patch.score = /^-?\d+$/.test(score) ? Number(score) : Number.NaN;
  }
  if (fields.nickName.trim() === "") {
    if (record.nickName !== undefined) patch.nickName = null;
  } else if (fields.nickName !== record.nickName) {
    patch.nickName = fields.nickName;
  }
  return patch;
}
