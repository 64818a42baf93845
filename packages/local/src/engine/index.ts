import { randomBytes } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { crc32 } from "node:zlib";
import { lockDataDir } from "../data-dir-lock.ts";
import { AwsError, internalError, serializationError } from "./aws-error.ts";
import { CapacityMeter, type CapacityUsage } from "./capacity.ts";
import { DynaliteBackend, INTERNAL_HEADERS } from "./dynalite-backend.ts";
import { DynamoDbProxy } from "./dynamodb-proxy.ts";
import { StreamStore } from "./stream-store.ts";
import { StreamsApi } from "./streams-api.ts";
import { TimeToLive, TTL_IDENTITY, TtlSweeper } from "./ttl.ts";

export interface LocalEngineOptions {
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  host?: string;
  /** Keep tables, stream records and stream positions in this directory. */
  dataDir?: string;
  /** Keep everything in memory instead (tests). */
  inMemory?: boolean;
  /** Milliseconds since the epoch; tests pass a clock they control. */
  clock?: () => number;
  /** The region in ARNs (default us-east-1); the CLIs pass AWS_REGION. */
  region?: string;
  /**
   * Crash-test hook: the process kills itself (SIGKILL) after this many item writes of one
   * transaction's apply phase (`STREAMBOARD_ENGINE_CRASH_AFTER_WRITES` for `npm run engine`).
   */
  crashAfterWrites?: number;
  /** Close a shard after this many records (default: only by age, ~4 h, as on AWS). */
  shardMaxRecords?: number;
  /** Milliseconds between sweeps for items past their TTL (default 10 s; 0: only `sweepExpired`). */
  ttlSweepIntervalMs?: number;
}

export interface LocalEngine {
  /** The one endpoint for both DynamoDB and DynamoDB Streams clients. */
  endpoint: string;
  port: number;
  /** dynalite's own loopback endpoint, without streams (for side-by-side benchmarks). */
  dynaliteEndpoint: string;
  /**
   * Capacity units billed as AWS bills them (indexes and transactions included), per table, for
   * every call through the engine, whether or not it asked for ReturnConsumedCapacity.
   */
  capacity: { snapshot(): CapacityUsage; reset(): void };
  /**
   * Requests answered, by operation (`GetRecords`, `Query`, ...), DynamoDB and Streams alike,
   * since the start or the last reset: what a benchmark reads to see who polls the stream.
   */
  requests: { snapshot(): Record<string, number>; reset(): void };
  /** Deletes the items past their TTL now, as the background sweep does; resolves with how many. */
  sweepExpired(): Promise<number>;
  /** Stops accepting requests, waits for those in flight and a TTL sweep, then closes the stores. */
  close(): Promise<void>;
}

const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
const STREAMS_PREFIX = "DynamoDBStreams_20120810.";
const DYNAMODB_PREFIX = "DynamoDB_20120810.";

/** Starts dynalite plus the DynamoDB Streams layer behind one HTTP endpoint. */
export async function startLocalEngine(options: LocalEngineOptions): Promise<LocalEngine> {
  if (!options.inMemory && !options.dataDir) {
    throw new Error("startLocalEngine needs either dataDir or inMemory: true");
  }
  const dataDir = options.inMemory ? undefined : path.resolve(options.dataDir!);
  const unlock = dataDir ? lockDataDir(dataDir, "engine.pid") : () => {};
  try {
    return await serve(options, dataDir, unlock);
  } catch (error) {
    unlock();
    throw error;
  }
}

