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

/**
 * A name as the API stores it: Unicode NFC (so "José" typed precomposed or decomposed is one
 * string) and trimmed.
 */
export const normalizeName = (value: string): string => value.normalize("NFC").trim();

/**
 * The key names are compared by (and claimed under): NFC, trimmed, lower-cased, so "Linus T" and
 * "linus t", "José" in NFC and NFD, are one player. Lower-casing can decompose ("İ"), hence NFC again.
 */
export const nameKey = (value: string): string =>
  normalizeName(value).toLowerCase().normalize("NFC");

// Characters that change the direction of the text around them (they can make a name read
// backwards, or hide another name inside it).
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
// Characters that show nothing: format characters, soft hyphen, joiners, variation selectors, and
// the Hangul fillers (letters by category, blank on screen).
const INVISIBLE =
  // eslint-disable-next-line no-misleading-character-class -- the marks are listed one by one on purpose
  /[\p{Cf}\u00AD\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u3164\uFE00-\uFE0F\uFFA0\u{E0100}-\u{E01EF}]/u;
const MARK = /\p{M}/u;
const BASE = /[\p{L}\p{Nd}]/u;
/** More combining marks than this on one letter is "zalgo" (NFC leaves at most two in real words). */
export const MAX_MARKS_PER_LETTER = 2;

// The scripts a name's letters are sorted into; letters of scripts not listed count as "Other".
const SCRIPTS = [
  "Latin",
  "Greek",
  "Cyrillic",
  "Armenian",
  "Georgian",
  "Hebrew",
  "Arabic",
  "Syriac",
  "Thaana",
  "Devanagari",
  "Bengali",
  "Gurmukhi",
  "Gujarati",
  "Oriya",
  "Tamil",
  "Telugu",
  "Kannada",
  "Malayalam",
  "Sinhala",
  "Thai",
  "Lao",
  "Tibetan",
  "Myanmar",
  "Khmer",
  "Mongolian",
  "Ethiopic",
  "Cherokee",
  "Han",
  "Hiragana",
  "Katakana",
  "Hangul",
  "Bopomofo",
  "Canadian_Aboriginal",
  "Tifinagh",
  "Coptic",
  "Runic",
] as const;
let scriptPatterns: [string, RegExp][] | undefined;
// Mixes that are one writing system (Unicode TS #39, "highly restrictive"): Japanese, Chinese
// with Bopomofo, Korean, each with Latin.
const SCRIPT_MIXES = [
  ["Latin", "Han", "Hiragana", "Katakana"],
  ["Latin", "Han", "Bopomofo"],
  ["Latin", "Han", "Hangul"],
];

/** The scripts of a name's letters; digits, marks and `Common` letters (e.g. "ー") belong to none. */
export function scriptsOf(value: string): Set<string> {
  scriptPatterns ??= SCRIPTS.map((s) => [s, new RegExp(`\\p{Script=${s}}`, "u")]);
  const found = new Set<string>();
  for (const char of value) {
    if (!/\p{L}/u.test(char) || /\p{Script=Common}/u.test(char)) continue;
    found.add(scriptPatterns.find(([, pattern]) => pattern.test(char))?.[0] ?? "Other");
  }
  return found;
}

/**
 * Why an already normalised name is refused, or undefined: its length in characters (not UTF-16
 * units), then what could make two different-looking names look alike or one look empty.
 */
export function normalizedNameProblem(field: string, name: string): string | undefined {
  const length = [...name].length;
  if (length < 1 || length > MAX_NAME_LENGTH) return nameLengthMessage(field);
  if (BIDI_CONTROLS.test(name))
    return `${field} may not contain characters that change the text direction`;
  if (INVISIBLE.test(name)) return `${field} may not contain invisible characters`;
  if (!NAME_PATTERN.test(name)) return namePatternMessage(field);
  let base = false;
  let marks = 0;
  for (const char of name) {
    if (!MARK.test(char)) {
      base = BASE.test(char);
      marks = 0;
    } else if (!base) return `${field} may not have accents without a letter or digit under them`;
    else if (++marks > MAX_MARKS_PER_LETTER)
      return `${field} may have at most ${MAX_MARKS_PER_LETTER} accents on one letter`;
  }
  if (!BASE.test(name)) return `${field} must contain a letter or digit`;
  const scripts = [...scriptsOf(name)];
  if (scripts.length > 1 && !SCRIPT_MIXES.some((mix) => scripts.every((s) => mix.includes(s)))) {
    return `${field} mixes alphabets (${scripts.join(", ")}) in a way that can imitate another name: write it in one`;
  }
  return undefined;
}

/** Why a name is refused, or undefined. */
export const nameProblem = (field: string, value: string): string | undefined =>
  normalizedNameProblem(field, normalizeName(value));

/** Why a score is refused, or undefined. */
export function scoreProblem(score: number | undefined): string | undefined {
  if (score === undefined) return "score is required";
  if (!Number.isInteger(score) || score < 0 || score > MAX_SCORE) return SCORE_MESSAGE;
  return undefined;
}
