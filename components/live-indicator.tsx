/** "Live" while polling succeeds, "Reconnecting…" while it fails, "Paused" when stopped. */
export function LiveIndicator({
  state,
  label,
}: {
  state: "live" | "error" | "paused";
  label?: string;
}) {
  const styles = {
    live: { dot: "bg-emerald-500", ping: true, text: "text-emerald-700", word: "Live" },
    error: { dot: "bg-rose-500", ping: false, text: "text-rose-700", word: "Reconnecting…" },
    paused: { dot: "bg-slate-400", ping: false, text: "text-slate-600", word: "Paused" },
  }[state];
  return (
    <span
      className={`inline-flex items-center gap-2 rounded-full bg-white px-2.5 py-1 text-xs font-medium ring-1 ring-inset ring-slate-200 ${styles.text}`}
      data-testid="live-indicator"
    >
      <span className="relative flex h-2 w-2">
        {styles.ping && (
          <span
            className={`absolute inline-flex h-full w-full animate-ping rounded-full opacity-60 ${styles.dot}`}
          />
        )}
        <span className={`relative inline-flex h-2 w-2 rounded-full ${styles.dot}`} />
      </span>
      {label ?? styles.word}
    </span>
  );
}
