// @ts-check
import js from "@eslint/js";
import nextVitals from "eslint-config-next/core-web-vitals";
import tseslint from "typescript-eslint";
import boundaries from "./scripts/eslint-boundaries.js";

const webFiles = ["app/**/*.{ts,tsx}", "components/**/*.{ts,tsx}", "proxy.ts"];

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      ".next/",
      ".sst/",
      ".data/",
      "sst-env.d.ts",
      "next-env.d.ts",
      "test-results/",
      "playwright-report/",
      ".open-next/",
      ".aws-build/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  // Next.js, React and React Hooks rules for the web app only. Their parser settings are
  // dropped so typescript-eslint's type-aware parser (above) stays in charge.
  ...nextVitals.map(({ languageOptions: _languageOptions, ...config }) => ({
    ...config,
    files: webFiles,
  })),
  {
    files: ["app/**/*.tsx", "components/**/*.tsx"],
    languageOptions: { parserOptions: { ecmaFeatures: { jsx: true } } },
  },
  { files: ["**/*.js", "**/*.mjs", "**/*.cjs"], ...tseslint.configs.disableTypeChecked },
  // The boundaries (scripts/eslint-boundaries.js): browser code loads no AWS SDK and no
  // SDK-bearing core; the environment is read through the env modules (core's, the local CLIs').
  {
    files: ["**/*.{ts,tsx}"],
    // Unit tests of browser modules run in Node, not in a bundle.
    ignores: ["**/*.test.ts", "**/*.test.tsx"],
    plugins: { streamboard: boundaries },
    rules: { "streamboard/client-imports": "error" },
  },
  {
    files: [
      "packages/core/src/**/*.ts",
      "packages/functions/src/**/*.ts",
      "packages/local/src/**/*.ts",
      "app/**/*.{ts,tsx}",
      "components/**/*.{ts,tsx}",
      "proxy.ts",
      "instrumentation.ts",
    ],
    ignores: [
      "packages/core/src/env/**",
      "packages/local/src/env.ts",
      // Test support: each randomised test names its own seed variable, and the engine tests
      // hand their environment on to the engine CLIs they spawn.
      "packages/local/src/testing.ts",
      "packages/local/src/engine/test-support.ts",
      // The artifact tests' Lambda host: it builds a function's environment from scratch.
      "packages/local/src/aws/lambda.ts",
      "**/*.test.ts",
    ],
    plugins: { streamboard: boundaries },
    rules: { "streamboard/raw-env": "error" },
  },
  // The web tier never reads DynamoDB Streams (a shard's two readers are the subscribers): it
  // reads the stream log (scripts/eslint-boundaries.js, no-stream-reads-in-web).
  {
    files: [...webFiles, "instrumentation.ts"],
    ignores: ["**/*.test.ts", "**/*.test.tsx"],
    plugins: { streamboard: boundaries },
    rules: { "streamboard/no-stream-reads-in-web": "error" },
  },
  // Core is the domain: it imports nothing from the web app, the handlers or the local stack.
  {
    files: ["packages/core/src/**/*.ts"],
    // Tests may start the embedded engine from the local package.
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@streamboard/functions/*", "@streamboard/local/*"],
              message: "core depends on no adapter.",
            },
            {
              group: ["**/app/**", "**/components/**", "@/*"],
              message: "core depends on no web code.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["scripts/**", "*.config.{js,mjs}", "packages/local/src/aws/lambda-host.mjs"],
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        performance: "readonly",
      },
    },
  },
  // Type-checked by `npm run typecheck:infra`; linted without types (a type-aware lint would load
  // SST's ~30 MB of generated platform types).
  { files: ["sst.config.ts", "stacks/**/*.ts"], ...tseslint.configs.disableTypeChecked },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable" } },
  },
);
