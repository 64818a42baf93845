import type { Tables } from "./storage.ts";

/** Every DynamoDB Streams action: what the web tier is denied. */
export const STREAMS_API = [
  "dynamodb:DescribeStream",
  "dynamodb:GetRecords",
  "dynamodb:GetShardIterator",
  "dynamodb:ListStreams",
] as const;

/**
 * The Next.js app (OpenNext on Lambda behind CloudFront), linked to the tables it reads and
 * writes. Under `sst dev` it is not deployed: SST runs `next dev` locally with the same links.
 *
 * It never reads the stream: the stream's two readers are the aggregator and the stream log
 * (stacks/stream-log.ts), and each web server instance would be one more, throttling them. The
 * inspector reads StreamLog and StreamMetrics instead.
 */
export function createWeb({
  GameScoreRecords,
  GameScoresByUser,
  BoardCounts,
  AggregatorMarks,
  Quarantine,
  Idempotency,
  StreamLog,
  StreamMetrics,
  OperatorActions,
  NameClaims,
  RateLimits,
  Sessions,
}: Tables) {
  // Set per stage: `npx sst secret set OperatorToken <token> --stage <stage>`.
  const operatorToken = new sst.Secret("OperatorToken");

  return new sst.aws.Nextjs("Web", {
    link: [
      // Scores: submit, list, edit, delete (Idempotency: POST's replay keys).
      GameScoreRecords,
      Idempotency,
      // The boards, and re-applying a failed record: the aggregator's own code, with its markers.
      GameScoresByUser,
      BoardCounts,
      AggregatorMarks,
      // The failures panel and its actions, and what operators did.
      Quarantine,
      OperatorActions,
      // The inspector: the stream log (and the aggregator's outcomes on it), and its charts.
      StreamLog,
      StreamMetrics,
      // The doors: players' name claims, the shared token buckets, operator sessions.
      NameClaims,
      RateLimits,
      Sessions,
    ],
    // The link to GameScoreRecords grants `dynamodb:*` on `<table>/*`, its stream included: deny
    // the Streams API outright, so no code path of the web tier can become a third reader.
    permissions: [{ effect: "deny", actions: [...STREAMS_API], resources: ["*"] }],
    environment: { OPERATOR_TOKEN: operatorToken.value },
    // `npm run dev` would start the embedded local stack; here the tables are the stage's own.
    dev: { command: "npm run dev:next" },
  });
}
