import { EventEmitter } from "node:events";
import type { IncomingHttpHeaders, RequestListener, Server } from "node:http";
import dynalite from "dynalite";

/** What dynalite answered: status, headers and the raw JSON body. */
export interface BackendResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface DynaliteBackendOptions {
  /** LevelDB directory; omit for an in-memory store. */
  path?: string | undefined;
}

// dynalite checks that a request is signed but not the signature; internal calls carry this one.
export const INTERNAL_HEADERS: IncomingHttpHeaders = {
  "content-type": "application/x-amz-json-1.0",
  authorization:
    "AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
  "x-amz-date": "20200101T000000Z",
};

/**
 * dynalite, called in process: requests are handed to its HTTP request listener with a
 * minimal request/response pair, so a DynamoDB call through the engine costs no extra socket hop.
 * dynalite still listens on an ephemeral loopback port, only so that its own `close()` (which
 * drains pending LevelDB operations) works.
 */
export class DynaliteBackend {
  private constructor(
    private readonly server: Server,
    private readonly listener: RequestListener,
  ) {}

  static async start(options: DynaliteBackendOptions): Promise<DynaliteBackend> {
    const server = dynalite({
      ...(options.path ? { path: options.path } : {}),
      // Tables become ACTIVE on the next tick: no cloud-like waits in dev and tests.
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const listener = server.listeners("request")[0] as RequestListener | undefined;
    if (!listener) throw new Error("dynalite exposed no request listener");
    return new DynaliteBackend(server, listener);
  }

  /** The loopback URL dynalite itself listens on (for side-by-side benchmarks). */
  get url(): string {
    const address = this.server.address();
    if (!address || typeof address === "string") throw new Error("dynalite is not listening");
    return `http://127.0.0.1:${address.port}`;
  }

  /** Sends one DynamoDB request (e.g. target `PutItem`) with the caller's headers. */
  dispatch(target: string, body: string, headers: IncomingHttpHeaders): Promise<BackendResponse> {
    return new Promise((resolve) => {
      const req = Object.assign(new EventEmitter(), {
        method: "POST",
        url: "/",
        headers: { ...headers, "x-amz-target": `DynamoDB_20120810.${target}` },
      });
      const responseHeaders: Record<string, string> = {};
      const res = {
        statusCode: 200,
        contentType: "",
        setHeader(name: string, value: string | number) {
          responseHeaders[name.toLowerCase()] = String(value);
        },
        end(chunk?: string) {
          resolve({ statusCode: res.statusCode, headers: responseHeaders, body: chunk ?? "" });
        },
      };
      (this.listener as unknown as (rq: typeof req, rs: typeof res) => void)(req, res);
      if (body) req.emit("data", Buffer.from(body));
      req.emit("end");
    });
  }

  /** A call made by the engine itself; resolves with the parsed body or the AWS error body. */
  async call<T>(
    target: string,
    input: object,
  ): Promise<{ ok: true; data: T } | { ok: false; error: unknown }> {
    const response = await this.dispatch(target, JSON.stringify(input), INTERNAL_HEADERS);
    const parsed: unknown = response.body ? JSON.parse(response.body) : {};
    return response.statusCode === 200
      ? { ok: true, data: parsed as T }
      : { ok: false, error: parsed };
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) =>
      this.server.close((err) => (err ? reject(err) : resolve())),
    );
  }
}
