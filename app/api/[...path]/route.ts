import { errorResponse } from "@/app/_lib/api";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// * /api/… – any other API path: a JSON 404 rather than the HTML not-found page
function notFound(request: Request): Response {
  const { pathname } = new URL(request.url);
  return errorResponse("not_found", `No API route ${request.method} ${pathname}.`);
}

export {
  notFound as GET,
  notFound as POST,
  notFound as PUT,
  notFound as PATCH,
  notFound as DELETE,
};
