/**
 * Keywords are matched as substrings (scoring/keyword.ts), so a short one hits inside unrelated
 * words: "Au" is in "because", "MIT" in "submit", "李" in every sentence about any 李. A keyword
 * needs at least MIN_KEYWORD_WEIGHT: each letter or digit weighs 1, each CJK character (Han,
 * kana, Hangul: a word's worth of meaning) weighs 2. So "HSBC", "2019" and "汇丰" pass.
 */
export const MIN_KEYWORD_WEIGHT = 4;

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** A keyword's weight: letters and digits count 1, CJK characters 2, anything else 0. */
export function keywordWeight(keyword: string): number {
  let w = 0;
  for (const ch of keyword.normalize('NFKC')) w += CJK.test(ch) ? 2 : LETTER_OR_DIGIT.test(ch) ? 1 : 0;
  return w;
}

/** Why a keyword is too short (a phrase to follow its quoted text) to mean anything as a substring, or null when it is long enough. */
export function shortKeywordReason(keyword: string): string | null {
  if (keywordWeight(keyword) >= MIN_KEYWORD_WEIGHT) return null;
  return `too short to be meaningful as a substring (it would match inside other words, as "Au" does in "because"): ` +
    'at least 4 letters or digits, or 2 CJK characters are needed';
}
