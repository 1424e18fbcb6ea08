export type Script = 'zh' | 'latin' | 'other' | 'none';

const HAN = /\p{Script=Han}/u;
const LATIN = /\p{Script=Latin}/u;
const LETTER = /\p{L}/u;

/**
 * The dominant writing system of a text, by letters: `zh` when Han characters are at least 30%
 * of the letters (Chinese technical posts are full of English words: Python, API, vLLM), else
 * `latin` when Latin letters dominate, `other` for any other script, `none` for no letters.
 */
export function dominantScript(text: string): Script {
  let han = 0;
  let latin = 0;
  let letters = 0;
  for (const ch of text) {
    if (!LETTER.test(ch)) continue;
    letters++;
    if (HAN.test(ch)) han++;
    else if (LATIN.test(ch)) latin++;
  }
  if (letters === 0) return 'none';
  if (han / letters >= 0.3) return 'zh';
  return latin / letters >= 0.5 ? 'latin' : 'other';
}

/** 1 when the answer is written in the reference's script, else 0 (an empty answer is 0). */
export function languageMatch(answer: string, reference: string): number {
  const a = dominantScript(answer);
  return a !== 'none' && a === dominantScript(reference) ? 1 : 0;
}
