import type { Tables } from "./storage.ts";

/**
 * The Next.js app (OpenNext on Lambda behind CloudFront), linked to the tables it reads and
 * writes. Under `sst dev` it is not deployed: SST runs `next dev` locally with the same links.
 */
export function createWeb({ GameScoreRecords, GameScoresByUser, Quarantine, Idempotency }: Tables) {
  // Set per stage: `npx sst secret set OperatorToken <token> --stage <stage>`.
  const operatorToken = new sst.Secret("OperatorToken");

  return new sst.aws.Nextjs("Web", {
    // The quarantine: GET /api/failures reads it.
    link: [GameScoreRecords, GameScoresByUser, Quarantine, Idempotency],
    // The stream inspector finds GameScoreRecords' stream with ListStreams, which IAM cannot
    // scope to a table (the links grant the stream's reads: `dynamodb:*` on `<table>/*`).
    permissions: [{ actions: ["dynamodb:ListStreams"], resources: ["*"] }],
    environment: { OPERATOR_TOKEN: operatorToken.value },
    // `npm run dev` would start the embedded local stack; here the tables are the stage's own.
    dev: { command: "npm run dev:next" },
  });
}
