import { startTestEngine } from "@streamboard/local/testing";
import { expect, test } from "vitest";
import { getHealth } from "./health.ts";

test("ok with every table's status while the database answers; throws once it is gone", async () => {
  const engine = await startTestEngine();
  try {
    const health = await getHealth();
    expect(health).toMatchObject({
      status: "ok",
      tables: { GameScoreRecords: "ACTIVE", GameScoresByUser: "ACTIVE", Idempotency: "ACTIVE" },
    });
    expect(Date.parse(health.time)).not.toBeNaN();
  } finally {
    await engine.close();
  }
  await expect(getHealth()).rejects.toThrow();
});
