import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { VisibleError } from "../contract/error.ts";
import { RecoverInput, nameField, parseInput, type ClaimKey } from "../contract/score.ts";
import { MAX_NAME_LENGTH, nameKey } from "../contract/score-rules.ts";
import { isConditionalCheckFailed } from "../infra/aws-errors.ts";
import { documentClient } from "../infra/clients.ts";
import { tableName } from "../infra/resource.ts";

/*
 * Names players own (table NameClaims, infra/tables.ts). One item per `nameKey` (NFC, lower case):
 * the name as first claimed (what every record under it is written with, so the board shows one
 * spelling), and while a device holds it, the SHA-256 of that device's id and of the claim's
 * recovery key. Neither secret is stored. A claim without a device is "open": an operator
 * submitted under the name, or released it; the next device to submit holds it, and keeps the
 * first spelling.
 *
 * Web Crypto rather than node:crypto, as in score.ts: this module must not break a bundle.
 */

export type ClaimWrite = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** Who submits: a device (the browser's cookie), or a trusted caller that needs no claim. */
export type Submitter = { device: string; operator?: false } | { operator: true };

/** A claim just made or moved: its recovery key, shown to the player this once. */
export type NewClaim = ClaimKey;

const ClaimItem = z.object({
  NameKey: z.string(),
  PlayerName: z.string(),
  DeviceHash: z.string().optional(),
  RecoveryHash: z.string().optional(),
  ClaimedAt: z.string(),
  UpdatedAt: z.string(),
});
type ClaimItem = z.infer<typeof ClaimItem>;

const table = () => tableName("NameClaims");

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

async function sha256(purpose: string, text: string): Promise<string> {
  const data = new TextEncoder().encode(`streamboard-${purpose}:${text}`);
  return base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", data)));
}

// --- device ids ---------------------------------------------------------------------------

const DEVICE_ID = /^[A-Za-z0-9_-]{32}$/;

/** A new device id: 192 random bits, the value of the device cookie. */
export const newDeviceId = (): string => base64url(crypto.getRandomValues(new Uint8Array(24)));

/** Whether a cookie value is a device id this server gave out (in form; anything else is ignored). */
export const isDeviceId = (value: string | undefined): value is string =>
  value !== undefined && DEVICE_ID.test(value);

const deviceHash = (device: string) => sha256("device", device);

// --- recovery keys ------------------------------------------------------------------------

// Crockford's base32: no I, L, O or U, so a key read aloud or copied by hand survives.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const KEY_CHARS = 32; // 160 bits

/** A new recovery key: 160 random bits as 8 groups of 4, e.g. `7K2Q-…`. */
export function newRecoveryKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(KEY_CHARS));
  const chars = [...bytes].map((b) => ALPHABET[b & 31]).join("");
  return chars.match(/.{4}/g)!.join("-");
}

/** A key as typed back: case, spaces and dashes do not matter; O, I and L read as 0, 1, 1. */
export function canonicalRecoveryKey(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
}

const recoveryHash = (key: string) => sha256("recovery", canonicalRecoveryKey(key));

// --- reading ------------------------------------------------------------------------------

async function readClaim(key: string): Promise<ClaimItem | undefined> {
  const { Item } = await documentClient().send(
    new GetCommand({ TableName: table(), Key: { NameKey: key }, ConsistentRead: true }),
  );
  return Item ? ClaimItem.parse(Item) : undefined;
}

/** A name's claim as anyone may know it: its first spelling, and whether a device holds it. */
export async function getClaim(
  playerName: string,
): Promise<{ playerName: string; held: boolean; claimedAt: string } | undefined> {
  const item = await readClaim(nameKey(parseInput(nameField("playerName"), playerName)));
  return (
    item && { playerName: item.PlayerName, held: !!item.DeviceHash, claimedAt: item.ClaimedAt }
  );
}

/** The first spelling of a (validated, normalised) name that has a claim, held or open. */
export async function claimedSpelling(playerName: string): Promise<string | undefined> {
  return (await readClaim(nameKey(playerName)))?.PlayerName;
}

/**
 * Reads a player by name as names compare: as given, and when that is not found, under the
 * name's first spelling ("linus t" finds "Linus T"; an NFD "José" the NFC one). For the read
 * routes (`GET /api/players/{name}`, its periods): submissions already store that spelling.
 */
export async function readAsNamed<T>(
  playerName: string,
  read: (playerName: string) => Promise<T>,
): Promise<T> {
  try {
    return await read(playerName);
  } catch (error) {
    const notFound = error instanceof VisibleError && error.code === "not_found";
    // A name longer than any valid one has no claim (and would not fit a key).
    if (!notFound || [...playerName].length > MAX_NAME_LENGTH * 2 || !nameKey(playerName)) {
      throw error;
    }
    const spelling = await claimedSpelling(playerName);
    if (spelling === undefined || spelling === playerName) throw error;
    return read(spelling);
  }
}

const takenMessage = (playerName: string) =>
  `The name "${playerName}" belongs to another device. If it is yours, use its recovery key to move it to this device ("Use my name on another device"); otherwise choose another name.`;

// --- submitting under a name --------------------------------------------------------------

