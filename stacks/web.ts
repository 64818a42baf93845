import { functionLinks, lambdaRuntime, OPEN_NEXT_VERSION } from "./functions.ts";
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
export function createWeb(tables: Tables) {
  // Set per stage: `npx sst secret set OperatorToken <token> --stage <stage>`.
  const operatorToken = new sst.Secret("OperatorToken");

  return new sst.aws.Nextjs("Web", {
    // The OpenNext release that builds the server function (stacks/functions.ts says why this
    // one); its caches are set for a dynamic app in open-next.config.ts.
    openNextVersion: OPEN_NEXT_VERSION,
    // SST's default for the server is x86_64; ours runs on Graviton like the other functions.
    server: { ...lambdaRuntime, memory: "1024 MB" },
    // The tables it reads and writes (stacks/functions.ts says which for what).
    link: functionLinks.web.map((id) => tables[id]),
    // The link to GameScoreRecords grants `dynamodb:*` on `<table>/*`, its stream included: deny
    // the Streams API outright, so no code path of the web tier can become a third reader.
    permissions: [{ effect: "deny", actions: [...STREAMS_API], resources: ["*"] }],
    environment: { OPERATOR_TOKEN: operatorToken.value },
    // `npm run dev` would start the embedded local stack; here the tables are the stage's own.
    dev: { command: "npm run dev:next" },
  });
}
