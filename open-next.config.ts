import type { OpenNextConfig } from "@opennextjs/aws/types/open-next.js";

/**
 * OpenNext's build of the web app, for `sst deploy` (which runs `open-next build` with the
 * version pinned in sst.config.ts) and `npm run build:aws` (the same build, offline).
 *
 * Every page and route of Streamboard is dynamic: each response carries a per-request CSP nonce
 * (proxy.ts), and the data is live. Nothing is prerendered for ISR, nothing is revalidated, and no
 * route uses `fetch` caching or tags. So the server function gets OpenNext's "dummy" incremental
 * cache, tag cache and queue: a request never reaches for the S3 cache bucket, the revalidation
 * DynamoDB table or the SQS queue (which, without them, failed with "Region is missing" and cost
 * an S3 round trip per page). Static files (`/_next/static`, `public/`) are still served from S3
 * by CloudFront, which does not pass through this function.
 *
 * Should a page ever be made static or ISR, set these back to OpenNext's defaults (s3, dynamodb,
 * sqs) and the artifact test (`packages/local/src/aws/artifacts.test.ts`) will say whether the
 * region and bucket reach the function.
 */
const config = {
  default: {
    override: {
      wrapper: "aws-lambda",
      converter: "aws-apigw-v2",
      incrementalCache: "dummy",
      tagCache: "dummy",
      queue: "dummy",
    },
  },
  dangerous: {
    disableIncrementalCache: true,
    disableTagCache: true,
  },
} satisfies OpenNextConfig;

export default config;
