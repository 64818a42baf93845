import type { TableId } from "@streamboard/core/infra";

/*
 * What the deploy runs and with which versions: the one place stacks/*.ts, `npm run build:aws`
 * (scripts/build-aws.ts) and the artifact tests read them from. Pure (no SST globals), so the
 * build and the tests import it without SST. docs/deploy.md ("What the deploy runs") says why
 * each is what it is.
 */

/**
 * OpenNext, which turns the Next build into the server function SST uploads. Pinned: left to SST
 * 4.17 it is 3.9.14, which predates OpenNext's Next 16.4 support and cannot build this app
 * offline. 4.1.16's peer range is `next >=16.4.5` (package.json keeps Next inside it, and pins
 * `@opennextjs/aws` to this same version, so `npm run build:aws` builds with what `sst deploy`
 * would fetch; infra-contract.test.ts checks both).
 */
export const OPEN_NEXT_VERSION = "4.1.16";

/**
 * Every function's runtime. Node 20 is past its end of life and the AWS SDK's releases from
 * January 2027 need Node 22 or later; 24 is Lambda's newest LTS runtime (supported into 2028,
 * where nodejs22.x reaches its end in April 2027) and SST 4.17's own default for the functions
 * it makes for the site (image optimiser, revalidation), so every function runs the same Node.
 */
export const LAMBDA_RUNTIME = "nodejs24.x";

/** esbuild's target for that runtime. */
export const NODE_TARGET = "node24";

/** Graviton: about 20% cheaper per GB-second than x86_64, and nothing native in our bundles. */
export const LAMBDA_ARCHITECTURE = "arm64";

/** Runtime and architecture, spread into every function's arguments. */
export const lambdaRuntime = {
  runtime: LAMBDA_RUNTIME,
  architecture: LAMBDA_ARCHITECTURE,
} as const;

/**
 * The stream's subscribers, as SST builds them: the handler path (`file.export`, from the repo
 * root), memory and timeout. `npm run build:aws` bundles each into `.aws-build/functions/<id>/`.
 */
export const streamFunctions = {
  aggregator: {
    handler: "packages/functions/src/aggregator.handler",
    memory: "512 MB",
    timeout: "30 seconds",
  },
  streamLog: {
    handler: "packages/functions/src/stream-log.handler",
    memory: "256 MB",
    timeout: "30 seconds",
  },
} as const;

export type StreamFunctionId = keyof typeof streamFunctions;

/**
 * The tables each function is linked to (SST grants it those tables and their indexes and sets
 * `SST_RESOURCE_<Id>`): the stacks link these, and the artifact tests give a bundle exactly these.
 */
export const functionLinks = {
  aggregator: [
    "GameScoreRecords",
    "GameScoresByUser",
    "BoardCounts",
    "AggregatorMarks",
    "Quarantine",
    "StreamLog",
    "StreamMetrics",
  ],
  streamLog: ["StreamLog", "StreamMetrics"],
  web: [
    // Scores: submit, list, edit, delete (Idempotency: POST's replay keys).
    "GameScoreRecords",
    "Idempotency",
    // The boards, and re-applying a failed record: the aggregator's own code, with its markers.
    "GameScoresByUser",
    "BoardCounts",
    "AggregatorMarks",
    // The failures panel (the quarantine) and its actions, and what operators did.
    "Quarantine",
    "OperatorActions",
    // The inspector: the stream log (and the aggregator's outcomes on it), and its charts.
    "StreamLog",
    "StreamMetrics",
    // The doors: players' name claims, the shared token buckets, operator sessions.
    "NameClaims",
    "RateLimits",
    "Sessions",
  ],
} as const satisfies Record<StreamFunctionId | "web", readonly TableId[]>;
