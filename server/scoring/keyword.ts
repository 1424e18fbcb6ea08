import type { Keyword, KeywordItem } from '../evalsets/types.js';
import { foldForMatch } from '../text/normalize.js';
import type { Score } from './types.js';

function alternatives(k: Keyword): string[] {
  return typeof k === 'string' ? [k] : k;
}

/** How a keyword is shown in explanations: alternatives joined with `|`. */
export function keywordLabel(k: Keyword): string {
  return alternatives(k).join('|');
}

/** One expected keyword group and the alternative the answer contained (null: missed). */
export interface KeywordMark {
  alternatives: string[];
  matched: string | null;
}

/** One forbidden string and whether the answer contained it. */
export interface ForbiddenMark {
  text: string;
  found: boolean;
}

/** What a keyword item's answer hit and missed: the evidence the dashboard marks beside it. */
export interface KeywordMarks {
  keywords: KeywordMark[];
  forbidden: ForbiddenMark[];
}

/** Matches every keyword group against the answer (NFKC + case fold); the first matching alternative is named. */
export function matchKeywords(answer: string, keywords: readonly Keyword[]): KeywordMark[] {
  const folded = foldForMatch(answer);
  return keywords.map((k) => {
    const alts = alternatives(k);
    return { alternatives: alts, matched: alts.find((alt) => folded.includes(foldForMatch(alt))) ?? null };
  });
}

/** Matches every forbidden string against the answer, the same way as keywords. */
export function matchForbidden(answer: string, forbidden: readonly string[]): ForbiddenMark[] {
  const folded = foldForMatch(answer);
  return forbidden.map((text) => ({ text, found: folded.includes(foldForMatch(text)) }));
}

/** Both matches for a keyword item's answer: the same functions that score it, so marks and scores never disagree. */
export function keywordMarks(item: Pick<KeywordItem, 'keywords' | 'forbidden'>, answer: string): KeywordMarks {
  return { keywords: matchKeywords(answer, item.keywords), forbidden: matchForbidden(answer, item.forbidden) };
}

/**
 * Keyword hit score: hits / number of keywords, where a keyword (or any of its alternatives)
 * hits when it is a substring of the answer after NFKC + case folding of both. On ASCII this is
 * exactly `kw.lower() in answer.lower()`, the user's original Python eval.
 */
export function keywordScore(answer: string, keywords: readonly Keyword[]): Score {
  const marks = matchKeywords(answer, keywords);
  const hits = marks.filter((m) => m.matched !== null).map((m) => m.alternatives.join('|'));
  const misses = marks.filter((m) => m.matched === null).map((m) => m.alternatives.join('|'));
  const value = keywords.length === 0 ? 0 : hits.length / keywords.length;
  const explanation =
    misses.length === 0 ? `all ${hits.length} keywords found` : `${hits.length}/${keywords.length} keywords; missing: ${misses.join(', ')}`;
  return { value, explanation, details: { hits, misses } };
}

/**
 * A keyword item's score: keywordScore, except that with the item's refusal rule on
 * (`forbidden_fails`) an answer containing a forbidden string scores 0, whatever keywords it has.
 * A false-premise answer that says "no" and then repeats the premise is not a correction.
 */
export function keywordItemScore(answer: string, item: Pick<KeywordItem, 'keywords' | 'forbidden' | 'forbiddenFails'>): Score {
  const score = keywordScore(answer, item.keywords);
  if (item.forbiddenFails !== true) return score;
  const found = matchForbidden(answer, item.forbidden).filter((m) => m.found).map((m) => m.text);
  if (found.length === 0) return score;
  return {
    value: 0,
    explanation: `0: the answer asserts a forbidden string (${found.join(', ')}), and this item fails on one (forbidden_fails); without it: ${score.explanation}`,
    details: { ...score.details, forbiddenFails: found, withoutRule: score.value },
  };
}

/** Forbidden-string check: value 1 when the answer contains any known hallucination, else 0. */
export function forbiddenScore(answer: string, forbidden: readonly string[]): Score {
  const found = matchForbidden(answer, forbidden).filter((m) => m.found).map((m) => m.text);
  return {
    value: found.length > 0 ? 1 : 0,
    explanation: found.length > 0 ? `contains known hallucination: ${found.join(', ')}` : 'no known hallucination',
    details: { found },
  };
}
