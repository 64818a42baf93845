import { describe, expect, test } from "vitest";
import { ScoreInput } from "./score.ts";
import { nameKey, nameProblem, normalizeName, scriptsOf } from "./score-rules.ts";

const NFD_JOSE = "Jose\u0301";
const NFC_JOSE = "Jos\u00e9";

describe("nameProblem (browser) and ScoreInput (server) agree", () => {
  test.each([
    ["a plain name", "ann"],
    ["NFC accents", NFC_JOSE],
    ["NFD accents (normalised to NFC first)", NFD_JOSE],
    ["one script: Cyrillic", "Алиса"],
    ["one script: Greek", "Αλέξης"],
    ["Japanese: Han, Hiragana, Katakana with Latin", "Zoë_名前-ひら-カタ 2"],
    ["Korean with Latin", "Kim 김민준"],
    ["digits, space, _ - . are neutral", "Алиса_2.0 - 7"],
    ["Vietnamese: two marks on one letter", "Nguyê\u0303n"],
    ["Devanagari with its vowel signs", "देवनागरी"],
    ["a katakana long-vowel mark (Common script)", "ラーメン"],
    ["32 characters", "a".repeat(32)],
  ])("accepts %s", (_case, name) => {
    expect(nameProblem("playerName", name)).toBeUndefined();
    expect(ScoreInput.safeParse({ playerName: name, score: 1 }).success).toBe(true);
  });

  test.each([
    ["blank", "   ", "playerName must be 1–32 characters"],
    ["33 characters", "a".repeat(33), "playerName must be 1–32 characters"],
    ["punctuation", "ann!", "playerName may contain only letters, digits, spaces and _ - ."],
    ["a zero-width space", "an\u200bn", "playerName may not contain invisible characters"],
    ["a zero-width joiner", "an\u200dn", "playerName may not contain invisible characters"],
    ["a word joiner", "an\u2060n", "playerName may not contain invisible characters"],
    ["an invisible times", "an\u2062n", "playerName may not contain invisible characters"],
    ["a byte-order mark", "an\ufeffn", "playerName may not contain invisible characters"],
    ["a soft hyphen", "an\u00adn", "playerName may not contain invisible characters"],
    [
      "a Hangul filler (a letter that shows nothing)",
      "\u3164",
      "playerName may not contain invisible characters",
    ],
    ["a combining grapheme joiner", "an\u034fn", "playerName may not contain invisible characters"],
    ["a variation selector", "ann\ufe0f", "playerName may not contain invisible characters"],
    [
      "a right-to-left override",
      "ann\u202exyz",
      "playerName may not contain characters that change the text direction",
    ],
    [
      "a left-to-right embedding",
      "\u202aann",
      "playerName may not contain characters that change the text direction",
    ],
    [
      "a right-to-left mark",
      "ann\u200f",
      "playerName may not contain characters that change the text direction",
    ],
    [
      "a first-strong isolate",
      "ann\u2068x\u2069",
      "playerName may not contain characters that change the text direction",
    ],
    [
      "32 combining marks (looks empty)",
      "\u0301".repeat(32),
      "playerName may not have accents without a letter or digit under them",
    ],
    [
      "a mark on a space",
      "a \u0301b",
      "playerName may not have accents without a letter or digit under them",
    ],
    [
      "zalgo",
      "Z\u0351\u0352\u0353a\u0354\u0355l",
      "playerName may have at most 2 accents on one letter",
    ],
    ["no letter or digit", "_-.", "playerName must contain a letter or digit"],
    [
      "Latin with a Cyrillic look-alike",
      "\u0410lice",
      "playerName mixes alphabets (Cyrillic, Latin) in a way that can imitate another name: write it in one",
    ],
    [
      "Latin with a Greek look-alike",
      "Ne\u03bf",
      "playerName mixes alphabets (Latin, Greek) in a way that can imitate another name: write it in one",
    ],
    [
      "Cyrillic with Greek",
      "Алисα",
      "playerName mixes alphabets (Cyrillic, Greek) in a way that can imitate another name: write it in one",
    ],
  ])("refuses %s", (_case, name, message) => {
    expect(nameProblem("playerName", name)).toBe(message);
    const parsed = ScoreInput.safeParse({ playerName: name, score: 1 });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message)).toEqual([message]);
  });

  test("nickName follows the same rules", () => {
    expect(nameProblem("nickName", "\u0410lice")).toMatch(/^nickName mixes alphabets/);
    expect(ScoreInput.safeParse({ playerName: "ann", score: 1, nickName: "x\u202e" }).success).toBe(
      false,
    );
  });
});

describe("normalizeName and nameKey", () => {
  test("the stored name is NFC and trimmed", () => {
    expect(normalizeName(`  ${NFD_JOSE} `)).toBe(NFC_JOSE);
    expect(ScoreInput.parse({ playerName: ` ${NFD_JOSE} `, score: 1 }).playerName).toBe(NFC_JOSE);
  });

  test.each([
    ["NFC and NFD", NFC_JOSE, NFD_JOSE],
    ["case", "Linus T", "linus t"],
    ["case and spaces around", "  LINUS T ", "linus t"],
    ["case of a non-Latin script", "АЛИСА", "алиса"],
    ["a dotted capital I (lower-cases to i + a combining dot)", "\u0130ris", "i\u0307ris"],
  ])("one player: %s", (_case, a, b) => {
    expect(nameKey(a)).toBe(nameKey(b));
  });

  test.each([
    ["different letters", "Linus T", "Linus R"],
    ["a Cyrillic А is not a Latin A", "\u0410lice", "Alice"],
  ])("two players: %s", (_case, a, b) => {
    expect(nameKey(a)).not.toBe(nameKey(b));
  });
});

test("scriptsOf sorts letters by script and leaves digits, marks and Common letters out", () => {
  expect([...scriptsOf("Zoë 2_名")]).toEqual(["Latin", "Han"]);
  expect([...scriptsOf("ラー")]).toEqual(["Katakana"]);
  expect([...scriptsOf("42 _-.")]).toEqual([]);
});
