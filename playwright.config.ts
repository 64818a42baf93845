import { defineConfig, devices } from "@playwright/test";

/** The token the e2e server runs with; specs read it from here through `e2e/fixtures.ts`. */
export const E2E_OPERATOR_TOKEN = "e2e-operator-token";
const PORT = Number(process.env.E2E_PORT ?? 3100);
/**
 * The embedded engine's port: fixed (not 0) so specs can write to a table around the API, as a
 * bad client would (`rawDynamo` in `e2e/fixtures.ts`). Override when 8103 is taken.
 */
export const E2E_DYNAMODB_PORT = Number(process.env.E2E_DYNAMODB_PORT ?? 8103);
const baseURL = `http://localhost:${PORT}`;

export default defineConfig({
  testDir: "./e2e",
  // One worker: the suite shares one in-memory stack, and the machine has two cores.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  timeout: 45_000,
  expect: { timeout: 10_000 },
  // No `reporter` here: `npm run test:e2e` passes `--reporter=list,json` on the command line.
  use: {
    baseURL,
    trace: "on-first-retry",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-gpu",
      ],
    },
  },
  // `SCREENSHOTS=1` runs only the README's pictures (e2e/docs-screenshots.ts), never the suite;
  // without it only the specs run: the pictures are no test of the app.
  projects: process.env.SCREENSHOTS
    ? [
        {
          name: "screenshots",
          testMatch: "docs-screenshots.ts",
          use: { ...devices["Desktop Chrome"] },
        },
      ]
    : [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  webServer: {
    // The whole stack, as `npm start` runs it: production build, embedded engine in memory, the
    // stream runner with the aggregator (retries and backoff as deployed), a fixed operator token.
    command: `npm run build && npx tsx packages/local/src/dev.ts --prod --in-memory --port ${PORT} --dynamodb-port ${E2E_DYNAMODB_PORT}`,
    url: `${baseURL}/api/health`,
    env: { OPERATOR_TOKEN: E2E_OPERATOR_TOKEN, NEXT_TELEMETRY_DISABLED: "1" },
    timeout: 240_000,
    reuseExistingServer: !process.env.CI,
    gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
    stdout: "ignore",
    stderr: "pipe",
  },
});
