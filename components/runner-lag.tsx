import type { HealthResponse, RunnerHealth } from "@streamboard/core/contract";
import type { ApiError } from "./lib/api-client";
import { formatAgo, formatClock, formatDuration } from "./lib/format";

type Tone = "green" | "amber" | "red" | "grey";

const tones: Record<Tone, { dot: string; text: string }> = {
  green: { dot: "bg-emerald-500", text: "text-emerald-700" },
  amber: { dot: "bg-amber-500", text: "text-amber-800" },
  red: { dot: "bg-rose-500", text: "text-rose-700" },
  grey: { dot: "bg-slate-400", text: "text-slate-600" },
};

// The leaderboard should follow a write within about a second (no batching window): past that
// the aggregator is behind, and ten seconds behind means records are being retried or piling up.
const AMBER_FROM_MS = 1000;
const RED_FROM_MS = 10_000;

const lagTone = (ageMs: number): Tone =>
  ageMs < AMBER_FROM_MS ? "green" : ageMs < RED_FROM_MS ? "amber" : "red";

const outcomes: Record<NonNullable<RunnerHealth["lastBatch"]>["outcome"], [string, string]> = {
  success: ["ok", "text-emerald-700"],
  partial_failure: ["partial failure", "text-amber-800"],
  error: ["error", "text-rose-700"],
};

function describeLastBatch(batch: NonNullable<RunnerHealth["lastBatch"]>): string {
  const records = `${batch.records} record${batch.records === 1 ? "" : "s"}`;
  const attempt = batch.attempt > 1 ? `, attempt ${batch.attempt}` : "";
  const error = batch.error ? `: ${batch.error}` : "";
  return `Last batch at ${formatClock(batch.time)}: ${records}, ${batch.outcome}${attempt}, ${batch.durationMs} ms${error}`;
}

interface LagView {
  state: "loading" | "error" | "unavailable" | "stopped" | "stale" | "running";
  tone: Tone;
  label: string;
  title: string;
  lastBatch?: NonNullable<RunnerHealth["lastBatch"]>;
}

function viewOf(
  health: HealthResponse | undefined,
  error: ApiError | undefined,
  now: number,
): LagView {
  const runner = health?.runner;
  const view = (
    state: LagView["state"],
    label: string,
    title: string,
    tone: Tone = "grey",
  ): LagView => ({ state, tone, label, title });
  // SWR keeps the last answer through errors: an old lag shown as current would mislead.
  if (error) return view("error", "lag unknown", `Could not read /api/health: ${error.message}`);
  if (!health) return view("loading", "lag …", "Reading the stream runner's status…");
  if (!runner) {
    return view(
      "unavailable",
      "lag n/a",
      "No local stream runner reports here: on AWS, see the aggregator's IteratorAge metric in CloudWatch.",
    );
  }
  if (!runner.running) return view("stopped", "runner stopped", "The stream runner has stopped.");
  if (runner.stale) {
    const ago = formatAgo(runner.updatedAt, now || Date.now());
    return view("stale", "runner not responding", `The stream runner last reported ${ago}.`, "red");
  }
  const batch = runner.lastBatch;
  return {
    ...view(
      "running",
      `lag ${formatDuration(runner.iteratorAgeMs)}`,
      `Iterator age ${Math.round(runner.iteratorAgeMs)} ms · ${runner.pending} pending\n` +
        (batch ? describeLastBatch(batch) : "No batch yet"),
      lagTone(runner.iteratorAgeMs),
    ),
    ...(batch ? { lastBatch: batch } : {}),
  };
}

/**
 * How far behind the aggregator is (the iterator age of its last batch, as Lambda's IteratorAge
 * metric), coloured by how much that matters, and how the last batch went.
 */
export function RunnerLag({
  health,
  error,
  now,
}: {
  health: HealthResponse | undefined;
  error: ApiError | undefined;
  now: number;
}) {
  const { state, tone, label, title, lastBatch } = viewOf(health, error, now);
  const styles = tones[tone];
  const outcome = lastBatch ? outcomes[lastBatch.outcome] : undefined;
  return (
    <span
      className={`inline-flex items-center gap-2 rounded-full bg-white px-2.5 py-1 text-xs font-medium ring-1 ring-inset ring-slate-200 ${styles.text}`}
      title={title}
      data-testid="runner-lag"
      data-state={state}
      data-tone={tone}
    >
      <span className={`inline-flex h-2 w-2 shrink-0 rounded-full ${styles.dot}`} />
      <span className="tabular-nums">{label}</span>
      {outcome && (
        <>
          {/* On a phone the pill keeps to the lag, so the header's buttons stay on one line. */}
          <span className="hidden h-3 w-px bg-slate-200 sm:inline" aria-hidden="true" />
          <span className="hidden font-normal text-slate-500 sm:inline">
            last batch{" "}
            <span className={`font-medium ${outcome[1]}`} data-testid="last-batch-outcome">
              {outcome[0]}
            </span>
          </span>
        </>
      )}
    </span>
  );
}
