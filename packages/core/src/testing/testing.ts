import { marshall } from "@aws-sdk/util-dynamodb";
import type { AttributeValue, DynamoDBRecord } from "aws-lambda";
import { readAggregateItem } from "../aggregator/store.ts";
import { ALL_TIME } from "../period/period.ts";
import { toLambdaRecord } from "../stream/reader.ts";
import { readStreamHistory } from "../stream/history.ts";

/*
 * Test helpers (not used by production code): Lambda-shaped stream records, real ones read from
 * the engine's stream and synthetic ones for unit tests.
 */

type Image = Record<string, AttributeValue>;

/**
 * Follows GameScoreRecords' stream across shards: each `poll` returns the records written since
 * the previous one, in sequence-number order. The reader's history from the positions reached,
 * shards that ended not read again.
 */
export function tailStream() {
  const positions = new Map<string, string>();
  const finished = new Set<string>();
  return {
    async poll(): Promise<DynamoDBRecord[]> {
      const history = await readStreamHistory(positions, { skip: finished });
      if (!history) return [];
      const out: { seq: bigint; record: DynamoDBRecord }[] = [];
      for (const { shardId, records, ended } of history.shards) {
        for (const record of records) {
          const seq = record.dynamodb!.SequenceNumber!;
          positions.set(shardId, seq);
          out.push({ seq: BigInt(seq), record: toLambdaRecord(record, history.streamArn) });
        }
        if (ended) finished.add(shardId);
      }
      return out.sort((a, b) => (a.seq < b.seq ? -1 : 1)).map(({ record }) => record);
    },
  };
}

/** A synthetic stream record; images are plain objects, marshalled as DynamoDB would. */
export function streamRecord(options: {
  eventName: "INSERT" | "MODIFY" | "REMOVE";
  sequenceNumber: string;
  oldImage?: Record<string, unknown>;
  newImage?: Record<string, unknown>;
  approximateTime?: number;
}): DynamoDBRecord {
  const image = options.newImage ?? options.oldImage ?? {};
  const recordId = typeof image.RecordID === "string" ? image.RecordID : "unknown";
  const toImage = (value: Record<string, unknown>) =>
    marshall(value, { removeUndefinedValues: true }) as Image;
  return {
    eventID: `event-${options.sequenceNumber}`,
    eventName: options.eventName,
    eventSource: "aws:dynamodb",
    eventSourceARN: "arn:aws:dynamodb:us-east-1:000000000000:table/GameScoreRecords/stream/test",
    dynamodb: {
      ApproximateCreationDateTime: options.approximateTime ?? Math.floor(Date.now() / 1000),
      Keys: { RecordID: { S: recordId } },
      ...(options.newImage ? { NewImage: toImage(options.newImage) } : {}),
      ...(options.oldImage ? { OldImage: toImage(options.oldImage) } : {}),
      SequenceNumber: options.sequenceNumber,
      SizeBytes: 100,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    },
  };
}

/** A GameScoreRecords item (seed attribute names) for synthetic images. */
export function scoreItem(
  recordId: string,
  playerName: string,
  score: number,
  createdAt = "2025-01-01T00:00:00.000Z",
): Record<string, unknown> {
  return {
    RecordID: recordId,
    PlayerName: playerName,
    Score: score,
    CreatedAt: createdAt,
    UpdatedAt: createdAt,
  };
}

/** A player's ALL-time aggregate as stored (consistent read), or undefined. */
export async function aggregateOf(playerName: string) {
  return readAggregateItem({ playerName, period: ALL_TIME });
}
