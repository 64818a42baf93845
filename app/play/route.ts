import { VisibleError, nameKey } from "@streamboard/core/contract";
import { recoverClaim } from "@streamboard/core/names";
import { submitScore } from "@streamboard/core/score";
import {
  NEW_KEY_COOKIE,
  clearNewKeyCookie,
  deviceCookie,
  deviceOf,
  newKeyCookie,
} from "@/app/_lib/device";
import { limitScores } from "@/app/_lib/limits";
import { isOperatorRequest } from "@/app/_lib/session";
import { originVerdict } from "@/app/_lib/same-origin";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/*
 * The score form's plain POST: what a browser sends before the page has hydrated, or with
 * JavaScript off (`<form method="post" action="/play">`). Once hydrated, the form posts JSON to
 * `/api/scores` instead and never comes here. The answer is a 303 back to `/` that names the
 * player (so the page shows their row) and what happened; never the score, never a token, never
 * a recovery key: a new claim's key travels in a short-lived HttpOnly cookie the page reads.
 * The same form with `intent=recover` moves a name here with its recovery key.
 */

const DIGITS = /^\d+$/;

function back(request: Request, params: Record<string, string>, cookies: string[] = []): Response {
  const url = new URL("/", request.url);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  const headers = new Headers({ Location: url.pathname + url.search });
  for (const cookie of cookies) headers.append("Set-Cookie", cookie);
  // A key the page showed before is not shown again after the next form post.
  if (!cookies.some((c) => c.startsWith(`${NEW_KEY_COOKIE}=`))) {
    headers.append("Set-Cookie", clearNewKeyCookie(request));
  }
  return new Response(null, { status: 303, headers });
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
  if (text("intent") === "recover") return recover(request, text("claimName"), text("recoveryKey"));

  const nickName = text("nickName").trim();
  const score = text("score").trim();
  if (!DIGITS.test(score)) {
    return back(request, {
      player: playerName,
      error: score === "" ? "Enter your score." : "The score must be digits only, like 1200.",
    });
  }
  // A form is a browser's: a locked-out bearer token (429) just posts as the device.
  const operator = await isOperatorRequest(request).catch(() => false);
  const device = operator ? undefined : deviceOf(request);
  try {
    await limitScores(request, playerName.trim() ? nameKey(playerName) : undefined, { operator });
    const { record, claim } = await submitScore(
      { playerName, score: Number(score), ...(nickName ? { nickName } : {}) },
      { by: device ? { device: device.id } : { operator: true } },
    );
    return back(request, { player: record.playerName, saved: record.recordId }, [
      ...(device ? [deviceCookie(request, device.id)] : []),
      ...(claim ? [newKeyCookie(request, claim)] : []),
    ]);
  } catch (error) {
    if (error instanceof VisibleError) {
      return back(request, {
        player: playerName,
        error: error.message,
        ...(error.code === "name_taken" ? { taken: "1" } : {}),
      });
    }
    throw error;
  }
}

async function recover(request: Request, playerName: string, recoveryKey: string) {
  const device = deviceOf(request);
  try {
    const claim = await recoverClaim({ playerName, recoveryKey }, device.id);
    return back(request, { player: claim.playerName, moved: "1" }, [
      deviceCookie(request, device.id),
      newKeyCookie(request, claim),
    ]);
  } catch (error) {
    if (error instanceof VisibleError) {
      return back(request, { player: playerName, error: error.message, taken: "1" });
    }
    throw error;
  }
}

export function GET(request: Request): Response {
  return back(request, {});
}
