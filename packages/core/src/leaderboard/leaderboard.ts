import { GetItemCommand, QueryCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { z } from "zod";
import { AggregateItem, fromAggregateItem, type Aggregate } from "../aggregator/aggregate.ts";
import { dynamo } from "../infra/clients.ts";
import { clampLimit } from "../contract/limits.ts";
import { VisibleError } from "../contract/error.ts";
import type { LeaderboardEntry } from "../contract/leaderboard.ts";
import { parsePeriod } from "../period/period.ts";
import { tableName } from "../infra/resource.ts";

/** What ByPeriodTotal projects (core/tables.ts): a board row, and nothing of the bookkeeping. */
const BOARD_FIELDS = "PlayerName, Period, TotalScore, GamesPlayed, BestScore, LastScore, UpdatedAt";
const BoardItem = AggregateItem.pick({
  PlayerName: true,
  Period: true,
  TotalScore: true,
  GamesPlayed: true,
  BestScore: true,
  LastScore: true,
  UpdatedAt: true,
});
type BoardItem = z.infer<typeof BoardItem>;

/** What a board row needs of an aggregate. */
interface BoardRow {
  playerName: string;
  totalScore: number;
  gamesPlayed: number;
  bestScore?: number | undefined;
  lastScore?: number | undefined;
  updatedAt?: string | undefined;
}

const rowOf = (item: BoardItem): BoardRow => ({
  playerName: item.PlayerName,
  totalScore: item.TotalScore ?? 0,
  gamesPlayed: item.GamesPlayed,
  bestScore: item.BestScore,
  lastScore: item.LastScore,
  updatedAt: item.UpdatedAt,
});

const rowOfAggregate = (aggregate: Aggregate): BoardRow => ({
  playerName: aggregate.playerName,
  totalScore: aggregate.totalScore,
  gamesPlayed: aggregate.gamesPlayed,
  bestScore: aggregate.bestScore,
  lastScore: aggregate.last?.score,
  updatedAt: aggregate.updatedAt,
});

export type { LeaderboardEntry } from "../contract/leaderboard.ts";

function toEntry(row: BoardRow, rank: number): LeaderboardEntry {
  return {
    rank,
    playerName: row.playerName,
    totalScore: row.totalScore,
    gamesPlayed: row.gamesPlayed,
    // Absent only for a moment, while the aggregator waits for the index to show a lowered best.
    bestScore: row.bestScore ?? 0,
    lastScore: row.lastScore ?? 0,
    updatedAt: row.updatedAt ?? "",
  };
}

/**
 * The top N of a period with one Query of the sparse ByPeriodTotal index (players with no games
 * have no TotalScore, so they are not in it). Equal totals share a rank (1, 2, 2, 4): every higher
 * total is above them in the same page, so ranks need no second read.
 */
export async function getLeaderboard(
  q: { limit?: number; period?: string } = {},
): Promise<{ entries: LeaderboardEntry[]; generatedAt: string }> {
  const limit = clampLimit(q.limit, 10, 100);
  const period = parsePeriod(q.period);
  const aggregates: BoardRow[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: tableName("GameScoresByUser"),
        IndexName: "ByPeriodTotal",
        KeyConditionExpression: "Period = :period",
        ExpressionAttributeValues: { ":period": { S: period } },
        ScanIndexForward: false,
        Limit: limit - aggregates.length,
        ProjectionExpression: BOARD_FIELDS,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const raw of page.Items ?? []) {
      const parsed = BoardItem.safeParse(unmarshall(raw));
      if (parsed.success && parsed.data.GamesPlayed > 0) {
        aggregates.push(rowOf(parsed.data));
      } else if (!parsed.success) {
        console.error(`[leaderboard] skipping a malformed aggregate`, parsed.error.issues);
      }
    }
    // One Query, unless the 1 MB page limit cut it short of `limit` (items read count, not returned).
    startKey = page.LastEvaluatedKey;
  } while (startKey && aggregates.length < limit);
  // The index leaves the order of equal totals open; by name, the board does not flicker.
  aggregates.sort((a, b) => b.totalScore - a.totalScore || (a.playerName < b.playerName ? -1 : 1));
  const entries: LeaderboardEntry[] = [];
  for (const [index, aggregate] of aggregates.entries()) {
    const previous = entries[index - 1];
    const rank =
      previous && previous.totalScore === aggregate.totalScore ? previous.rank : index + 1;
    entries.push(toEntry(aggregate, rank));
  }
  return { entries, generatedAt: new Date().toISOString() };
}

/** One player's aggregate with their rank: 1 + how many players have a higher total. */
export async function getPlayer(playerName: string, period?: string): Promise<LeaderboardEntry> {
  const name = playerName.trim();
  const periodName = parsePeriod(period);
  const notFound = () => new VisibleError("not_found", `player ${name} has no games`);
  if (!name || name.length > 1024) throw notFound();
  const { Item } = await dynamo().send(
    new GetItemCommand({
      TableName: tableName("GameScoresByUser"),
      Key: { PlayerName: { S: name }, Period: { S: periodName } },
      ConsistentRead: true,
    }),
  );
  const aggregate = Item && fromAggregateItem(AggregateItem.parse(unmarshall(Item)));
  if (!aggregate || aggregate.gamesPlayed <= 0) throw notFound();

  let higher = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    // A COUNT Query still pages at 1 MB of index data read, so sum the pages.
    const page = await dynamo().send(
      new QueryCommand({
        TableName: tableName("GameScoresByUser"),
        IndexName: "ByPeriodTotal",
        KeyConditionExpression: "Period = :period AND TotalScore > :total",
        ExpressionAttributeValues: {
          ":period": { S: periodName },
          ":total": { N: String(aggregate.totalScore) },
        },
        Select: "COUNT",
        ExclusiveStartKey: startKey,
      }),
    );
    higher += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return toEntry(rowOfAggregate(aggregate), higher + 1);
}