/** What a submission under a name must write with its record, in one transaction. */
export interface ClaimPlan {
  /** The name the record is written under: the claim's first spelling. */
  playerName: string;
  /** Writes (or checks) on the claim, conditional on it being as read. */
  writes: ClaimWrite[];
  /** Set when this submission makes the device the holder. */
  claim?: NewClaim;
}

/**
 * How `who` may submit under `playerName` (validated and normalised): the claim as read decides,
 * and the writes returned hold the transaction to it, so a claim that changes in between cancels
 * the record too (the caller plans again). Throws `name_taken` when another device holds it.
 */
export async function planClaim(
  playerName: string,
  who: Submitter,
  now = new Date(),
): Promise<ClaimPlan> {
  const key = nameKey(playerName);
  const at = now.toISOString();
  const existing = await readClaim(key);
  const newItem = (extra: Partial<ClaimItem>) => ({
    Put: {
      TableName: table(),
      Item: { NameKey: key, PlayerName: playerName, ClaimedAt: at, UpdatedAt: at, ...extra },
      ConditionExpression: "attribute_not_exists(NameKey)",
    },
  });

  if (who.operator) {
    // A trusted game server: any name, no claim needed. An unknown name gets an open claim, so
    // its spelling is fixed for whoever holds it later.
    if (existing) return { playerName: existing.PlayerName, writes: [] };
    return { playerName, writes: [newItem({})] };
  }

  const mine = await deviceHash(who.device);
  if (existing?.DeviceHash === mine) {
    return {
      playerName: existing.PlayerName,
      writes: [
        {
          ConditionCheck: {
            TableName: table(),
            Key: { NameKey: key },
            ConditionExpression: "DeviceHash = :device",
            ExpressionAttributeValues: { ":device": mine },
          },
        },
      ],
    };
  }
  if (existing?.DeviceHash) throw new VisibleError("name_taken", takenMessage(existing.PlayerName));

  const recoveryKey = newRecoveryKey();
  const hashes = { DeviceHash: mine, RecoveryHash: await recoveryHash(recoveryKey) };
  if (!existing) {
    return {
      playerName,
      writes: [newItem(hashes)],
      claim: { playerName, recoveryKey },
    };
  }
  return {
    playerName: existing.PlayerName,
    writes: [
      {
        Update: {
          TableName: table(),
          Key: { NameKey: key },
          UpdateExpression: "SET DeviceHash = :device, RecoveryHash = :recovery, UpdatedAt = :at",
          ConditionExpression: "attribute_exists(NameKey) AND attribute_not_exists(DeviceHash)",
          ExpressionAttributeValues: {
            ":device": hashes.DeviceHash,
            ":recovery": hashes.RecoveryHash,
            ":at": at,
          },
        },
      },
    ],
    claim: { playerName: existing.PlayerName, recoveryKey },
  };
}

// --- recovery and release -----------------------------------------------------------------

/**
 * Moves a claim to `device` with its recovery key, and rotates the key: the old one stops
 * working and the new one is answered, to be shown once. A wrong key changes nothing (the write
 * is conditional on the stored hash).
 */
export async function recoverClaim(
  input: unknown,
  device: string,
  now = new Date(),
): Promise<NewClaim> {
  const { playerName, recoveryKey } = parseInput(RecoverInput, input);
  const key = nameKey(playerName);
  const existing = await readClaim(key);
  if (!existing?.RecoveryHash) {
    throw new VisibleError(
      "not_found",
      `No device holds the name "${existing?.PlayerName ?? playerName}": submit a score under it to claim it.`,
    );
  }
  const next = newRecoveryKey();
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: table(),
        Key: { NameKey: key },
        UpdateExpression: "SET DeviceHash = :device, RecoveryHash = :next, UpdatedAt = :at",
        ConditionExpression: "RecoveryHash = :given",
        ExpressionAttributeValues: {
          ":device": await deviceHash(device),
          ":next": await recoveryHash(next),
          ":given": await recoveryHash(recoveryKey),
          ":at": now.toISOString(),
        },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    throw new VisibleError(
      "forbidden",
      `That is not the recovery key of "${existing.PlayerName}" (or it was replaced since). Nothing changed: check the key and try again.`,
    );
  }
  return { playerName: existing.PlayerName, recoveryKey: next };
}

/**
 * An operator releases a claim: no device holds the name any more and its key stops working; the
 * next device to submit under it holds it (with the name's first spelling). `not_found` unless a
 * device held it.
 */
export async function releaseClaim(playerName: unknown, now = new Date()): Promise<string> {
  const name = parseInput(nameField("playerName"), playerName);
  try {
    const { Attributes } = await documentClient().send(
      new UpdateCommand({
        TableName: table(),
        Key: { NameKey: nameKey(name) },
        UpdateExpression: "REMOVE DeviceHash, RecoveryHash SET UpdatedAt = :at",
        ConditionExpression: "attribute_exists(DeviceHash)",
        ExpressionAttributeValues: { ":at": now.toISOString() },
        ReturnValues: "ALL_NEW",
      }),
    );
    return ClaimItem.parse(Attributes).PlayerName;
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    throw new VisibleError("not_found", `No device holds the name "${name}".`);
  }
}
