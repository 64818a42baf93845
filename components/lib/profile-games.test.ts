import type { PlayerStanding, ScoreList, ScoreRecord } from "@streamboard/core/contract";
import { describe, expect, test } from "vitest";
import {
  chartDomain,
  flattenPages,
  gameSeries,
  inPeriod,
  periodKindParam,
  rankLabel,
  standingOf,
  wantsOlderPage,
} from "./profile-games";

let id = 0;
const record = (
  createdAt: string,
  score: number,
  recordId = `r${String(++id).padStart(4, "0")}`,
): ScoreRecord => ({
  recordId,
  playerName: "ada",
  score,
  createdAt,
  updatedAt: createdAt,
});
/** Newest first, as GET /api/scores lists them. */
const newestFirst = (records: ScoreRecord[]) =>
  [...records].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));

const WEEK = "WEEK#2026-W10"; // Monday 2 March 2026 … Sunday 8 March 2026, UTC

describe("gameSeries: the games of a period in time order, with the running total", () => {
  test("sums in time order and leaves out games of other periods", () => {
    const records = newestFirst([
      record("2026-03-01T23:59:59.999Z", 1000), // the Sunday before: last week
      record("2026-03-02T00:00:00.000Z", 10), // the week's first instant
      record("2026-03-04T12:00:00.000Z", 30),
      record("2026-03-08T23:59:59.999Z", 5), // the week's last instant
      record("2026-03-09T00:00:00.000Z", 7), // next week
    ]);
    const series = gameSeries(records, WEEK, false);
    expect(series.points.map((p) => [p.score, p.total])).toEqual([
      [10, 10],
      [30, 40],
      [5, 45],
    ]);
    expect(series.complete).toBe(true);
    expect(series.capped).toBe(false);
  });

  test("all time counts every game", () => {
    const records = newestFirst([
      record("2025-01-01T00:00:00.000Z", 1),
      record("2026-03-04T12:00:00.000Z", 2),
    ]);
    expect(gameSeries(records, "ALL", false).points.map((p) => p.total)).toEqual([1, 3]);
  });

  test("the best game is marked once, the earliest of equal bests", () => {
    const a = record("2026-03-03T00:00:00.000Z", 50);
    const b = record("2026-03-04T00:00:00.000Z", 50);
    const c = record("2026-03-05T00:00:00.000Z", 20);
    const series = gameSeries(newestFirst([a, b, c]), WEEK, false);
    expect(series.best?.recordId).toBe(a.recordId);
    expect(series.points.filter((p) => p.best).map((p) => p.recordId)).toEqual([a.recordId]);
  });

  test("equal times keep the record id order (ULIDs: the order they were written)", () => {
    const later = record("2026-03-03T00:00:00.000Z", 2, "r-b");
    const earlier = record("2026-03-03T00:00:00.000Z", 1, "r-a");
    const series = gameSeries([later, earlier], WEEK, false);
    expect(series.points.map((p) => p.recordId)).toEqual(["r-a", "r-b"]);
  });

  test("no games in the period: no points, no best", () => {
    const series = gameSeries([record("2025-01-01T00:00:00.000Z", 9)], WEEK, false);
    expect(series.points).toEqual([]);
    expect(series.best).toBeUndefined();
    expect(series.complete).toBe(true);
  });

  test("incomplete while older pages may still hold the period's games", () => {
    const records = [record("2026-03-05T00:00:00.000Z", 1)];
    expect(gameSeries(records, WEEK, true)).toMatchObject({ complete: false, capped: false });
    // An older record before the week's start settles it, whatever follows.
    const reached = [...records, record("2026-02-20T00:00:00.000Z", 1)];
    expect(gameSeries(reached, WEEK, true)).toMatchObject({ complete: true, capped: false });
  });

  test("capped at `cap` games, the newest ones, with the note's flag", () => {
    const records = newestFirst(
      Array.from({ length: 8 }, (_, i) => record(`2026-03-0${(i % 5) + 2}T0${i}:00:00.000Z`, 1)),
    );
    const series = gameSeries(records, WEEK, false, 5);
    expect(series.points).toHaveLength(5);
    expect(series.capped).toBe(true);
    expect(series.points.map((p) => p.time)).toEqual(
      records
        .slice(0, 5)
        .map((r) => Date.parse(r.createdAt))
        .sort((a, b) => a - b),
    );
  });

  test("all time with more pages than the cap is capped", () => {
    const records = Array.from({ length: 3 }, () => record("2026-03-05T00:00:00.000Z", 1));
    expect(gameSeries(records, "ALL", true, 3).capped).toBe(true);
    expect(gameSeries(records, "ALL", false, 3).capped).toBe(false);
  });
});

