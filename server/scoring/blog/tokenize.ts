/**
 * Scripts written without spaces between words: each character is a token, since a
 * word segmenter would be a model of its own and character units are what ROUGE does for Chinese.
 */
const CJK_CLASS = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}';
// A word: letters, digits and marks that are not CJK, with inner apostrophes (don't, it's).
const WORD = `(?:(?![${CJK_CLASS}])[\\p{L}\\p{N}\\p{M}])+`;
const TOKEN = new RegExp(`[${CJK_CLASS}]|${WORD}(?:['’]${WORD})*`, 'gu');

/**
 * Tokens for ROUGE-L and repetition: CJK text per character, other text per word, lower-cased
 * (NFKC first, so full-width letters match). Punctuation separates words and is not a token.
 */
export function tokenize(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(TOKEN) ?? [];
}
