import type { KeywordItem } from '../evalsets/types.js';
import { scoreAnswer } from '../scoring/score-item.js';
import type { Category } from '../scoring/category.js';
import type { SlickSettings } from '../store/types.js';

/** The paper's defaults: 10 prompts × (1 greedy + 16 sampled at T=0.5, top-k 40) = 170 requests an item. */
export const SLICK_DEFAULTS: SlickSettings = { prompts: 10, shots: 4, samples: 16, temperature: 0.5, topK: 40, maxTokens: 64, seed: 0, fast: false };
/** `--fast`: 4 prompts × (1 + 4) = 20 requests an item; coarser P values, same categories' meaning. */
export const SLICK_FAST: Pick<SlickSettings, 'prompts' | 'samples'> = { prompts: 4, samples: 4 };

/** Draws per prompt: the greedy answer first (draw 0), then the sampled ones. */
export const drawsPerPrompt = (s: Pick<SlickSettings, 'samples'>): number => 1 + s.samples;

/** A result's sample index as the prompt and draw it stands for (draw 0 is greedy). */
export function decodeSample(sample: number, s: Pick<SlickSettings, 'samples'>): { prompt: number; draw: number } {
  const per = drawsPerPrompt(s);
  return { prompt: Math.floor(sample / per), draw: sample % per };
}

/** Correct, for SliCK: every expected fact present (keyword score 1.0) and no known hallucination. */
export function isCorrect(item: KeywordItem, answer: string): boolean {
  const s = scoreAnswer(item, answer);
  return s.score === 1 && s.hallucinated !== true;
}

/**
 * The category from P(T=0), the share of correct greedy answers over the prompts, and P(T>0),
 * the share of correct sampled answers: HighlyKnown (P(T=0) = 1), MaybeKnown (0 < P(T=0) < 1),
 * WeaklyKnown (P(T=0) = 0, P(T>0) > 0), Unknown (both 0).
 */
export function categoryOf(pGreedy: number, pSampled: number): Category {
  if (pGreedy >= 1) return 'HighlyKnown';
  if (pGreedy > 0) return 'MaybeKnown';
  return pSampled > 0 ? 'WeaklyKnown' : 'Unknown';
}

export interface SlickEstimate {
  category: Category;
  greedy: { correct: number; total: number };
  sampled: { correct: number; total: number };
  pGreedy: number;
  pSampled: number;
}

/**
 * One item's estimate from its answered draws (errored draws are left out). Null, uncategorized,
 * when fewer than half its greedy draws, or (when sampling was planned) none of its sampled draws,
 * were answered: errors must not decide a category (all sampled draws failing would read as Unknown).
 */
export function slickEstimate(draws: ReadonlyArray<{ draw: number; correct: boolean }>, planned?: Pick<SlickSettings, 'prompts' | 'samples'>): SlickEstimate | null {
  const greedy = { correct: 0, total: 0 };
  const sampled = { correct: 0, total: 0 };
  for (const d of draws) {
    const t = d.draw === 0 ? greedy : sampled;
    t.total++;
    if (d.correct) t.correct++;
  }
  if (greedy.total === 0) return null;
  if (planned !== undefined && (greedy.total * 2 < planned.prompts || (planned.samples > 0 && sampled.total === 0))) return null;
  const pGreedy = greedy.correct / greedy.total;
  const pSampled = sampled.total === 0 ? 0 : sampled.correct / sampled.total;
  return { category: categoryOf(pGreedy, pSampled), greedy, sampled, pGreedy, pSampled };
}
