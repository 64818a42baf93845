import { newDeviceId } from "@streamboard/core/names";
import { describe, expect, test, vi } from "vitest";
import {
  DEVICE_COOKIE,
  NEW_KEY_COOKIE,
  clearNewKeyCookie,
  deviceCookie,
  deviceOf,
  newKeyCookie,
  readNewKeyCookie,
} from "./device";

vi.mock("server-only", () => ({}));

const request = (url: string, headers: Record<string, string> = {}) =>
  new Request(url, { method: "POST", headers });

describe("the device cookie", () => {
  test("a request without one gets a fresh id; one with it keeps it; a forged value is ignored", () => {
    const fresh = deviceOf(request("http://localhost/api/scores"));
    expect(fresh.fresh).toBe(true);
    const id = newDeviceId();
    expect(
      deviceOf(request("http://localhost/", { cookie: `a=b; ${DEVICE_COOKIE}=${id}` })),
    ).toEqual({ id, fresh: false });
    const forged = deviceOf(request("http://localhost/", { cookie: `${DEVICE_COOKIE}=admin` }));
    expect(forged.fresh).toBe(true);
    expect(forged.id).not.toBe("admin");
  });

  test.each([
    ["http", "http://localhost/", {}, false],
    ["https", "https://example.org/", {}, true],
    ["https behind a proxy", "http://10.0.0.1/", { "x-forwarded-proto": "https" }, true],
  ])(
    "HttpOnly, SameSite=Lax, Path=/, long-lived; Secure on https (%s)",
    (_c, url, headers, secure) => {
      const header = deviceCookie(request(url, headers), "x".repeat(32));
      expect(header).toMatch(new RegExp(`^${DEVICE_COOKIE}=x{32}; `));
      for (const part of ["Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${400 * 24 * 3600}`]) {
        expect(header.split("; ")).toContain(part);
      }
      expect(header.split("; ").includes("Secure")).toBe(secure);
    },
  );
});

describe("the new-key cookie", () => {
  test("carries a claim to the next page and reads back; junk reads as nothing", () => {
    const claim = { playerName: "José T", recoveryKey: "ABCD-EFGH" };
    const header = newKeyCookie(request("http://localhost/play"), claim);
    expect(header).toMatch(new RegExp(`^${NEW_KEY_COOKIE}=[A-Za-z0-9_-]+; `));
    expect(header).toContain("HttpOnly");
    expect(header).toContain("Max-Age=120");
    const value = header.split(";")[0]!.split("=")[1];
    expect(readNewKeyCookie(value)).toEqual(claim);
    expect(readNewKeyCookie(undefined)).toBeUndefined();
    expect(readNewKeyCookie("%%%")).toBeUndefined();
    expect(readNewKeyCookie(Buffer.from('{"playerName":1}').toString("base64url"))).toBeUndefined();
    expect(clearNewKeyCookie(request("http://localhost/"))).toContain("Max-Age=0");
  });
});
