import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import type { AggregateEffect, RecordOutcome } from "../contract/stream.ts";
import { isConditionalCheckFailed } from "../infra/aws-errors.ts";
import { documentClient } from "../infra/clients.ts";
import { forEachConcurrently } from "../infra/concurrency.ts";
import { tableName } from "../infra/resource.ts";
import { LOG_RETENTION_SECONDS, logKeyOf } from "../stream/log.ts";
import { queryTopTotals } from "./store.ts";

/*
 * What each record did, written by the aggregator onto the record's stream log entry
 * (`Aggregator`, a RecordOutcome as JSON), so the inspector shows a record's effect on the board.
 *
 * After the batch's transactions commit, best effort: a failed write is logged, never fails or
 * retries the batch (the aggregates are right either way; the inspector then shows no outcome).
 * Each write is conditional on the entry having no outcome yet: a redelivered record, whose
 * changes the markers skip, would otherwise overwrite the first, real outcome with an empty one.
 * (A record all of whose changes the markers skipped is not written at all: aggregate.ts.) One
 * exception: an `applied` outcome replaces a `quarantined` one, since the record was re-applied
 * after it was set aside (an operator's re-apply), and the entry should say what it did at last.
 * The stream log function may write the rest of the entry before or after: it never touches
 * `Aggregator` (stream/log-writer.ts), and both set `ExpiresAt` only if absent.
 *
 * Totals and games before and after come from the apply path itself (aggregate.ts, in stream
 * order within a coalesced batch). Ranks: a player's rank is 1 + the number of higher totals,
 * and counting those on the index would cost more the lower the rank. Instead, once
 * per period of the batch (not per player, not per record), the top RANK_DEPTH totals are read in
 * one bounded Query, and every player of the batch is ranked against them: the board after is
 * that list with the batch's players at their new totals, the board before the same list with
 * them at their old ones (other writers' concurrent moves are in both). A total below the list's
 * last is left unranked (`rankBefore`/`rankAfter` absent: not counted); a player without games
 * is null (not on the board). When a player has several records in one batch, each is ranked
 * against the boards before and after the whole batch. These ranks count strictly higher totals
 * (1 + the players above): on the board itself an equal total reached earlier ranks first
 * (board/keys.ts), so beside a tie the log's rank may be one or more above the board's position.
 *
 * Cost per batch: one Query per distinct period (a batch of new scores touches 4: ALL, the day,
 * the week, the month), each reading at most RANK_DEPTH ~100-byte index rows: ≤ 1.5 read units
 * (eventually consistent), so ≤ ~6 read units a batch, whatever the board's size; plus one
 * UpdateItem per record on its log entry, billed on the entry's size (1 write unit: entries are
 * under 1 KB unless the images are large), and no index write (the indexes are KEYS_ONLY and
 * `Aggregator` is not a key). A redelivered record costs nothing (not written); one whose first
 * outcome is there for another reason, a failed conditional write (1 unit). Measured:
 * docs/deploy.md.
 */

/** How deep into a board the aggregator ranks: the top 100 (the board's first page). */
export const RANK_DEPTH = 100;
/**
 * Outcome writes in flight: the SDK's default socket pool (50), so a batch of 100 takes about two
 * round trips on AWS; more would only queue in the client. (16 took a 1,000-record backlog's drain
 * from 1.98 s to 2.28 s locally: `BENCH_SCALE=0.1 BENCH_SCENARIOS=1 npm run bench -- aggregator`.)
 */
const CONCURRENT_WRITES = 50;

/** How a quarantined outcome's JSON begins (`outcome` is its first key, as written here). */
const QUARANTINED_PREFIX = '{"outcome":"quarantined"';

/** One record's effect on one aggregate, by the record's sequence number. */
export interface RecordEffect {
  sequenceNumber: string;
  effect: AggregateEffect;
}

/**
 * Ranks before and after for each effect, with one bounded read per period (see the top).
 * A period whose read fails leaves its effects unranked.
 */
