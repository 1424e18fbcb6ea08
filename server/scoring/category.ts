/**
 * SliCK knowledge categories (Gekhman et al. 2024, "Does Fine-Tuning LLMs on New Knowledge
 * Encourage Hallucinations?", arXiv 2405.05904): how well the base model knew a keyword item's
 * fact before fine-tuning, from its greedy (T=0) and sampled (T>0) answers to k-shot prompts.
 * Categorizing lives apart; this module is what the metrics and the categorizer share.
 */

export const CATEGORIES = ['HighlyKnown', 'MaybeKnown', 'WeaklyKnown', 'Unknown'] as const;
export type Category = (typeof CATEGORIES)[number];

const METRIC_OF: Record<Category, string> = {
  HighlyKnown: 'acc_highly_known',
  MaybeKnown: 'acc_maybe_known',
  WeaklyKnown: 'acc_weakly_known',
  Unknown: 'acc_unknown',
};

/** The metric name of a category's accuracy: acc_highly_known, acc_maybe_known, acc_weakly_known, acc_unknown. */
export function categoryMetric(c: Category): string {
  return METRIC_OF[c];
}

/** Whether a value (a stored string, a query parameter) names a category. */
export function isCategory(x: unknown): x is Category {
  return typeof x === 'string' && (CATEGORIES as readonly string[]).includes(x);
}
