/**
 * Waits that end early: on `wake()` (idle() wants a fresh poll now) or when the runner stops.
 * A wake that finds nobody asleep is remembered, so a loop that was busy when idle() asked
 * polls again at once instead of sleeping a full interval first.
 */
export class Sleeper {
  private readonly sleeping = new Set<() => void>();
  private pendingWake = false;

  constructor(private readonly signal: AbortSignal) {}

  sleep(ms: number): Promise<void> {
    if (this.pendingWake || this.signal.aborted) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.signal.removeEventListener("abort", done);
        this.sleeping.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.signal.addEventListener("abort", done);
      this.sleeping.add(done);
    });
  }

  wake(): void {
    if (this.sleeping.size === 0) this.pendingWake = true;
    for (const done of [...this.sleeping]) done();
  }
}

/** A wait that only the runner stopping cuts short (retry backoff must not be skipped). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Sleeper(signal).sleep(ms);
}
