/**
 * Runs `fn` on every item with at most `concurrency` calls in flight, and resolves when all are
 * done. Bounded because each call is a DynamoDB request: an unbounded `Promise.all` over
 * thousands of aggregates would be throttled on AWS and starve the event loop locally. A call
 * that throws rejects the whole (callers that must go on catch inside `fn`).
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
