// @ts-check
/**
 * The architecture's boundaries as lint rules (STYLE.md, "Distilled" 1 and 2):
 *
 * - `client-imports`: browser code (everything in components/, and any file that starts with
 *   "use client") may import from core only `@streamboard/core/contract` (SDK-free shapes) and
 *   `@streamboard/core/env/client`; never `@aws-sdk/*`, our other packages, or another core
 *   namespace, which would pull the AWS SDK into the bundle. `import type` is erased, so it is
 *   allowed; `import { type X }` is not (under verbatimModuleSyntax it still loads the module).
 * - `raw-env`: `process.env` is read only in the env modules (`@streamboard/core/env`, the local
 *   CLIs' `packages/local/src/env.ts`). Writes stay allowed (`process.env.X = v`,
 *   `process.env[x] ??= v`, `Object.assign(process.env, …)`): pointing this process at an
 *   endpoint is no read. `process.env.NEXT_RUNTIME` and `NODE_ENV` are constants Next inlines at
 *   build time.
 * - `no-stream-reads-in-web`: the web tier (app/, components/, proxy.ts, instrumentation.ts)
 *   never reads DynamoDB Streams: a shard allows about two readers, the aggregator's and the
 *   stream log function's event source mappings, and every web server instance polling it would
 *   throttle them. So no `@aws-sdk/client-dynamodb-streams`, none of core's stream reader and
 *   history (`packages/core/src/stream/reader.ts`, `history.ts`, by name from
 *   `@streamboard/core/stream` or by path), and no `@streamboard/core/testing` (its tail reads
 *   the stream). The inspector reads the stream log table (`readLog`). `import type` is erased.
 */

import path from "node:path";

const CLIENT_SAFE = new Set(["@streamboard/core/contract", "@streamboard/core/env/client"]);
/** The same modules reached by path (relative or `@/`), from the repository root. */
const CLIENT_SAFE_PATHS = ["packages/core/src/contract/", "packages/core/src/env/client"];
/** Server code reached by path: our packages, and the web app's server helpers. */
const SERVER_PATHS = ["packages/", "app/_lib/", "app/api/"];

/**
 * The repository-relative path a relative or `@/` import points at, or undefined for a package.
 * @param {string} source @param {string} filename @param {string} root
 */
function repoPathOf(source, filename, root) {
  const target = source.startsWith("@/")
    ? path.join(root, source.slice(2))
    : source.startsWith(".")
      ? path.resolve(path.dirname(filename), source)
      : undefined;
  return target && path.relative(root, target).replaceAll("\\", "/");
}

/** @param {string} source @param {string} filename @param {string} root */
function refusedInBrowser(source, filename, root) {
  if (source.startsWith("@aws-sdk/") || source.startsWith("@smithy/")) return true;
  if (source.startsWith("@streamboard/")) return !CLIENT_SAFE.has(source);
  const repoPath = repoPathOf(source, filename, root);
  if (repoPath !== undefined) {
    if (CLIENT_SAFE_PATHS.some((p) => repoPath.startsWith(p))) return false;
    return SERVER_PATHS.some((p) => repoPath.startsWith(p));
  }
  return ["node:", "server-only", "sst"].some((p) => source === p || source.startsWith(p));
}

