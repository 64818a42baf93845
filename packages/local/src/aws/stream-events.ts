/*
 * DynamoDB Streams events for the artifact tests, in the shape AWS documents
 * (samples/lambda-docs-dynamodb-stream-event.json): the same envelope, field for field, around
 * Streamboard's own item images.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";

const SAMPLES = path.join(path.dirname(fileURLToPath(import.meta.url)), "samples");

/** AWS's sample event, as its documentation prints it. */
export function lambdaDocsSample(): DynamoDBStreamEvent {
  return JSON.parse(
    fs.readFileSync(path.join(SAMPLES, "lambda-docs-dynamodb-stream-event.json"), "utf8"),
  ) as DynamoDBStreamEvent;
}

/** An item in the event's JSON form (binary values would be base64 strings; scores have none). */
const image = (item: ScoreItem) => marshall(item) as Record<string, AttributeValue>;

export type ScoreItem = {
  RecordID: string;
  PlayerName: string;
  Score: number;
  CreatedAt: string;
  UpdatedAt: string;
  Feed?: string;
  NickName?: string;
};

export type Change =
  | { eventName: "INSERT"; newImage: ScoreItem }
  | { eventName: "MODIFY"; oldImage: ScoreItem; newImage: ScoreItem }
  | { eventName: "REMOVE"; oldImage: ScoreItem };

/**
 * Changes to GameScoreRecords as a Lambda event, in the documented shape: `eventID`,
 * `eventVersion`, `dynamodb` {Keys, NewImage, OldImage, SequenceNumber, SizeBytes,
 * StreamViewType, ApproximateCreationDateTime}, `awsRegion`, `eventName`, `eventSourceARN`,
 * `eventSource`. Sequence numbers rise from `firstSequence` in steps of 100, as a shard's do.
 */
export function documentedEvent(
  changes: Change[],
  {
    streamArn,
    region = "us-east-1",
    firstSequence = 4_000_000_000_000_000_000_000n,
  }: {
    streamArn: string;
    region?: string;
    firstSequence?: bigint;
  },
): DynamoDBStreamEvent {
  const sample = lambdaDocsSample().Records[0]!;
  return {
    Records: changes.map((change, i): DynamoDBRecord => {
      const item = change.eventName === "REMOVE" ? change.oldImage : change.newImage;
      const NewImage = change.eventName === "REMOVE" ? undefined : image(change.newImage);
      const OldImage = change.eventName === "INSERT" ? undefined : image(change.oldImage);
      const sequence = (firstSequence + BigInt(i) * 100n).toString();
      return {
        eventID: `${sequence.slice(-12)}${i.toString(16).padStart(4, "0")}`,
        eventVersion: "1.1",
        dynamodb: {
          ApproximateCreationDateTime: Math.floor(Date.parse(item.UpdatedAt) / 1000),
          Keys: { RecordID: { S: item.RecordID } },
          ...(NewImage ? { NewImage } : {}),
          ...(OldImage ? { OldImage } : {}),
          SequenceNumber: sequence,
          SizeBytes: JSON.stringify([NewImage, OldImage]).length,
          StreamViewType: sample.dynamodb!.StreamViewType!,
        },
        awsRegion: region,
        eventName: change.eventName,
        eventSourceARN: streamArn,
        eventSource: sample.eventSource!,
      };
    }),
  };
}