export async function rankEffects(effects: readonly RecordEffect[]): Promise<RecordEffect[]> {
  const byPeriod = new Map<string, RecordEffect[]>();
  for (const e of effects) {
    let list = byPeriod.get(e.effect.period);
    if (!list) byPeriod.set(e.effect.period, (list = []));
    list.push(e);
  }
  const ranked = new Map<RecordEffect, RecordEffect>();
  await forEachConcurrently([...byPeriod], CONCURRENT_WRITES, async ([period, list]) => {
    let top: { playerName: string; totalScore: number }[];
    try {
      top = await queryTopTotals(period, RANK_DEPTH);
    } catch (error) {
      console.error(`[aggregate] could not read the ${period} board to rank a batch`, error);
      return;
    }
    for (const [e, withRanks] of rankAgainst(top, list)) ranked.set(e, withRanks);
  });
  return effects.map((e) => ranked.get(e) ?? e);
}

/** Pure: the ranks of one period's effects against that period's top totals (see the top). */
export function rankAgainst(
  top: readonly { playerName: string; totalScore: number }[],
  effects: readonly RecordEffect[],
): Map<RecordEffect, RecordEffect> {
  const complete = top.length < RANK_DEPTH;
  const cutoff = complete ? -Infinity : top[top.length - 1]!.totalScore;
  // A player's first total of the batch (before) and last (after), in stream order.
  const first = new Map<string, number | null>();
  const last = new Map<string, number | null>();
  for (const { effect } of effects) {
    if (!first.has(effect.playerName)) first.set(effect.playerName, effect.totalBefore);
    last.set(effect.playerName, effect.totalAfter);
  }
  const boardWith = (overrides: Map<string, number | null>) => {
    const board = new Map(top.map((row) => [row.playerName, row.totalScore]));
    for (const [player, total] of overrides) {
      if (total === null) board.delete(player);
      else board.set(player, total);
    }
    return board;
  };
  const before = boardWith(first);
  const after = boardWith(last);
  const rankIn = (board: Map<string, number>, player: string, total: number | null) => {
    if (total === null) return null;
    // Below the cutoff, players the list does not hold may be above: not counted.
    if (total < cutoff) return undefined;
    let higher = 0;
    for (const [other, t] of board) if (other !== player && t > total) higher++;
    return higher + 1;
  };
  const out = new Map<RecordEffect, RecordEffect>();
  for (const e of effects) {
    const { playerName, totalBefore, totalAfter } = e.effect;
    const rankBefore = rankIn(before, playerName, totalBefore);
    const rankAfter = rankIn(after, playerName, totalAfter);
    out.set(e, {
      sequenceNumber: e.sequenceNumber,
      effect: {
        ...e.effect,
        ...(rankBefore !== undefined ? { rankBefore } : {}),
        ...(rankAfter !== undefined ? { rankAfter } : {}),
      },
    });
  }
  return out;
}

/** What to write onto one record's log entry. */
export interface OutcomeWrite {
  record: DynamoDBRecord;
  outcome: RecordOutcome;
}

/**
 * Writes each outcome onto its record's log entry, unless the entry has one already. Never
 * throws: failures are logged (see the top).
 */
export async function writeOutcomes(writes: readonly OutcomeWrite[]): Promise<void> {
  const nowMs = Date.now();
  await forEachConcurrently(writes, CONCURRENT_WRITES, async ({ record, outcome }) => {
    try {
      await documentClient().send(
        new UpdateCommand({
          TableName: tableName("StreamLog"),
          Key: logKeyOf(record, nowMs),
          UpdateExpression:
            "SET Aggregator = :outcome, ExpiresAt = if_not_exists(ExpiresAt, :expires)",
          // An applied outcome replaces a quarantined one: the record was re-applied (an
          // operator's re-apply, a transient refusal that passed), and that is what it did.
          ConditionExpression:
            outcome.outcome === "applied"
              ? "attribute_not_exists(Aggregator) OR begins_with(Aggregator, :quarantined)"
              : "attribute_not_exists(Aggregator)",
          ExpressionAttributeValues: {
            ":outcome": JSON.stringify(outcome),
            ":expires": Math.floor(nowMs / 1000) + LOG_RETENTION_SECONDS,
            ...(outcome.outcome === "applied" ? { ":quarantined": QUARANTINED_PREFIX } : {}),
          },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) return; // a redelivery: the first outcome stays
      const id = record.dynamodb?.SequenceNumber ?? record.eventID;
      console.error(`[aggregate] could not write the outcome of ${id} onto its log entry`, error);
    }
  });
}
