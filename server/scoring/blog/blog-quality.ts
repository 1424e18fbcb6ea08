import { chrf } from '../chrf.js';
import { languageMatch } from '../../text/language.js';
import { distinct2, repetition } from './repetition.js';
import { rougeL } from './rouge-l.js';
import { tokenize } from './tokenize.js';

/** Every deterministic blog metric of one answer, stored separately. */
export interface BlogMetrics {
  /** chrF, sacrebleu's 0–100 scale. */
  chrf: number;
  rouge_l: number;
  /** Share of repeated 4-grams in the answer (0 = none). */
  repetition: number;
  distinct_2: number;
  /** Answer length / reference length, in non-space characters. */
  length_ratio: number;
  language_match: number;
  /** The combination below, 0–1. */
  blog_quality: number;
}

const visibleLength = (s: string) => Array.from(s.replace(/\s+/gu, '')).length;

/**
 * No penalty while the answer is 40%–250% of the reference's length: a checkpoint may write a
 * shorter or longer post than the author did. Below that (empty, truncated, one line) the factor
 * falls linearly to 0; above it, it falls as 2.5/ratio (rambling).
 */
export function lengthFactor(ratio: number): number {
  if (ratio < 0.4) return ratio / 0.4;
  if (ratio > 2.5) return 2.5 / ratio;
  return 1;
}

/**
 * Repetition beyond the reference's own (plus 5 points of slack) is penalized: 1.5 points of
 * quality lost per point of excess, so a degenerate loop (often 40–90% repeated 4-grams)
 * drops to near 0 while natural prose is untouched.
 */
export function repetitionFactor(answerRep: number, referenceRep: number): number {
  const excess = Math.max(0, answerRep - referenceRep - 0.05);
  return Math.max(0, 1 - 1.5 * excess);
}

/** A wrong-language answer keeps a fifth of its score: a failure, but detection can err on short mixed text. */
export const WRONG_LANGUAGE_FACTOR = 0.2;

/**
 * blog_quality = similarity × repetition factor × length factor × language factor, where
 * similarity = (chrF/100 + ROUGE-L) / 2 against the held-out reference. Similarity rewards
 * an on-topic post in the author's words; the factors catch the failures that similarity alone
 * misses (loops, truncation, wrong language). Designed, and tested, so that for the same title a
 * faithful on-topic post scores above: the same post with a repetition loop, a fluent post on
 * another topic, an answer in the wrong language, an empty or one-line answer, and the title
 * echoed back.
 */
export function blogMetrics(answer: string, reference: string): BlogMetrics {
  const hypTokens = tokenize(answer);
  const refTokens = tokenize(reference);
  const c = chrf(answer, reference);
  const rl = rougeL(hypTokens, refTokens);
  const rep = repetition(hypTokens);
  const refLen = visibleLength(reference);
  const ratio = refLen === 0 ? 0 : visibleLength(answer) / refLen;
  const lang = languageMatch(answer, reference);
  const quality =
    ((c / 100 + rl) / 2) * repetitionFactor(rep, repetition(refTokens)) * lengthFactor(ratio) * (lang === 1 ? 1 : WRONG_LANGUAGE_FACTOR);
  return {
    chrf: c,
    rouge_l: rl,
    repetition: rep,
    distinct_2: distinct2(hypTokens),
    length_ratio: ratio,
    language_match: lang,
    blog_quality: quality,
  };
}
