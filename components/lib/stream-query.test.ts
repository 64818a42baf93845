import { describe, expect, test } from "vitest";
import {
  filterParams,
  isoOfLocalInput,
  localInputOf,
  resolveRelative,
  searchOf,
  viewOf,
} from "./stream-query";

describe("the inspector's view in the query string", () => {
  test("a view survives the round trip through its URL", () => {
    const view = {
      filters: { types: ["INSERT", "REMOVE"] as const, player: "Ada", recordId: "01J", q: "x y" },
      at: "2026-12-01T10:00:00.000Z",
      record: "abc",
    };
    const search = searchOf({
      ...view,
      filters: { ...view.filters, types: [...view.filters.types] },
    });
    expect(viewOf(new URLSearchParams(search))).toEqual({
      ...view,
      filters: { ...view.filters, types: ["INSERT", "REMOVE"] },
    });
  });

  test("parameters it does not own stay; empty filters are left out", () => {
    const search = searchOf(
      viewOf(new URLSearchParams("type=INSERT,MODIFY,REMOVE&player=&live=poll")),
      new URLSearchParams("live=poll&player=old"),
    );
    expect(search).toBe("?live=poll");
  });

  // prettier-ignore
  test.each([
    { query: "type=BOGUS", types: ["INSERT", "MODIFY", "REMOVE"] },
    { query: "type=MODIFY,BOGUS", types: ["MODIFY"] },
    { query: "at=yesterday", at: undefined },
    { query: "at=2026-12-01T10:00:00Z", at: "2026-12-01T10:00:00.000Z" },
  ])("malformed or partial values: $query", ({ query, ...expected }) => {
    const view = viewOf(new URLSearchParams(query));
    if ("types" in expected) expect(view.filters.types).toEqual(expected.types);
    if ("at" in expected) expect(view.at).toBe(expected.at);
  });

  test("filters as GET /api/stream takes them", () => {
    const params = filterParams({ types: ["REMOVE"], player: " Ada ", recordId: "", q: "" });
    expect(params.toString()).toBe("type=REMOVE&player=Ada");
  });

  test("relative seeks and the local picker", () => {
    const now = Date.parse("2026-12-01T12:00:00.000Z");
    expect(resolveRelative("-15m", now)).toBe("2026-12-01T11:45:00.000Z");
    expect(resolveRelative("-24h", now)).toBe("2026-11-30T12:00:00.000Z");
    expect(resolveRelative("15m", now)).toBeUndefined();
    const iso = "2026-12-01T11:45:00.000Z";
    expect(isoOfLocalInput(localInputOf(iso))).toBe(iso);
    expect(isoOfLocalInput("2026-12-01")).toBeUndefined();
  });
});
