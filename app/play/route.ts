import { VisibleError } from "@streamboard/core/contract";
import { submitScore } from "@streamboard/core/score";
import { originVerdict } from "@/app/_lib/same-origin";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/*
 * The score form's plain POST: what a browser sends before the page has hydrated, or with
 * JavaScript off (`<form method="post" action="/play">`). Once hydrated, the form posts JSON to
 * `/api/scores` instead and never comes here. The answer is a 303 back to `/` that names the
 * player (so the page shows their row) and what happened; never the score, never a token.
 */

const DIGITS = /^\d+$/;

function back(request: Request, params: Record<string, string>): Response {
  const url = new URL("/", request.url);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return new Response(null, { status: 303, headers: { Location: url.pathname + url.search } });
}

export async function POST(request: Request): Promise<Response> {
  // A form another site posts here (CSRF): back to the board, nothing read, nothing saved.
  if (originVerdict(request) === "cross") {
    return back(request, { error: "That form came from another site; nothing was saved." });
  }
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return back(request, { error: "The form could not be read. Try again." });
  }
  const text = (key: string) => {
    const value = form.get(key);
    return typeof value === "string" ? value : "";
  };
  const playerName = text("playerName");
  const nickName = text("nickName").trim();
  const score = text("score").trim();
  if (!DIGITS.test(score)) {
    return back(request, {
      player: playerName,
      error: score === "" ? "Enter your score." : "The score must be digits only, like 1200.",
    });
  }
  try {
    const { record } = await submitScore({
      playerName,
      score: Number(score),
      ...(nickName ? { nickName } : {}),
    });
    return back(request, { player: record.playerName, saved: record.recordId });
  } catch (error) {
    if (error instanceof VisibleError) {
      return back(request, { player: playerName, error: error.message });
    }
    throw error;
  }
}

export function GET(request: Request): Response {
  return back(request, {});
}
