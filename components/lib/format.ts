const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

export const formatScore = (n: number) => integer.format(n);
export const formatCompact = (n: number) => compact.format(n);

/** "12 s ago", "3 min ago", … relative to `now`. */
export function formatAgo(iso: string | number, now: number): string {
  const then = toMillis(iso);
  if (Number.isNaN(then)) return "";
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return new Date(then).toLocaleDateString();
}

export function formatClock(value: string | number): string {
  const ms = toMillis(value);
  if (Number.isNaN(ms)) return "";
  return new Date(ms).toLocaleTimeString("en-GB", { hour12: false });
}

/** ISO-8601 string, epoch seconds (the stream's ApproximateCreationDateTime) or epoch millis. */
export function toMillis(value: string | number): number {
  if (typeof value === "number") return value < 1e12 ? value * 1000 : value;
  if (/^\d+(\.\d+)?$/.test(value)) return toMillis(Number(value));
  return Date.parse(value);
}

const fieldLabels: Record<string, string> = {
  playerName: "Player name",
  score: "Score",
  nickName: "Nickname",
};

/** Core's messages name the API field ("playerName must be…"); forms name the field's label. */
export function humanize(message: string): string {
  return message.replace(/^(playerName|score|nickName)\b/, (field) => fieldLabels[field] ?? field);
}

/** A duration for people: "120 ms", "2.4 s", "38 s", "3 min", "5 h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  if (ms < 60_000) return `${Math.floor(ms / 1000)} s`;
  if (ms < 2 * 3_600_000) return `${Math.floor(ms / 60_000)} min`;
  return `${Math.floor(ms / 3_600_000)} h`;
}

/** The browser's offset from UTC at that time, e.g. "UTC+05:30". */
export function utcOffsetLabel(at: Date = new Date()): string {
  const minutes = -at.getTimezoneOffset();
  const abs = Math.abs(minutes);
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  return `UTC${minutes >= 0 ? "+" : "−"}${hhmm}`;
}
