function ngrams(tokens: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join('\u0001'));
  return out;
}

/**
 * Share of n-grams that repeat an earlier one (seq-rep-n of Welleck et al., 2019): 0 for text
 * with no repeated n-gram, near 1 for a degenerate loop. 0 when the text has no n-gram.
 */
export function repetition(tokens: readonly string[], n = 4): number {
  const grams = ngrams(tokens, n);
  if (grams.length === 0) return 0;
  return 1 - new Set(grams).size / grams.length;
}

/** Distinct-2: unique bigrams / bigrams (Li et al., 2016). 0 when the text has no bigram. */
export function distinct2(tokens: readonly string[]): number {
  const grams = ngrams(tokens, 2);
  return grams.length === 0 ? 0 : new Set(grams).size / grams.length;
}
