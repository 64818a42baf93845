import { getHealth } from "@streamboard/core/health";
import { errorResponse } from "@/app/_lib/api";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// GET /api/health – 200 when the database answers, 503 when it does not
export async function GET(): Promise<Response> {
  try {
    return Response.json(await getHealth());
  } catch (error) {
    console.error("Health check failed", error);
    return errorResponse("internal_error", "The database is not answering.", 503);
  }
}
