import { RuleTester } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, it, test } from "vitest";
import * as history from "../packages/core/src/stream/history.ts";
import * as reader from "../packages/core/src/stream/reader.ts";
import boundaries, { STREAM_READER_EXPORTS } from "./eslint-boundaries.js";

RuleTester.describe = describe;
RuleTester.it = it;
const tester = new RuleTester({
  languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: "module" },
});

const component = "components/score-form.tsx";
const route = "app/api/scores/route.ts";

tester.run("client-imports", boundaries.rules["client-imports"], {
  valid: [
    { filename: component, code: 'import { ScoreInput } from "@streamboard/core/contract";' },
    { filename: component, code: 'import type { Aggregate } from "@streamboard/core/aggregator";' },
    { filename: component, code: 'import useSWR from "swr";' },
    { filename: component, code: 'import { Button } from "./button";' },
    {
      filename: component,
      code: 'import { ScoreInput } from "../packages/core/src/contract/score.ts";',
    },
    // Server code may import anything.
    { filename: route, code: 'import { submitScore } from "@streamboard/core/score";' },
    { filename: route, code: 'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";' },
  ],
  invalid: [
    {
      filename: component,
      code: 'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";',
      errors: [{ messageId: "refused" }],
    },
    {
      filename: component,
      code: 'import { getLeaderboard } from "@streamboard/core/leaderboard";',
      errors: [{ messageId: "refused" }],
    },
    {
      // Not erased under verbatimModuleSyntax: the module still loads.
      filename: component,
      code: 'import { type Aggregate } from "@streamboard/core/aggregator";',
      errors: [{ messageId: "refused" }],
    },
    {
      filename: "app/inspector/panel.tsx",
      code: '"use client";\nimport { readStream } from "@streamboard/core/stream";',
      errors: [{ messageId: "refused" }],
    },
    {
      filename: component,
      code: 'export { tableName } from "@streamboard/core/infra";',
      errors: [{ messageId: "refused" }],
    },
    {
      filename: component,
      code: 'const m = await import("@aws-sdk/lib-dynamodb");',
      errors: [{ messageId: "refused" }],
    },
    // The same server code reached by a path instead of a package name.
    {
      filename: component,
      code: 'import { submitScore } from "../packages/core/src/score/score.ts";',
      errors: [{ messageId: "refused" }],
    },
    {
      filename: component,
      code: 'import { handleApiError } from "@/app/_lib/api";',
      errors: [{ messageId: "refused" }],
    },
  ],
});

tester.run("raw-env", boundaries.rules["raw-env"], {
  valid: [
    { code: 'import { serverEnv } from "@streamboard/core/env";\nserverEnv().AWS_REGION;' },
    // Writes: pointing this process (and its children) at an endpoint is no read.
    { code: 'process.env.DYNAMODB_ENDPOINT = "http://127.0.0.1:8000";' },
    { code: 'process.env[name] ??= "value";' },
    { code: "Object.assign(process.env, { DYNAMODB_ENDPOINT: endpoint });" },
    // A constant Next inlines at build time.
    { code: 'if (process.env.NEXT_RUNTIME !== "nodejs") {}' },
    { code: 'const dev = process.env.NODE_ENV === "development";' },
  ],
  invalid: [
    { code: "const e = process.env.DYNAMODB_ENDPOINT;", errors: [{ messageId: "raw" }] },
    { code: 'const e = process.env["OPERATOR_TOKEN"];', errors: [{ messageId: "raw" }] },
    { code: "const e = process.env[name] ?? 0;", errors: [{ messageId: "raw" }] },
    { code: "function f(env = process.env) {}", errors: [{ messageId: "raw" }] },
    { code: "spawn(bin, [], { env: { ...process.env } });", errors: [{ messageId: "raw" }] },
    { code: "Object.assign({}, process.env);", errors: [{ messageId: "raw" }] },
    { code: "process.env.X += process.env.Y;", errors: [{ messageId: "raw" }] },
  ],
});

test("no-stream-reads-in-web names every value the stream reader and history export", () => {
  expect([...STREAM_READER_EXPORTS].sort()).toEqual(
    [...Object.keys(reader), ...Object.keys(history)].sort(),
  );
});

tester.run("no-stream-reads-in-web", boundaries.rules["no-stream-reads-in-web"], {
  valid: [
    { filename: route, code: 'import { readLog, tailLog } from "@streamboard/core/stream";' },
    { filename: route, code: 'import { logIdOf, logKeyOfId } from "@streamboard/core/stream";' },
    { filename: route, code: 'import type { StreamHistory } from "@streamboard/core/stream";' },
    { filename: route, code: 'import { type StreamHistory } from "@streamboard/core/stream";' },
    {
      filename: route,
      code: 'import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";',
    },
    { filename: route, code: 'export { readLog } from "@streamboard/core/stream";' },
    { filename: route, code: 'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";' },
    {
      filename: route,
      code: 'import { readLog } from "../../../packages/core/src/stream/log-query.ts";',
    },
  ],
  invalid: [
    {
      filename: route,
      code: 'import { GetRecordsCommand } from "@aws-sdk/client-dynamodb-streams";',
      errors: [{ messageId: "module" }],
    },
    {
      filename: "components/stream-tail.tsx",
      code: 'const m = await import("@aws-sdk/client-dynamodb-streams");',
      errors: [{ messageId: "module" }],
    },
    {
      filename: route,
      code: 'import { readLog, readStreamHistory } from "@streamboard/core/stream";',
      errors: [{ messageId: "name" }],
    },
    {
      filename: route,
      code: 'import { ShardCursor as Cursor } from "@streamboard/core/stream";',
      errors: [{ messageId: "name" }],
    },
    {
      filename: route,
      code: 'export { findLatestStream } from "@streamboard/core/stream";',
      errors: [{ messageId: "name" }],
    },
    {
      filename: route,
      code: 'import * as Stream from "@streamboard/core/stream";',
      errors: [{ messageId: "whole" }],
    },
    {
      filename: route,
      code: 'export * from "@streamboard/core/stream";',
      errors: [{ messageId: "whole" }],
    },
    {
      filename: route,
      code: 'const m = await import("@streamboard/core/stream");',
      errors: [{ messageId: "whole" }],
    },
    {
      filename: route,
      code: 'import { tailStream } from "@streamboard/core/testing";',
      errors: [{ messageId: "module" }],
    },
    // The same modules by path.
    {
      filename: route,
      code: 'import { readShard } from "../../../packages/core/src/stream/reader.ts";',
      errors: [{ messageId: "module" }],
    },
    {
      filename: route,
      code: 'import { readStreamHistory } from "@/packages/core/src/stream/history";',
      errors: [{ messageId: "module" }],
    },
  ],
});
