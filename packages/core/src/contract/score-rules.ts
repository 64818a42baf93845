/*
 * What a valid score submission is, as plain checks without zod: the score form runs them in the
 * browser (the player's page loads no schema library), and `score.ts` builds the API's schemas
 * from the same constants, patterns and messages, so both always agree.
 */

export const MAX_SCORE = 1_000_000_000;
export const MAX_NAME_LENGTH = 32;
export const SCORE_MESSAGE = "score must be an integer between 0 and 1,000,000,000";
// Letters and digits of any script (with combining marks, so decomposed accents pass), space, _ - .
export const NAME_PATTERN = /^[\p{L}\p{M}\p{Nd} _.-]+$/u;

export const nameLengthMessage = (field: string) =>
  `${field} must be 1–${MAX_NAME_LENGTH} characters`;
export const namePatternMessage = (field: string) =>
  `${field} may contain only letters, digits, spaces and _ - .`;

/** Why a name is refused, or undefined. Characters, not UTF-16 units, count towards the limit. */
export function nameProblem(field: string, value: string): string | undefined {
  const trimmed = value.trim();
  const length = [...trimmed].length;
  if (length < 1 || length > MAX_NAME_LENGTH) return nameLengthMessage(field);
  if (!NAME_PATTERN.test(trimmed)) return namePatternMessage(field);
  return undefined;
}

/** Why a score is refused, or undefined. */
export function scoreProblem(score: number | undefined): string | undefined {
  if (score === undefined) return "score is required";
  if (!Number.isInteger(score) || score < 0 || score > MAX_SCORE) return SCORE_MESSAGE;
  return undefined;
}
