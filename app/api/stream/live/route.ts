import type { ApiErrorBody } from "@streamboard/core/contract";
import { StreamQueryParams, tailLog } from "@streamboard/core/stream";
import { handleApiError, readQuery, route } from "@/app/_lib/api";
import { requireOperator } from "@/app/_lib/auth";
import { isOperatorRequest } from "@/app/_lib/session";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// GET /api/stream/live – operator: server-sent events at the stream log's head (`event: page`)
//
// The same filters as GET /api/stream, plus `cursor` (or the `Last-Event-ID` an EventSource sends
// when it reconnects: each event's id is its page's cursor). The server reads the log table, never
// the stream, every ~200 ms and sends `event: page` / `data: <StreamPage JSON>` when records
// arrive (without a cursor, first the newest window, records or not), a `: heartbeat` comment
// every 15 s, and stops when the client goes away. Locally that makes a write visible in well
// under 500 ms. On AWS, OpenNext's default Lambda wrapper buffers a response until it ends, so
// these events do not stream there: the client falls back to polling `GET /api/stream?cursor=`
// (docs/deploy.md, "Inspector live updates on AWS").

const HEARTBEAT_MS = 15_000;

const LiveQuery = StreamQueryParams.refine(
  (query) => query.before === undefined && query.at === undefined,
  { error: "the live stream follows the head: cursor, not before or at", path: ["before"] },
);

export const GET = route(async (request: Request): Promise<Response> => {
  await requireOperator(request);
  const query = readQuery(request, LiveQuery);
  const resume = request.headers.get("last-event-id");
  if (query.cursor === undefined && resume) query.cursor = resume;

  const stop = new AbortController();
  request.signal.addEventListener("abort", () => stop.abort(), { once: true });
  // A bad cursor throws here, before the response: a 400 like GET /api/stream's.
  const pages = tailLog(query, { signal: stop.signal });

  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string) => {
        if (!stop.signal.aborted) controller.enqueue(encoder.encode(text));
      };
      // Each heartbeat checks the session again: a logout (or "sign out everywhere", or a token
      // rotation) ends an open stream within 15 s, not only the next request.
      const heartbeat = setInterval(() => {
        void isOperatorRequest(request).then(
          (live) => {
            if (live) return send(": heartbeat\n\n");
            const ended: ApiErrorBody = {
              error: { code: "unauthorized", message: "The session has ended: log in again." },
            };
            send(`event: error\ndata: ${JSON.stringify(ended)}\n\n`);
            stop.abort();
          },
          () => send(": heartbeat\n\n"),
        );
      }, HEARTBEAT_MS);
      send("retry: 1000\n\n");
      try {
        for await (const page of pages) {
          send(`event: page\nid: ${page.cursor}\ndata: ${JSON.stringify(page)}\n\n`);
        }
      } catch (error) {
        const response = handleApiError(error);
        const failure = (await response.json()) as ApiErrorBody;
        send(`event: error\ndata: ${JSON.stringify(failure)}\n\n`);
      } finally {
        clearInterval(heartbeat);
        stop.abort();
        try {
          controller.close();
        } catch {
          // already closed by the client going away
        }
      }
    },
    cancel() {
      stop.abort();
    },
  });
  const response = new Response(body, {
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    },
  });

  return response;
});
