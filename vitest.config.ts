import { defineConfig } from "vitest/config";

export default defineConfig({
  // The web app's `@/…` imports (tsconfig.json `paths`), for its unit tests.
  resolve: { tsconfigPaths: true },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "app/**/*.test.ts",
      "components/**/*.test.ts",
      "scripts/**/*.test.ts",
    ],
    // The artifact tests need `npm run build:aws` first: their own suite (vitest.aws.config.ts).
    exclude: ["**/node_modules/**", "**/*.artifact.test.ts"],
    // Integration tests start real engines on loopback ports; keep the two cores from thrashing.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
