import type { InspectorRecord } from "@streamboard/core/contract";
import { readLogRecord } from "@streamboard/core/stream";
import { route } from "@/app/_lib/api";
import { requireOperator } from "@/app/_lib/auth";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// GET /api/stream/records/{logId} – operator: one stream log record (deep links), or 404
export const GET = route(
  async (request: Request, { params }: { params: Promise<{ logId: string }> }) => {
    await requireOperator(request);
    const { logId } = await params;
    const record: InspectorRecord = await readLogRecord(logId);
    return Response.json(record);
  },
);
