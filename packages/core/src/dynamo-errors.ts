/**
 * Matched by name rather than `instanceof`: the DynamoDB and DynamoDB Streams clients each have
 * their own exception classes, and a second copy of an SDK package would break `instanceof`.
 */
export function isAwsError(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

export const isConditionalCheckFailed = (error: unknown) =>
  isAwsError(error, "ConditionalCheckFailedException");

/** A limit from a query string or a caller: absent or unusable → the default, else clamped. */
export function clampLimit(value: number | undefined, fallback: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(1, Math.floor(value)));
}
