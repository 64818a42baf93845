/**
 * Matched by name rather than `instanceof`: the DynamoDB and DynamoDB Streams clients each have
 * their own exception classes, and a second copy of an SDK package would break `instanceof`.
 */
export function isAwsError(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

export const isConditionalCheckFailed = (error: unknown) =>
  isAwsError(error, "ConditionalCheckFailedException");

/** Errors that say "never": the same request fails the same way however often it is sent. */
const PERMANENT_ERRORS = new Set([
  "ValidationException",
  "ItemCollectionSizeLimitExceededException",
]);
/** Cancellation reasons that no retry can change. */
const PERMANENT_CANCELLATIONS = new Set(["ValidationError", "ItemCollectionSizeLimitExceeded"]);

/**
 * Whether a failed DynamoDB call is worth retrying. Only DynamoDB refusing the request itself
 * (an item too large, a key it cannot store) is final; throttling, conflicts, races lost, server
 * faults, calls that got no answer, and configuration trouble (a table not there yet, missing
 * permissions) may pass on another attempt, and must not get good data set aside.
 */
export function isTransientError(error: unknown): boolean {
  if (!(error instanceof Error)) return true;
  if (PERMANENT_ERRORS.has(error.name)) return false;
  if (error.name === "TransactionCanceledException") {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
    return !reasons?.some((r) => r.Code !== undefined && PERMANENT_CANCELLATIONS.has(r.Code));
  }
  return true;
}
