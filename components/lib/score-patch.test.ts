import { ScorePatch } from "@streamboard/core/contract";
import { describe, expect, test } from "vitest";
import { patchOf, type EditableRecord } from "./score-patch";

const record: EditableRecord = { recordId: "r1", playerName: "ada", score: 10, nickName: "Ada" };
const unchanged = { playerName: "ada", score: "10", nickName: "Ada" };

// prettier-ignore
const cases = [
  { name: "nothing changed", record, fields: unchanged, patch: {} },
  { name: "the nickname emptied: removed (null)", record, fields: { ...unchanged, nickName: "" }, patch: { nickName: null } },
  { name: "the nickname blanked with spaces: removed (null)", record, fields: { ...unchanged, nickName: "   " }, patch: { nickName: null } },
  { name: "no nickname, left empty: nothing", record: { ...record, nickName: undefined }, fields: { ...unchanged, nickName: "" }, patch: {} },
  { name: "a nickname added", record: { ...record, nickName: undefined }, fields: { ...unchanged, nickName: "Lady A" }, patch: { nickName: "Lady A" } },
  { name: "the nickname changed", record, fields: { ...unchanged, nickName: "Countess" }, patch: { nickName: "Countess" } },
  { name: "the score changed (spaces around it)", record, fields: { ...unchanged, score: " 25 " }, patch: { score: 25 } },
  { name: "the score not a whole number", record, fields: { ...unchanged, score: "2.5" }, patch: { score: Number.NaN } },
  { name: "the player moved", record, fields: { ...unchanged, playerName: "grace" }, patch: { playerName: "grace" } },
  { name: "a missing player, left empty: not sent (the server says it is missing)", record: { recordId: "r2", score: 10, nickName: "Ada" }, fields: { ...unchanged, playerName: "" }, patch: {} },
  { name: "a missing player, typed: sent", record: { recordId: "r2", score: 10, nickName: "Ada" }, fields: { ...unchanged, playerName: "zoe" }, patch: { playerName: "zoe" } },
  { name: "a missing score, typed: sent", record: { recordId: "r2", playerName: "ada", nickName: "Ada" }, fields: { ...unchanged, score: "7" }, patch: { score: 7 } },
  { name: "a missing CreatedAt completed", record, fields: { ...unchanged, createdAt: " 2025-01-01T00:00:00Z " }, patch: { createdAt: "2025-01-01T00:00:00Z" } },
  { name: "a CreatedAt field left empty: not sent", record, fields: { ...unchanged, createdAt: "" }, patch: {} },
];

describe("patchOf: the PATCH body of an edit", () => {
  test.each(cases)("$name", ({ record, fields, patch }) => {
    expect(patchOf(record, fields)).toEqual(patch);
  });

  test("clearing the nickname is a patch the API's schema takes", () => {
    const patch = patchOf(record, { ...unchanged, nickName: "" });
    expect(ScorePatch.parse(patch)).toEqual({ nickName: null });
  });
});
