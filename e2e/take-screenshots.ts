/**
 * `npx tsx e2e/take-screenshots.ts [baseURL]` against a running app (`npm run dev`): fills it
 * with a few players and operator edits, writes one bad record straight into the table (so the
 * inspector's failures panel has something to show; DYNAMODB_ENDPOINT is the engine `npm run dev`
 * prints, default http://127.0.0.1:8000), then saves docs/screenshot-home.png and
 * docs/screenshot-inspector.png for the README.
 */
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { chromium, request } from "@playwright/test";
import { localResourceEnvironment } from "@streamboard/core/infra";
import { ulid } from "ulid";

const baseURL = process.argv[2] ?? "http://localhost:3000";
const token = process.env.OPERATOR_TOKEN ?? "e2e-operator-token";
const endpoint = process.env.DYNAMODB_ENDPOINT ?? "http://127.0.0.1:8000";

const players = [
  ["nova", 48_200, "Nova"],
  ["kestrel", 41_750, "Kes"],
  ["ada_lovelace", 39_900, "Ada"],
  ["pixel.pusher", 33_120, undefined],
  ["grace-h", 28_640, "Grace"],
  ["zed", 19_010, undefined],
  ["mika", 12_480, "Mika"],
] as const;

const api = await request.newContext({
  baseURL,
  extraHTTPHeaders: { Authorization: `Bearer ${token}` },
});
const ids: string[] = [];
for (const [playerName, total, nickName] of players) {
  for (const share of [0.5, 0.3, 0.2]) {
    const response = await api.post("/api/scores", {
      data: { playerName, score: Math.round(total * share), ...(nickName ? { nickName } : {}) },
    });
    ids.push(((await response.json()) as { recordId: string }).recordId);
  }
}
const [first, second] = ids;
await api.patch(`/api/scores/${first}`, { data: { score: 30_000 } });
await api.delete(`/api/scores/${second}`);

// A legacy import that bypassed the API: no PlayerName. The runner retries it (about 13 s of
// backoff), then sends it to the on-failure destination and the shard moves on.
const poisonId = ulid();
const now = new Date().toISOString();
const { name: scoresTable } = JSON.parse(
  localResourceEnvironment().SST_RESOURCE_GameScoreRecords!,
) as { name: string };
const dynamo = new DynamoDBClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
});
await dynamo.send(
  new PutItemCommand({
    TableName: scoresTable,
    Item: {
      RecordID: { S: poisonId },
      Score: { N: "4500" },
      NickName: { S: "legacy-import" },
      CreatedAt: { S: now },
      UpdatedAt: { S: now },
    },
  }),
);
dynamo.destroy();
const deadline = Date.now() + 60_000;
for (let listed = false; !listed;) {
  if (Date.now() > deadline) throw new Error(`${poisonId} never reached /api/failures`);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const response = await api.get("/api/failures");
  const { failures } = (await response.json()) as { failures: { recordId: string }[] };
  listed = failures.some((f) => f.recordId === poisonId);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, baseURL });
const page = await context.newPage();

await page.goto("/");
await page.evaluate(() => localStorage.setItem("streamboard:playerName", "ada_lovelace"));
await page.reload();
await page.getByLabel("Score", { exact: true }).fill("7250");
await page.getByLabel("Nickname").fill("Ada");
await page.getByRole("button", { name: "Submit score" }).click();
await page.getByText("Saved 7,250").waitFor();
await page.waitForTimeout(2500);
await page.screenshot({ path: "docs/screenshot-home.png", fullPage: true });

await page.goto("/login?next=/inspector");
await page.getByLabel("Operator token").fill(token);
await page.getByRole("button", { name: "Sign in" }).click();
await page.waitForURL("**/inspector");
await page.getByTestId("stream-record").first().waitFor();
await page.waitForTimeout(2500);
await page.setViewportSize({ width: 1440, height: 1300 });
await page.screenshot({ path: "docs/screenshot-inspector.png" });

await page.setViewportSize({ width: 390, height: 844 });
await page.screenshot({ path: "/tmp/screenshot-inspector-phone.png", fullPage: false });
await page.goto("/");
await page.screenshot({ path: "/tmp/screenshot-home-phone.png", fullPage: true });

await browser.close();
await api.dispose();
