import type { Keyword } from '../evalsets/types.js';
import { foldForMatch } from './normalize.js';
import type { Score } from './types.js';

function alternatives(k: Keyword): string[] {
  return typeof k === 'string' ? [k] : k;
}

/** How a keyword is shown in explanations: alternatives joined with `|`. */
export function keywordLabel(k: Keyword): string {
  return alternatives(k).join('|');
}

/**
 * Keyword hit score: hits / number of keywords, where a keyword (or any of its alternatives)
 * hits when it is a substring of the answer after NFKC + case folding of both. On ASCII this is
 * exactly `kw.lower() in answer.lower()`, the user's original Python eval.
 */
export function keywordScore(answer: string, keywords: readonly Keyword[]): Score {
  const folded = foldForMatch(answer);
  const hits: string[] = [];
  const misses: string[] = [];
  for (const k of keywords) {
    const hit = alternatives(k).some((alt) => folded.includes(foldForMatch(alt)));
    (hit ? hits : misses).push(keywordLabel(k));
  }
  const value = keywords.length === 0 ? 0 : hits.length / keywords.length;
  const explanation =
    misses.length === 0 ? `all ${hits.length} keywords found` : `${hits.length}/${keywords.length} keywords; missing: ${misses.join(', ')}`;
  return { value, explanation, details: { hits, misses } };
}

/** Forbidden-string check: value 1 when the answer contains any known hallucination, else 0. */
export function forbiddenScore(answer: string, forbidden: readonly string[]): Score {
  const folded = foldForMatch(answer);
  const found = forbidden.filter((f) => folded.includes(foldForMatch(f)));
  return {
    value: found.length > 0 ? 1 : 0,
    explanation: found.length > 0 ? `contains known hallucination: ${found.join(', ')}` : 'no known hallucination',
    details: { found },
  };
}