/** @param {import("eslint").Rule.RuleContext} context */
function isBrowserFile(context) {
  const file = context.filename.replaceAll("\\", "/");
  if (/(^|\/)components\//.test(file)) return true;
  const first = context.sourceCode.ast.body[0];
  return (
    first?.type === "ExpressionStatement" &&
    "directive" in first &&
    first.directive === "use client"
  );
}

/** @type {import("eslint").Rule.RuleModule} */
const clientImports = {
  meta: {
    type: "problem",
    docs: { description: "Browser code imports no AWS SDK and no SDK-bearing core module." },
    messages: {
      refused:
        "'{{source}}' cannot be imported by browser code (components/ or \"use client\"): it is server-only or carries the AWS SDK. Import shapes from @streamboard/core/contract.",
    },
    schema: [],
  },
  create(context) {
    if (!isBrowserFile(context)) return {};
    /** @param {import("estree").Node} node @param {unknown} source */
    const check = (node, source) => {
      if (typeof source === "string" && refusedInBrowser(source, context.filename, context.cwd)) {
        context.report({ node, messageId: "refused", data: { source } });
      }
    };
    return {
      ImportDeclaration(node) {
        // `import type` is erased at compile time; anything else loads the module.
        if (/** @type {{ importKind?: string }} */ (node).importKind === "type") return;
        check(node, node.source.value);
      },
      ExportNamedDeclaration(node) {
        if (node.source && /** @type {{ exportKind?: string }} */ (node).exportKind !== "type") {
          check(node, node.source.value);
        }
      },
      ExportAllDeclaration(node) {
        check(node, node.source.value);
      },
      ImportExpression(node) {
        if (node.source.type === "Literal") check(node, node.source.value);
      },
    };
  },
};

/** @type {import("eslint").Rule.RuleModule} */
/**
 * `process.env` (the node) only written to: the target of `Object.assign`, or the object whose
 * member is assigned; or `process.env.NEXT_RUNTIME` / `NODE_ENV`, which Next replaces at build time.
 * @param {import("estree").MemberExpression & import("eslint").Rule.NodeParentExtension} node
 */
function isWriteOrBuildConstant(node) {
  const parent = node.parent;
  if (
    parent.type === "CallExpression" &&
    parent.arguments[0] === node &&
    parent.callee.type === "MemberExpression" &&
    parent.callee.object.type === "Identifier" &&
    parent.callee.object.name === "Object" &&
    parent.callee.property.type === "Identifier" &&
    parent.callee.property.name === "assign"
  ) {
    return true;
  }
  if (parent.type !== "MemberExpression" || parent.object !== node) return false;
  if (
    !parent.computed &&
    parent.property.type === "Identifier" &&
    (parent.property.name === "NEXT_RUNTIME" || parent.property.name === "NODE_ENV")
  ) {
    return true;
  }
  const grand = /** @type {import("estree").Node & { parent?: import("estree").Node }} */ (parent)
    .parent;
  return grand?.type === "AssignmentExpression" && grand.left === parent;
}

const rawEnv = {
  meta: {
    type: "problem",
    docs: { description: "process.env is read through the validated env module only." },
    messages: {
      raw: "Read the environment through @streamboard/core/env (serverEnv() / clientEnv), not process.env.",
    },
    schema: [],
  },
  create(context) {
    return {
      MemberExpression(node) {
        if (
          node.object.type === "Identifier" &&
          node.object.name === "process" &&
          !node.computed &&
          node.property.type === "Identifier" &&
          node.property.name === "env" &&
          !isWriteOrBuildConstant(node)
        ) {
          context.report({ node, messageId: "raw" });
        }
      },
    };
  },
};

/**
 * The values `packages/core/src/stream/reader.ts` and `history.ts` export (the stream reader);
 * `scripts/eslint-boundaries.test.ts` checks this list against the modules themselves.
 */
export const STREAM_READER_EXPORTS = new Set([
  "MAX_GET_RECORDS",
  "ShardCursor",
  "describeShards",
  "findLatestStream",
  "getShardIterator",
  "latestOf",
  "listTableStreams",
  "parentsFirst",
  "readShard",
  "toLambdaRecord",
  "toRawAttributeValue",
  "toRawItem",
  "readStreamHistory",
]);
const STREAM_NAMESPACE = "@streamboard/core/stream";
const STREAM_READER_PATHS =
  /^packages\/core\/src\/(stream\/(reader|history)(\.ts)?$|testing(\/|$))/;

/** @param {string} source @param {string} filename @param {string} root */
function readsStreams(source, filename, root) {
  if (source === "@aws-sdk/client-dynamodb-streams" || source === "@streamboard/core/testing") {
    return true;
  }
  const repoPath = repoPathOf(source, filename, root);
  return repoPath !== undefined && STREAM_READER_PATHS.test(repoPath);
}

/** @type {import("eslint").Rule.RuleModule} */
const noStreamReadsInWeb = {
  meta: {
    type: "problem",
    docs: { description: "The web tier never reads DynamoDB Streams; it reads the stream log." },
    messages: {
      module:
        "'{{source}}' reads DynamoDB Streams: the web tier must not (a shard allows about two readers, the aggregator's and the stream log's). Read the stream log: readLog from @streamboard/core/stream.",
      name: "'{{name}}' is core's stream reader: the web tier must not read DynamoDB Streams (a shard allows about two readers). Read the stream log: readLog.",
      whole:
        "Import what you need from @streamboard/core/stream by name (never all of it): the web tier may not reach its stream reader.",
    },
    schema: [],
  },
  create(context) {
    /** @param {import("estree").Node} node @param {unknown} source */
    const checkModule = (node, source) => {
      if (typeof source === "string" && readsStreams(source, context.filename, context.cwd)) {
        context.report({ node, messageId: "module", data: { source } });
        return true;
      }
      return false;
    };
    /** @param {import("estree").Node} node @param {string} name */
    const checkName = (node, name) => {
      if (STREAM_READER_EXPORTS.has(name))
        context.report({ node, messageId: "name", data: { name } });
    };
    const typeOnly = (/** @type {{ importKind?: string, exportKind?: string }} */ node) =>
      node.importKind === "type" || node.exportKind === "type";
    return {
      ImportDeclaration(node) {
        if (typeOnly(node)) return;
        if (checkModule(node, node.source.value)) return;
        if (node.source.value !== STREAM_NAMESPACE) return;
        for (const specifier of node.specifiers) {
          if (specifier.type === "ImportNamespaceSpecifier") {
            context.report({ node: specifier, messageId: "whole" });
          } else if (specifier.type === "ImportSpecifier" && !typeOnly(specifier)) {
            const imported = specifier.imported;
            checkName(
              specifier,
              imported.type === "Identifier" ? imported.name : String(imported.value),
            );
          }
        }
      },
      ExportNamedDeclaration(node) {
        if (!node.source || typeOnly(node)) return;
        if (checkModule(node, node.source.value)) return;
        if (node.source.value !== STREAM_NAMESPACE) return;
        for (const specifier of node.specifiers) {
          const local = specifier.local;
          checkName(specifier, local.type === "Identifier" ? local.name : String(local.value));
        }
      },
      ExportAllDeclaration(node) {
        if (checkModule(node, node.source.value)) return;
        if (node.source.value === STREAM_NAMESPACE) context.report({ node, messageId: "whole" });
      },
      ImportExpression(node) {
        if (node.source.type !== "Literal") return;
        if (checkModule(node, node.source.value)) return;
        if (node.source.value === STREAM_NAMESPACE) context.report({ node, messageId: "whole" });
      },
    };
  },
};

export default {
  rules: {
    "client-imports": clientImports,
    "raw-env": rawEnv,
    "no-stream-reads-in-web": noStreamReadsInWeb,
  },
};
