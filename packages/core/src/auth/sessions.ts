import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  ScanCommand,
} from "@aws-sdk/lib-dynamodb";
import { documentClient } from "../infra/clients.ts";
import { tableName } from "../infra/resource.ts";

/*
 * Operator sessions that can end. The cookie is `<expires>.<id>.<mac>`: a random id, its expiry
 * (epoch seconds) and an HMAC of both keyed by OPERATOR_TOKEN — never the token itself. A session
 * is valid while
 *   - the MAC verifies with the current token (rotating the token ends every session), and
 *   - the Sessions table holds its id's hash (logout deletes it; "sign out everywhere" deletes
 *     them all), and
 *   - it has not expired (the cookie says so, and TTL deletes the item after).
 * The table stores a SHA-256 of the id, so a copy of the table gives no cookie. Every cookie
 * request costs one strongly consistent GetItem (1 read unit), so a logout is final at once.
 */

export const SESSION_TTL_SECONDS = 12 * 60 * 60;

/** Constant-time string equality; hashing first makes the comparison independent of length. */
export function safeEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(a), digest(b));
}

const mac = (token: string, expires: number, id: string) =>
  createHmac("sha256", token).update(`streamboard-session:${expires}:${id}`).digest("base64url");

const keyOf = (id: string) => createHash("sha256").update(id, "utf8").digest("base64url");

interface Parsed {
  id: string;
  expires: number;
}

/** The session a cookie names, if its MAC verifies with this token and it has not expired. */
function parse(token: string, cookie: string | undefined, now: number): Parsed | undefined {
  if (!cookie || cookie.length > 200) return undefined;
  const [expiresText, id, given, ...rest] = cookie.split(".");
  if (!expiresText || !id || !given || rest.length > 0 || !/^\d{1,12}$/.test(expiresText)) {
    return undefined;
  }
  const expires = Number(expiresText);
  if (expires * 1000 <= now) return undefined;
  return safeEqual(given, mac(token, expires, id)) ? { id, expires } : undefined;
}

/** Starts a session; answers its cookie value. Call only once the token was verified. */
export async function startSession(
  token: string,
  { now = Date.now(), userAgent }: { now?: number; userAgent?: string } = {},
): Promise<string> {
  const id = randomBytes(18).toString("base64url");
  const expires = Math.floor(now / 1000) + SESSION_TTL_SECONDS;
  await documentClient().send(
    new PutCommand({
      TableName: tableName("Sessions"),
      Item: {
        SessionID: keyOf(id),
        CreatedAt: new Date(now).toISOString(),
        ...(userAgent ? { UserAgent: userAgent.slice(0, 200) } : {}),
        ExpiresAt: expires,
      },
    }),
  );
  return `${expires}.${id}.${mac(token, expires, id)}`;
}

/** Whether a cookie value is a live session under this token. */
export async function verifySession(
  token: string,
  cookie: string | undefined,
  now = Date.now(),
): Promise<boolean> {
  const session = parse(token, cookie, now);
  if (!session) return false;
  const { Item } = await documentClient().send(
    new GetCommand({
      TableName: tableName("Sessions"),
      Key: { SessionID: keyOf(session.id) },
      ConsistentRead: true,
    }),
  );
  return Item !== undefined && Number(Item.ExpiresAt) * 1000 > now;
}

/** A short tag of the session for the operator action log: 8 hex digits of a hash of its id. */
export function sessionTag(cookie: string): string {
  const id = cookie.split(".")[1] ?? cookie;
  return createHash("sha256").update(`tag:${id}`, "utf8").digest("hex").slice(0, 8);
}

/** Ends one session (logout). Ending one that is already gone is not an error. */
export async function endSession(cookie: string | undefined): Promise<void> {
  const id = cookie?.split(".")[1];
  if (!id) return;
  await documentClient().send(
    new DeleteCommand({ TableName: tableName("Sessions"), Key: { SessionID: keyOf(id) } }),
  );
}

/**
 * Ends every session ("sign out everywhere"); answers how many. A Scan: the table holds only
 * operator sessions, each gone within 12 hours, so it is a handful of items — an operator
 * action, never behind a public route.
 */
export async function endAllSessions(): Promise<number> {
  const client = documentClient();
  let ended = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName("Sessions"),
        ProjectionExpression: "SessionID",
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    const keys = (page.Items ?? []).map((item) => ({ SessionID: item.SessionID as string }));
    for (let i = 0; i < keys.length; i += 25) {
      let requests: Record<string, unknown>[] | undefined = keys
        .slice(i, i + 25)
        .map((Key) => ({ DeleteRequest: { Key } }));
      for (let round = 0; requests?.length && round < 8; round++) {
        const answer: { UnprocessedItems?: Record<string, typeof requests> } = await client.send(
          new BatchWriteCommand({ RequestItems: { [tableName("Sessions")]: requests } }),
        );
        requests = answer.UnprocessedItems?.[tableName("Sessions")];
      }
      if (requests?.length) throw new Error("Could not end every session: try again.");
    }
    ended += keys.length;
    start = page.LastEvaluatedKey;
  } while (start);
  return ended;
}
