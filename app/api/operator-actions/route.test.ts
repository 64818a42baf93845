import { PutCommand } from "@aws-sdk/lib-dynamodb";
import {
  ApiErrorBody,
  FailureList,
  InvalidScoreRecord,
  OperatorActionPage,
  ReapplyResult,
  ScoreRecord,
} from "@streamboard/core/contract";
import { documentClient, tableName } from "@streamboard/core/infra";
import { applyStreamBatch } from "@streamboard/core/aggregator";
import { tailStream } from "@streamboard/core/testing";
import { startTestEngine } from "@streamboard/local/testing";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { GET as getActions } from "./route";
import { DELETE, GET as getScore, PATCH } from "../scores/[recordId]/route";
import { GET as getFailures } from "../failures/route";
import { POST as reapply } from "../failures/[id]/reapply/route";
import { POST as acknowledge } from "../failures/[id]/acknowledge/route";
import { SESSION_COOKIE, createSession } from "@/app/_lib/session";

// The routes of the failure actions and the action log, end to end against the real engine:
// each action is recorded with who did it; a refused one records nothing.

vi.mock("server-only", () => ({}));

const TOKEN = "route-test-token";
let engine: Awaited<ReturnType<typeof startTestEngine>>;
beforeAll(async () => {
  process.env.OPERATOR_TOKEN = TOKEN;
  engine = await startTestEngine();
});
afterAll(() => engine.close());

const bearer = { authorization: `Bearer ${TOKEN}` };
const call = (
  handler: (request: Request, context: never) => Promise<Response>,
  url: string,
  params: Record<string, string>,
  init: RequestInit = {},
) =>
  handler(new Request(`http://localhost${url}`, init), {
    params: Promise.resolve(params),
  } as never);

async function actions() {
  const response = await getActions(
    new Request("http://localhost/api/operator-actions?limit=10", { headers: bearer }),
  );
  expect(response.status).toBe(200);
  return OperatorActionPage.parse(await response.json()).actions;
}

describe("failure actions over HTTP", () => {
  test("edit, re-apply, acknowledge and delete of a poison record: each recorded, with who", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const tail = tailStream();
    await tail.poll();
    const recordId = `route-${Date.now()}`;
    const now = new Date().toISOString();
    await documentClient().send(
      new PutCommand({
        TableName: tableName("GameScoreRecords"),
        Item: { RecordID: recordId, Score: 12, CreatedAt: now, UpdatedAt: now },
      }),
    );
    const [poison] = await tail.poll();
    await applyStreamBatch([poison!]);

    // GET: 200, flagged, not a 500.
    const got = await call(getScore, `/api/scores/${recordId}`, { recordId });
    expect(got.status).toBe(200);
    expect(InvalidScoreRecord.parse(await got.json()).problems).toEqual([
      { field: "PlayerName", message: "PlayerName is missing: send playerName" },
    ]);

    // An edit that leaves it incomplete: 400 inline, nothing written, nothing recorded.
    const before = (await actions()).length;
    const refused = await call(
      PATCH,
      `/api/scores/${recordId}`,
      { recordId },
      {
        method: "PATCH",
        headers: { ...bearer, "content-type": "application/json" },
        body: JSON.stringify({ score: 13 }),
      },
    );
    expect(refused.status).toBe(400);
    expect(ApiErrorBody.parse(await refused.json()).error).toMatchObject({
      code: "invalid_input",
      message: "the record would still be incomplete: PlayerName is missing: send playerName",
    });
    expect(await tail.poll()).toEqual([]);
    expect(await actions()).toHaveLength(before);

    // Completed from a browser session: recorded as that session.
    const cookie = `${SESSION_COOKIE}=${await createSession()}`;
    const saved = await call(
      PATCH,
      `/api/scores/${recordId}`,
      { recordId },
      {
        method: "PATCH",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify({ playerName: "route ann" }),
      },
    );
    expect(saved.status).toBe(200);
    expect(ScoreRecord.parse(await saved.json())).toMatchObject({ playerName: "route ann" });
    const [edit] = await actions();
    expect(edit).toMatchObject({
      action: "edit",
      recordId,
      by: expect.stringMatching(/^session [0-9a-f]{8}$/) as string,
      changes: { PlayerName: { to: "route ann" } },
    });

    const id = poison!.eventID!;
    const pressed = await call(
      reapply,
      `/api/failures/${id}/reapply`,
      { id },
      {
        method: "POST",
        headers: bearer,
      },
    );
    expect(pressed.status).toBe(200);
    expect(ReapplyResult.parse(await pressed.json()).outcome).toBe("quarantined");
    expect((await actions())[0]).toMatchObject({
      action: "reapply",
      by: "bearer token",
      failureId: id,
      recordId,
      outcome: expect.stringMatching(/^quarantined: NewImage: PlayerName/) as string,
    });

    const acked = await call(
      acknowledge,
      `/api/failures/${id}/acknowledge`,
      { id },
      {
        method: "POST",
        headers: { ...bearer, "content-type": "application/json" },
        body: JSON.stringify({ note: "fixed by hand" }),
      },
    );
    expect(acked.status).toBe(200);
    const listed = await getFailures(
      new Request("http://localhost/api/failures?acknowledged=include", { headers: bearer }),
    );
    expect(FailureList.parse(await listed.json()).failures.find((f) => f.id === id)).toMatchObject({
      acknowledged: { by: "bearer token", note: "fixed by hand" },
    });
    const hidden = await getFailures(
      new Request("http://localhost/api/failures", { headers: bearer }),
    );
    expect(FailureList.parse(await hidden.json()).failures.map((f) => f.id)).not.toContain(id);
    expect((await actions())[0]).toMatchObject({ action: "acknowledge", note: "fixed by hand" });

    const deleted = await call(
      DELETE,
      `/api/scores/${recordId}`,
      { recordId },
      {
        method: "DELETE",
        headers: bearer,
      },
    );
    expect(deleted.status).toBe(204);
    expect((await actions())[0]).toMatchObject({
      action: "delete",
      recordId,
      changes: { PlayerName: { from: "route ann" }, Score: { from: 12 } },
    });
  });

  test("without operator credentials: 401, nothing done, nothing recorded", async () => {
    const before = (await actions()).length;
    for (const response of [
      await call(reapply, "/api/failures/x/reapply", { id: "x" }, { method: "POST" }),
      await call(acknowledge, "/api/failures/x/acknowledge", { id: "x" }, { method: "POST" }),
      await getActions(new Request("http://localhost/api/operator-actions")),
    ]) {
      expect(response.status).toBe(401);
    }
    expect(await actions()).toHaveLength(before);
    const bad = await getActions(
      new Request("http://localhost/api/operator-actions?limit=0", { headers: bearer }),
    );
    expect(bad.status).toBe(400);
    const missing = await call(
      reapply,
      "/api/failures/nope/reapply",
      { id: "nope" },
      {
        method: "POST",
        headers: bearer,
      },
    );
    expect(missing.status).toBe(404);
  });
});
