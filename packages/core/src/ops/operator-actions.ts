import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { monotonicFactory } from "ulid";
import { z } from "zod";
import { VisibleError } from "../contract/error.ts";
import {
  OPERATOR_ACTIONS_LIMIT,
  OperatorAction,
  type OperatorActionPage,
} from "../contract/operator.ts";
import { documentClient } from "../infra/clients.ts";
import { tableName } from "../infra/resource.ts";

/*
 * The operator action log (table OperatorActions, infra/tables.ts): every edit, delete, re-apply
 * and acknowledge, with when, by whom and what changed or came of it, newest first. The routes
 * record an action once it has succeeded (a refused or failed action changed nothing, so there is
 * nothing to record); a re-apply that found the record still poison did run, and is recorded
 * with that outcome. One partition: operators act a few times a day.
 */

const LOG = "operator";
const KEEP_SECONDS = 90 * 24 * 60 * 60;
const newId = monotonicFactory();

/** What a route knows of an action it has done. */
export type ActionInput = Omit<OperatorAction, "id" | "at">;

const StoredAction = z.object({ Log: z.literal(LOG), At: z.string(), Action: z.string() });

/** Records an action; answers it as the log lists it. */
export async function recordAction(input: ActionInput, now = new Date()): Promise<OperatorAction> {
  const action = OperatorAction.parse({
    ...input,
    id: newId(now.getTime()),
    at: now.toISOString(),
  });
  await documentClient().send(
    new PutCommand({
      TableName: tableName("OperatorActions"),
      Item: {
        Log: LOG,
        // Time, then a ULID: unique, and text order is time order.
        At: `${action.at}#${action.id}`,
        Action: JSON.stringify(action),
        ExpiresAt: Math.floor(now.getTime() / 1000) + KEEP_SECONDS,
      },
      ConditionExpression: "attribute_not_exists(#at)",
      ExpressionAttributeNames: { "#at": "At" },
    }),
  );
  return action;
}

const encode = (at: string) => Buffer.from(at, "utf8").toString("base64url");
function decodeBefore(token: string): string {
  const at = Buffer.from(token, "base64url").toString("utf8");
  if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+Z#[0-9A-HJKMNP-TV-Z]{26}$/.test(at)) {
    throw new VisibleError("bad_request", "before is not one this endpoint returned");
  }
  return at;
}

/** The log, newest first; `before` (from a previous page) pages back. */
export async function listActions(
  q: { limit?: number; before?: string } = {},
): Promise<OperatorActionPage> {
  const limit = Math.min(
    OPERATOR_ACTIONS_LIMIT.max,
    Math.max(1, Math.floor(q.limit ?? OPERATOR_ACTIONS_LIMIT.default)),
  );
  const before = q.before === undefined ? undefined : decodeBefore(q.before);
  const { Items = [], LastEvaluatedKey } = await documentClient().send(
    new QueryCommand({
      TableName: tableName("OperatorActions"),
      KeyConditionExpression: before ? "#log = :log AND #at < :before" : "#log = :log",
      ExpressionAttributeNames: { "#log": "Log", ...(before ? { "#at": "At" } : {}) },
      ExpressionAttributeValues: { ":log": LOG, ...(before ? { ":before": before } : {}) },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  const actions: OperatorAction[] = [];
  for (const raw of Items) {
    const stored = StoredAction.safeParse(raw);
    if (!stored.success) continue;
    try {
      const parsed = OperatorAction.safeParse(JSON.parse(stored.data.Action));
      if (parsed.success) actions.push(parsed.data);
    } catch {
      // Not an entry this code wrote: skipped.
    }
  }
  const last: unknown = Items.at(-1)?.At;
  return {
    actions,
    ...(LastEvaluatedKey && typeof last === "string" ? { before: encode(last) } : {}),
  };
}

/**
 * Records an action a route has done. The action has happened whatever comes of this: a log
 * that cannot be written now (the table throttled or down) is reported in the server log, not
 * turned into an error answer that would make the operator repeat a done action.
 */
export async function recordActionSafely(input: ActionInput): Promise<void> {
  try {
    await recordAction(input);
  } catch (error) {
    console.error("[operator-actions] could not record", input, error);
  }
}
