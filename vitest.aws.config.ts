import { defineConfig } from "vitest/config";

/**
 * The artifact tests (`npm run test:aws`, a suite of `npm test`): the bundles `npm run build:aws`
 * made, each run as Lambda runs it, against the embedded engine. Apart from `vitest.config.ts`
 * because they need that build first; scripts/test.mjs runs it before them.
 */
export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.artifact.test.ts"],
    // One file at a time: each starts an engine and a few Node processes for its functions.
    maxWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
