import { GetItemCommand, QueryCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { AggregateItem, fromAggregateItem, type Aggregate } from "./aggregate.ts";
import { dynamo } from "./dynamo.ts";
import { clampLimit } from "./dynamo-errors.ts";
import { VisibleError } from "./error.ts";
import { parsePeriod } from "./period.ts";
import { tableName } from "./resource.ts";

const BOARD_FIELDS =
  "PlayerName, Period, TotalScore, GamesPlayed, BestScore, LastScore, LastPlayedAt, LastRecordID, UpdatedAt, Version";
const BoardItem = AggregateItem.omit({ Applied: true });

export type LeaderboardEntry = {
  rank: number;
  playerName: string;
  totalScore: number;
  gamesPlayed: number;
  bestScore: number;
  lastScore: number;
  updatedAt: string;
};

function toEntry(aggregate: Aggregate, rank: number): LeaderboardEntry {
  return {
    rank,
    playerName: aggregate.playerName,
    totalScore: aggregate.totalScore,
    gamesPlayed: aggregate.gamesPlayed,
    // Absent only for a moment, while the aggregator waits for the index to show a lowered best.
    bestScore: aggregate.bestScore ?? 0,
    lastScore: aggregate.last?.score ?? 0,
    updatedAt: aggregate.updatedAt ?? "",
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
  const aggregates: Aggregate[] = [];
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
        // The aggregator's bookkeeping (Applied) stays in the table.
        ProjectionExpression: BOARD_FIELDS,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const raw of page.Items ?? []) {
      const parsed = BoardItem.safeParse(unmarshall(raw));
      if (parsed.success && parsed.data.GamesPlayed > 0) {
        aggregates.push(fromAggregateItem({ ...parsed.data, Applied: {} }));
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
  return toEntry(aggregate, higher + 1);
}
