import { z } from "zod";

/*
 * Operators' actions and their record: what the failure actions answer, and the operator action
 * log (`GET /api/operator-actions`), which the inspector shows. SDK-free.
 */

/** `release`: a name's claim released (names/claims.ts); the name is in `outcome`. */
export const OperatorActionKind = z.enum(["edit", "delete", "reapply", "acknowledge", "release"]);
export type OperatorActionKind = z.infer<typeof OperatorActionKind>;

/** One field an edit changed: its value before and after (absent: the field was missing). */
export const FieldChange = z.object({ from: z.unknown().optional(), to: z.unknown().optional() });
export type FieldChange = z.infer<typeof FieldChange>;

/** One entry of the operator action log. */
export const OperatorAction = z.object({
  id: z.string(),
  /** ISO-8601. */
  at: z.string(),
  /** The operator's credential as the server saw it (e.g. `session 1a2b3c4d`, `bearer token`). */
  by: z.string(),
  action: OperatorActionKind,
  recordId: z.string().optional(),
  /** The stream record acted on (re-apply, acknowledge). */
  eventId: z.string().optional(),
  /** The failure entry acted on. */
  failureId: z.string().optional(),
  /** For an edit: each field that changed. */
  changes: z.record(z.string(), FieldChange).optional(),
  /** What came of it, in words (e.g. "applied", "already applied", "still invalid: …"). */
  outcome: z.string(),
  note: z.string().optional(),
});
export type OperatorAction = z.infer<typeof OperatorAction>;

/** `?limit=` of GET /api/operator-actions. */
export const OPERATOR_ACTIONS_LIMIT = { default: 50, max: 200 } as const;

/** GET /api/operator-actions?limit=&before=: newest first; `before` pages back. */
export const OperatorActionPage = z.object({
  actions: z.array(OperatorAction),
  before: z.string().optional(),
});
export type OperatorActionPage = z.infer<typeof OperatorActionPage>;

/**
 * POST /api/failures/{id}/reapply and POST /api/stream/records/{logId}/reapply: the record went
 * through the aggregator again. `applied`: it counted now; `already_applied`: it had counted
 * before (its markers said so), nothing changed; `quarantined`: it still cannot be applied.
 */
export const ReapplyResult = z.object({
  outcome: z.enum(["applied", "already_applied", "quarantined"]),
  reason: z.string().optional(),
});
export type ReapplyResult = z.infer<typeof ReapplyResult>;
