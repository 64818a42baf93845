import { DynamoDBClient, PutItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import {
  test as base,
  expect,
  type APIRequestContext,
  type APIResponse,
  type Page,
} from "@playwright/test";
import {
  ApiErrorBody,
  FailureList,
  type FailureEntry,
  HealthResponse,
  InspectorRecord,
  LeaderboardEntry,
  LeaderboardPage,
  ScoreList,
  ScoreRecord,
  StreamPage,
  type ErrorCode,
  type STREAM_QUERY_KEYS,
  type ScoreInput,
} from "@streamboard/core/contract";
import { localTableName } from "@streamboard/core/infra";
import { E2E_DYNAMODB_PORT, E2E_OPERATOR_TOKEN } from "../playwright.config";

export { expect };

export const OPERATOR_TOKEN = process.env.OPERATOR_TOKEN ?? E2E_OPERATOR_TOKEN;

/** GET /api/stream's query parameters, as strings or numbers. */
export type StreamParams = Partial<Record<(typeof STREAM_QUERY_KEYS)[number], string | number>>;

/**
 * Typed calls to the HTTP API, as anyone (no credentials) or as the operator (Bearer token). Each
 * answer is parsed with the contract's schema (`@streamboard/core/contract`), so a route that
 * drifts from the shapes the browser relies on fails here.
 */
export class Api {
  constructor(readonly request: APIRequestContext) {}

  async submitScore(body: ScoreInput, idempotencyKey?: string): Promise<ScoreRecord> {
    const response = await this.request.post("/api/scores", {
      data: body,
      // As the page's own fetch says it: a context signed in as operator carries the session
      // cookie, and a cookie write that does not say where it comes from is refused (CSRF).
      headers: {
        "Sec-Fetch-Site": "same-origin",
        ...(idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {}),
      },
    });
    expect(response.status(), await response.text()).toBe(201);
    return ScoreRecord.parse(await response.json());
  }

  async listScores(playerName: string): Promise<ScoreRecord[]> {
    const response = await this.request.get("/api/scores", { params: { playerName } });
    expect(response.status()).toBe(200);
    return ScoreList.parse(await response.json()).records;
  }

  async leaderboard(limit = 100): Promise<LeaderboardEntry[]> {
    const response = await this.request.get("/api/leaderboard", { params: { limit } });
    expect(response.status()).toBe(200);
    return LeaderboardPage.parse(await response.json()).entries;
  }

  /** The player's aggregate, or undefined while they have none (404). */
  async player(playerName: string): Promise<LeaderboardEntry | undefined> {
    const response = await this.request.get(`/api/players/${encodeURIComponent(playerName)}`);
    if (response.status() === 404) return undefined;
    expect(response.status()).toBe(200);
    return LeaderboardEntry.parse(await response.json());
  }

  /** Waits until the aggregator has brought the player's total to `total` (undefined: gone). */
  async waitForTotal(playerName: string, total: number | undefined): Promise<void> {
    await expect
      .poll(async () => {
        const entry = await this.player(playerName);
        return entry && entry.gamesPlayed > 0 ? entry.totalScore : undefined;
      })
      .toBe(total);
  }

  /**
   * GET /api/stream as the operator: a window of the stream log, newest first (`limit` 500 unless
   * given). `type` is a comma list; every other parameter as the API names it.
   */
  async stream(params: StreamParams = {}): Promise<StreamPage> {
    const query = Object.fromEntries(
      Object.entries({ limit: 500, ...params }).filter(([, v]) => v !== undefined),
    ) as Record<string, string | number>;
    const response = await this.request.get("/api/stream", { params: query });
    expect(response.status(), await response.text()).toBe(200);
    return StreamPage.parse(await response.json());
  }

  /** GET /api/stream/records/{logId} as the operator: one record of the log (a deep link). */
  async streamRecord(logId: string): Promise<InspectorRecord> {
    const response = await this.request.get(`/api/stream/records/${encodeURIComponent(logId)}`);
    expect(response.status(), await response.text()).toBe(200);
    return InspectorRecord.parse(await response.json());
  }

  /** Polls the log until `recordId`'s entries are these event types (newest first); returns them. */
  async waitForStream(
    recordId: string,
    eventNames: InspectorRecord["eventName"][],
  ): Promise<InspectorRecord[]> {
    let records: InspectorRecord[] = [];
    await expect
      .poll(async () => {
        records = (await this.stream({ recordId })).records;
        return records.map((r) => r.eventName);
      })
      .toEqual(eventNames);
    return records;
  }

  /** GET /api/failures as the operator: the on-failure destination, newest first. */
  async failures(limit?: number): Promise<FailureEntry[]> {
    const response = await this.request.get("/api/failures", limit ? { params: { limit } } : {});
    expect(response.status(), await response.text()).toBe(200);
    return FailureList.parse(await response.json()).failures;
  }

  async health(): Promise<HealthResponse> {
    const response = await this.request.get("/api/health");
    expect(response.status()).toBe(200);
    return HealthResponse.parse(await response.json());
  }
}

/**
 * The stack's engine, straight: what a client that bypasses the API (and its validation) would
 * do. The e2e server runs the engine on E2E_DYNAMODB_PORT (playwright.config.ts).
 */
export const E2E_DYNAMODB_ENDPOINT =
  process.env.E2E_DYNAMODB_ENDPOINT ?? `http://127.0.0.1:${E2E_DYNAMODB_PORT}`;

let rawClient: DynamoDBClient | undefined;

/** Writes an item into GameScoreRecords around the API: no validation, as a bad writer would. */
export async function putRawScoreItem(item: Record<string, AttributeValue>): Promise<void> {
  rawClient ??= new DynamoDBClient({
    endpoint: E2E_DYNAMODB_ENDPOINT,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  await rawClient.send(
    new PutItemCommand({ TableName: localTableName("GameScoreRecords"), Item: item }),
  );
}

/** Asserts an error response: its status and an ApiErrorBody `{ error: { code, message } }`. */
/**
 * Fills the home page's "Submit a score" form as a player would and submits it (fields left out
 * keep what the form holds, e.g. a remembered name).
 */
export async function submitScoreForm(
  page: Page,
  fields: { playerName?: string; score: string; nickName?: string },
) {
  const form = page.getByRole("form", { name: "Submit a score" });
  if (fields.playerName !== undefined) await form.getByLabel("Player name").fill(fields.playerName);
  await form.getByLabel("Score", { exact: true }).fill(fields.score);
  if (fields.nickName !== undefined) await form.getByLabel("Nickname").fill(fields.nickName);
  await form.getByRole("button", { name: "Submit score" }).click();
}

export async function expectApiError(response: APIResponse, status: number, code: ErrorCode) {
  const text = await response.text();
  expect(response.status(), text).toBe(status);
  const body = ApiErrorBody.parse(JSON.parse(text));
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
  return body;
}

let counter = 0;

/**
 * The client address a test's requests come from, as the proxy in front of the app says
 * (`X-Forwarded-For`; locally the app trusts it as sent: docs/threat-model.md): one per test
 * and retry, so one test's per-client limits (scores, wrong logins) never reach another's.
 */
export function testClientAddress(testInfo: { testId: string; retry: number }): string {
  let hash = 2166136261;
  for (const char of `${testInfo.testId}#${testInfo.retry}`) {
    hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  }
  return `10.${(hash >>> 16) & 255}.${(hash >>> 8) & 255}.${(hash & 255) | 1}`;
}

interface Fixtures {
  /** A player name no other test uses (valid: letters, digits, `-`; at most 32 characters). */
  playerName: string;
  /** The API without credentials, as the test's browser context (the same device as `page`). */
  api: Api;
  /** The API with `Authorization: Bearer $OPERATOR_TOKEN`. */
  operatorApi: Api;
  /** A page whose browser context holds an operator session (POST /api/login). */
  operatorPage: Page;
}

export const test = base.extend<Fixtures>({
  // Every context of the test (page, context.request, request) is the test's own client.
  extraHTTPHeaders: async ({ extraHTTPHeaders }, use, testInfo) => {
    await use({ ...extraHTTPHeaders, "x-forwarded-for": testClientAddress(testInfo) });
  },
  // eslint-disable-next-line no-empty-pattern
  playerName: async ({}, use, testInfo) => {
    counter += 1;
    const unique = `${Date.now().toString(36)}${testInfo.workerIndex}${counter}`;
    await use(`e2e-${unique}`.slice(0, 32));
  },
  // The browser context's request: one cookie jar with `page`, so the API calls and the page are
  // one device (a name the test's API calls claimed is the page's too).
  api: async ({ context }, use) => {
    await use(new Api(context.request));
  },
  operatorApi: async ({ playwright, baseURL }, use, testInfo) => {
    const request = await playwright.request.newContext({
      baseURL,
      extraHTTPHeaders: {
        Authorization: `Bearer ${OPERATOR_TOKEN}`,
        "x-forwarded-for": testClientAddress(testInfo),
      },
    });
    await use(new Api(request));
    await request.dispose();
  },
  operatorPage: async ({ page }, use) => {
    // page.request shares the context's cookie jar, so the page is signed in too.
    const response = await page.request.post("/api/login", { data: { token: OPERATOR_TOKEN } });
    expect(response.status()).toBe(204);
    await use(page);
  },
});
