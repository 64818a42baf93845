import { describe, expect, test } from "vitest";
import { safeNextPath } from "./next-path";

// `next` as the page and the server action see it: the query string already decoded once.
// prettier-ignore
const offSite: [name: string, next: string][] = [
  ["a tab after the slash (/%09/evil.example)", "/\t/evil.example"],
  ["a newline after the slash (/%0A/x)", "/\n/x"],
  ["a carriage return after the slash (/%0D/evil.example)", "/\r/evil.example"],
  ["protocol-relative", "//evil.example"],
  ["a backslash (/\\evil)", "/\\evil.example"],
  ["a backslash, encoded (/%5Cevil)", "/\\evil.example"],
  ["an absolute URL", "https://evil.example/"],
  ["a javascript: URL", "javascript:alert(1)"],
  ["a dot segment that leaves //", "/.//evil.example"],
  ["an encoded dot segment that leaves //", "/%2e//evil.example"],
  ["dot-dot segments that leave //", "/a/../..//evil.example"],
  ["a NUL", "/inspector\u0000"],
  ["DEL", "/\u007f/evil.example"],
  ["a relative path", "inspector"],
  ["empty", ""],
];

describe("safeNextPath", () => {
  test.each(offSite)("%s → the fallback", (_name, next) => {
    expect(safeNextPath(next)).toBe("/inspector");
    expect(safeNextPath(next, "/")).toBe("/");
  });

  test.each([
    ["/inspector", "/inspector"],
    ["/inspector?type=MODIFY&q=ada#record", "/inspector?type=MODIFY&q=ada#record"],
    ["/players/Jos%C3%A9", "/players/Jos%C3%A9"],
    // Encoded once more in the query, these stay on the site: a path, never a host.
    ["/%5Cevil.example", "/%5Cevil.example"],
    ["/%09/evil.example", "/%09/evil.example"],
    // The URL's own serialisation: a space is encoded, a dot segment resolved.
    ["/players/a b", "/players/a%20b"],
    ["/a/../inspector", "/inspector"],
  ])("%s stays on the site as %s", (next, path) => {
    expect(safeNextPath(next)).toBe(path);
  });

  test("absent, or the first of several", () => {
    expect(safeNextPath(undefined)).toBe("/inspector");
    expect(safeNextPath(["/leaderboard", "//evil.example"])).toBe("/leaderboard");
    expect(safeNextPath(["//evil.example", "/leaderboard"])).toBe("/inspector");
  });
});
