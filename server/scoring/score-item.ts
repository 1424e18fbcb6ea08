import type { EvalItem } from '../evalsets/types.js';
import { chrfScore } from './chrf.js';
import { forbiddenScore, keywordScore } from './keyword.js';
import type { Score } from './types.js';

export interface ItemScores {
  /** Every scorer's result, keyed by scorer name. */
  scores: Record<string, Score>;
  /** The item's primary score in 0–1 (keyword hit rate, or chrF/100 for blog items). */
  score: number;
  /** Keyword items: 1 when a forbidden string appeared. Null for blog items. */
  hallucinated: boolean | null;
  /** Keyword items pass with every keyword found and no forbidden string; blog items have no pass/fail. */
  passed: boolean | null;
}

/** Scores one final answer (reasoning already removed) against its item. Pure. */
export function scoreAnswer(item: EvalItem, answer: string): ItemScores {
  if (item.kind === 'keyword') {
    const keyword = keywordScore(answer, item.keywords);
    const forbidden = forbiddenScore(answer, item.forbidden);
    const hallucinated = forbidden.value > 0;
    return {
      scores: { keyword, forbidden },
      score: keyword.value,
      hallucinated,
      passed: keyword.value === 1 && !hallucinated,
    };
  }
  const c = chrfScore(answer, item.reference);
  return { scores: { chrf: c }, score: c.value, hallucinated: null, passed: null };
}
