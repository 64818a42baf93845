import { describe, expect, it } from "vitest";
import { EnvError, serverEnv } from "./server.ts";

describe("serverEnv", () => {
  it("defaults the region and treats empty strings as unset", () => {
    const env = serverEnv({ DYNAMODB_ENDPOINT: "", OPERATOR_TOKEN: "" });
    expect(env.AWS_REGION).toBe("us-east-1");
    expect(env.DYNAMODB_ENDPOINT).toBeUndefined();
    expect(env.OPERATOR_TOKEN).toBeUndefined();
  });

  it("names every bad variable in one message", () => {
    let error: unknown;
    try {
      serverEnv({ DYNAMODB_ENDPOINT: "localhost:8000", AWS_REGION: "Europe" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    expect((error as EnvError).problems).toEqual([
      expect.stringMatching(/^DYNAMODB_ENDPOINT: must be an http\(s\) URL/),
      "AWS_REGION: must be a region name such as eu-west-1",
    ]);
    expect((error as Error).message).toMatch(/^Invalid environment:\n {2}- DYNAMODB_ENDPOINT/);
  });

  it("follows process.env as a test changes it", () => {
    const saved = process.env.DYNAMODB_ENDPOINT;
    try {
      process.env.DYNAMODB_ENDPOINT = "http://127.0.0.1:1";
      expect(serverEnv().DYNAMODB_ENDPOINT).toBe("http://127.0.0.1:1");
      process.env.DYNAMODB_ENDPOINT = "http://127.0.0.1:2";
      expect(serverEnv().DYNAMODB_ENDPOINT).toBe("http://127.0.0.1:2");
    } finally {
      if (saved === undefined) delete process.env.DYNAMODB_ENDPOINT;
      else process.env.DYNAMODB_ENDPOINT = saved;
    }
  });
});