describe("wantsOlderPage: fetch older pages for the table's rows and the chart's period", () => {
  const page = (records: ScoreRecord[], cursor?: string): ScoreList => ({
    records,
    ...(cursor ? { cursor } : {}),
  });
  const recent = Array.from({ length: 3 }, () => record("2026-03-05T00:00:00.000Z", 1));

  test("never past the last page", () => {
    expect(wantsOlderPage([page(recent)], { period: "ALL", rows: 100 })).toBe(false);
    expect(wantsOlderPage(undefined, { period: "ALL", rows: 100 })).toBe(false);
  });
  test("while the table wants more rows than are loaded", () => {
    expect(wantsOlderPage([page(recent, "c")], { period: WEEK, rows: 4, cap: 3 })).toBe(true);
  });
  test("while the period reaches further back, up to the cap", () => {
    expect(wantsOlderPage([page(recent, "c")], { period: WEEK, rows: 1 })).toBe(true);
    expect(wantsOlderPage([page(recent, "c")], { period: "ALL", rows: 1, cap: 3 })).toBe(false);
    const past = [...recent, record("2026-02-01T00:00:00.000Z", 1)];
    expect(wantsOlderPage([page(past, "c")], { period: WEEK, rows: 1 })).toBe(false);
  });
});

describe("flattenPages", () => {
  test("each record once, in page order", () => {
    const a = record("2026-03-05T00:00:00.000Z", 1);
    const b = record("2026-03-04T00:00:00.000Z", 1);
    expect(flattenPages([{ records: [a, b] }, { records: [b] }])).toEqual([a, b]);
  });
});

describe("inPeriod", () => {
  test("a day is [00:00, 24:00) UTC", () => {
    expect(inPeriod({ createdAt: "2026-03-04T00:00:00.000Z" }, "DAY#2026-03-04")).toBe(true);
    expect(inPeriod({ createdAt: "2026-03-05T00:00:00.000Z" }, "DAY#2026-03-04")).toBe(false);
    expect(inPeriod({ createdAt: "2026-03-31T23:59:59.999Z" }, "MONTH#2026-03")).toBe(true);
  });
});

describe("standings", () => {
  const standing = (over: Partial<PlayerStanding>): PlayerStanding => ({
    rank: 4,
    playerName: "ada",
    totalScore: 100,
    gamesPlayed: 2,
    bestScore: 60,
    lastScore: 40,
    updatedAt: "",
    reachedAt: "",
    period: "ALL",
    players: 1200,
    rankExact: true,
    topPercent: 1,
    ...over,
  });
  test("an exact rank of N, an estimate as top N%", () => {
    expect(rankLabel(standing({}))).toBe("#4 of 1,200");
    expect(rankLabel(standing({ rankExact: false, topPercent: 3 }))).toBe("top 3%");
  });
  test("the standing of a period, or none", () => {
    const periods = [standing({ period: WEEK }), standing({ period: "ALL" })];
    expect(standingOf(periods, WEEK)?.period).toBe(WEEK);
    expect(standingOf(periods, "DAY#2026-03-04")).toBeUndefined();
  });
  test("?period= reads a kind, all time otherwise", () => {
    expect(periodKindParam("week")).toBe("WEEK");
    expect(periodKindParam(["DAY", "MONTH"])).toBe("DAY");
    expect(periodKindParam("WEEK#2026-W10")).toBe("ALL");
    expect(periodKindParam(undefined)).toBe("ALL");
  });
});

describe("chartDomain", () => {
  const t = (iso: string) => Date.parse(iso);
  test("a timed period runs from its start to now, never past its end", () => {
    const points = [{ time: t("2026-03-04T00:00:00.000Z") }];
    const now = t("2026-03-05T00:00:00.000Z");
    expect(chartDomain(points, WEEK, now)).toEqual([t("2026-03-02T00:00:00.000Z"), now]);
    expect(chartDomain(points, WEEK, t("2026-04-01T00:00:00.000Z"))).toEqual([
      t("2026-03-02T00:00:00.000Z"),
      t("2026-03-09T00:00:00.000Z"),
    ]);
  });
  test("all time spans the games, an hour around a single one", () => {
    const a = t("2026-03-04T00:00:00.000Z");
    const b = t("2026-03-06T00:00:00.000Z");
    expect(chartDomain([{ time: a }, { time: b }], "ALL", b + 1)).toEqual([a, b]);
    expect(chartDomain([{ time: a }], "ALL", b)).toEqual([a - 3_600_000, a + 3_600_000]);
  });
});
