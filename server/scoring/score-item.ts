import type { EvalItem } from '../evalsets/types.js';
import { blogMetrics, WRONG_LANGUAGE_FACTOR } from './blog/blog-quality.js';
import { forbiddenScore, keywordItemScore, keywordMarks } from './keyword.js';
import { answerPassed } from './pass.js';
import type { Score } from './types.js';

export interface ItemScores {
  /** Every scorer's result, keyed by scorer name. */
  scores: Record<string, Score>;
  /** The item's primary score in 0–1 (keyword hit rate, 0 on a forbidden hit under the refusal rule; blog_quality for blog items). */
  score: number;
  /** Keyword items with a forbidden list: whether the answer contained a forbidden string. Null when there is no list (no evidence either way) and for blog items. */
  hallucinated: boolean | null;
  /** See pass.ts: every keyword found and no forbidden string; blog items have no pass/fail. */
  passed: boolean | null;
}

/** Scores one final answer (reasoning already removed) against its item. Pure. */
export function scoreAnswer(item: EvalItem, answer: string): ItemScores {
  if (item.kind === 'keyword') {
    const keyword = keywordItemScore(answer, item);
    const forbidden = forbiddenScore(answer, item.forbidden);
    return {
      scores: { keyword, forbidden },
      score: keyword.value,
      hallucinated: item.forbidden.length === 0 ? null : forbidden.value > 0,
      passed: answerPassed(keywordMarks(item, answer)),
    };
  }
  return blogScores(answer, item.reference);
}

/** Blog items: every deterministic metric as its own score; the item's score is blog_quality. */
function blogScores(answer: string, reference: string): ItemScores {
  const m = blogMetrics(answer, reference);
  const pct = (v: number) => `${(100 * v).toFixed(0)}%`;
  const scores: Record<string, Score> = {
    blog_quality: {
      value: m.blog_quality,
      explanation: `(chrF/100 + ROUGE-L)/2 with penalties: ${m.language_match === 1 ? 'language ok' : `wrong language ×${WRONG_LANGUAGE_FACTOR}`}, length ${m.length_ratio.toFixed(2)}× reference, ${pct(m.repetition)} repeated 4-grams`,
    },
    chrf: { value: m.chrf, explanation: `chrF ${m.chrf.toFixed(1)} against the reference` },
    rouge_l: { value: m.rouge_l, explanation: `ROUGE-L F1 ${m.rouge_l.toFixed(3)}` },
    repetition: { value: m.repetition, explanation: `${pct(m.repetition)} of 4-grams repeat an earlier one` },
    distinct_2: { value: m.distinct_2, explanation: `${pct(m.distinct_2)} of bigrams are distinct` },
    length_ratio: { value: m.length_ratio, explanation: `${m.length_ratio.toFixed(2)}× the reference's length` },
    language_match: { value: m.language_match, explanation: m.language_match === 1 ? "in the reference's language" : "not in the reference's language" },
  };
  return { scores, score: m.blog_quality, hallucinated: null, passed: null };
}
