import fs from "node:fs";
import path from "node:path";
import { describe, expect, test, vi } from "vitest";
import { API_ROUTES, ROUTE_METHODS, allowedMethods, matchApiRoute } from "./api-routes";

vi.mock("server-only", () => ({}));

const API_DIR = path.resolve(import.meta.dirname, "../api");

/** Every `app/api/**\/route.ts`, as the route it serves (`/api/scores/[recordId]`). */
function routeFiles(dir = API_DIR): { route: string; file: string }[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    if (entry.name !== "route.ts") return [];
    const route = `/api/${path.relative(API_DIR, dir).split(path.sep).join("/")}`;
    return [{ route: route.replace(/\/$/, ""), file: full }];
  });
}

describe("API_ROUTES matches the route files", () => {
  const files = routeFiles().filter((f) => !f.route.includes("[..."));

  test("the same routes", () => {
    expect(files.map((f) => f.route).sort()).toEqual(Object.keys(API_ROUTES).sort());
  });

  test.each(files)("$route: the methods it exports", async ({ route, file }) => {
    const routeModule = (await import(file)) as Record<string, unknown>;
    const exported = ROUTE_METHODS.filter((method) => typeof routeModule[method] === "function");
    expect(exported).toEqual([...(API_ROUTES as Record<string, readonly string[]>)[route]!]);
  });
});

describe("matchApiRoute", () => {
  test.each([
    ["/api/scores", "/api/scores"],
    ["/api/scores/", "/api/scores"],
    ["/api/scores/01JABC", "/api/scores/[recordId]"],
    ["/api/stream/live", "/api/stream/live"],
    ["/api/stream/records/x", "/api/stream/records/[logId]"],
    ["/api/stream/records/x/reapply", "/api/stream/records/[logId]/reapply"],
    ["/api/players/ada/periods", "/api/players/[playerName]/periods"],
  ])("%s → %s", (pathname, route) => {
    expect(matchApiRoute(pathname)).toBe(route);
  });

  test.each(["/api", "/api/nope", "/api/scores/a/b", "/api/stream/records", "/api/scores//"])(
    "%s → none",
    (pathname) => {
      expect(matchApiRoute(pathname)).toBeUndefined();
    },
  );

  test("Allow: HEAD with GET, and OPTIONS", () => {
    expect(allowedMethods("/api/scores/[recordId]")).toEqual([
      "GET",
      "HEAD",
      "PATCH",
      "DELETE",
      "OPTIONS",
    ]);
    expect(allowedMethods("/api/login")).toEqual(["POST", "OPTIONS"]);
  });
});
