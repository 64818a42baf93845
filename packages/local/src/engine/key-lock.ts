/**
 * In-process per-key mutual exclusion. Every item write passes through the engine, so holding a
 * key's lock across "read old image, write, read new image, append record" makes the stream's
 * order the order in which dynalite applied the writes; transactions take the same locks
 * (`lockKeyOf`) for all their items, so they serialise with single-item writes per item.
 */
export class KeyLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Waits for every key (taken in sorted order, so two batches cannot deadlock). */
  async acquire(keys: readonly string[]): Promise<() => void> {
    const releases: (() => void)[] = [];
    for (const key of [...new Set(keys)].sort()) releases.push(await this.acquireOne(key));
    return () => releases.forEach((release) => release());
  }

  private async acquireOne(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