async function serve(
  options: LocalEngineOptions,
  dataDir: string | undefined,
  unlock: () => void,
): Promise<LocalEngine> {
  const region = options.region ?? "us-east-1";

  const backend = await DynaliteBackend.start({ path: dataDir && path.join(dataDir, "dynamodb") });
  const store = new StreamStore({
    dir: dataDir && path.join(dataDir, "streams"),
    clock: options.clock ?? Date.now,
    region,
    ...(options.shardMaxRecords ? { shardMaxRecords: options.shardMaxRecords } : {}),
  });
  const meter = new CapacityMeter();
  const ttl = new TimeToLive(backend, dataDir && path.join(dataDir, "ttl.json"));
  const proxy = new DynamoDbProxy(backend, store, {
    meter,
    ttl,
    clock: options.clock ?? Date.now,
    transactionsDir: dataDir && path.join(dataDir, "transactions"),
    crashAfterWrites: options.crashAfterWrites,
  });
  // A transaction a crash cut short is finished before anyone can read half of it.
  await proxy.transactions.recover();
  const streamsApi = new StreamsApi(store);
  const sweeper = new TtlSweeper({
    backend,
    ttl,
    clock: options.clock ?? Date.now,
    intervalMs: options.ttlSweepIntervalMs ?? 10_000,
    deleteItem: (request) =>
      proxy.handle("DeleteItem", JSON.stringify(request), INTERNAL_HEADERS, {
        userIdentity: TTL_IDENTITY,
      }),
  });

  let inFlight = 0;
  let drained: (() => void) | undefined;
  let requests: Record<string, number> = {};
  const server = http.createServer((req, res) => {
    inFlight++;
    const target = String(req.headers["x-amz-target"] ?? "");
    const operation = target.slice(target.indexOf(".") + 1) || "(none)";
    requests[operation] = (requests[operation] ?? 0) + 1;
    void handleRequest(req, res, proxy, streamsApi).finally(() => {
      if (--inFlight === 0) drained?.();
    });
  });
  server.keepAliveTimeout = 65_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 8000, options.host ?? "127.0.0.1", () => resolve());
    });
  } catch (error) {
    // e.g. the port is taken: release the stores so that the data dir can be opened again.
    store.close();
    await backend.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  sweeper.start();

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${options.host ?? "127.0.0.1"}:${port}`,
    port,
    dynaliteEndpoint: backend.url,
    capacity: { snapshot: () => meter.snapshot(), reset: () => meter.reset() },
    requests: { snapshot: () => ({ ...requests }), reset: () => (requests = {}) },
    sweepExpired: () => sweeper.sweep(),
    close() {
      closing ??= (async () => {
        const sweeping = sweeper.stop();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
        server.closeAllConnections();
        await stopped;
        await sweeping;
        store.close();
        await backend.close();
        unlock();
      })();
      return closing;
    },
  };
}

async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  proxy: DynamoDbProxy,
  streamsApi: StreamsApi,
): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) {
      res.writeHead(413).end();
      return;
    }
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks).toString("utf8");
  const target = String(req.headers["x-amz-target"] ?? "");

  try {
    if (target.startsWith(STREAMS_PREFIX)) {
      let input: unknown;
      try {
        input = body ? JSON.parse(body) : {};
      } catch {
        throw serializationError("Request body is not valid JSON");
      }
      if (!input || typeof input !== "object" || Array.isArray(input)) {
        throw serializationError("Request body must be a JSON object");
      }
      const output = streamsApi.handle(
        target.slice(STREAMS_PREFIX.length),
        input as Record<string, unknown>,
      );
      send(res, 200, JSON.stringify(output));
      return;
    }
    const operation = target.startsWith(DYNAMODB_PREFIX)
      ? target.slice(DYNAMODB_PREFIX.length)
      : target;
    const response = await proxy.handle(operation, body, req.headers);
    send(res, response.statusCode, response.body, response.headers);
  } catch (error) {
    const awsError =
      error instanceof AwsError
        ? error
        : internalError(error instanceof Error ? error.message : String(error));
    if (!(error instanceof AwsError)) console.error("[engine] unexpected error", error);
    send(res, awsError.statusCode, JSON.stringify(awsError.toBody()));
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
) {
  const payload = Buffer.from(body, "utf8");
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.0",
    ...headers,
    "x-amzn-requestid":
      headers["x-amzn-requestid"] ?? randomBytes(26).toString("hex").toUpperCase(),
    // The SDK may check the CRC of what it reads; the body can differ from dynalite's.
    "x-amz-crc32": String(crc32(payload)),
    "content-length": String(payload.length),
  });
  res.end(payload);
}
