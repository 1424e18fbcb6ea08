/*
 * The named sets of metrics chosen by hand: which the gate tests by default, which the page charts
 * and which `show`, the compare view and the demo list. Plain data that imports nothing, so the
 * page's bundle reads the same lists as the server without a request (the trend view asks for its
 * default metrics before any answer has come). The registry (server/scoring/metric-registry.ts)
 * adds the sets it derives from the definitions, checks every name and serves them all at
 * GET /api/metrics.
 */

export const CHOSEN_METRIC_SETS = {
  /** Gated when no metrics are asked for (tunegate gate, GET /api/gate, the compare banner). */
  gated: ['bio_accuracy', 'hallucination_rate', 'blog_quality', 'known_accuracy'],
  /** Gated as well when the compared items have knowledge categories: the forgetting alarm. */
  forgetting: ['acc_highly_known', 'acc_maybe_known'],
  /** Gated as well when both runs measured them: continuous per item, they see a loss 0/1 accuracy misses. */
  gatedWhenMeasured: ['knowledge_margin'],
  /** Charted against step when none are picked (the page's trend view), in this order. */
  charted: ['bio_accuracy', 'blog_quality', 'hallucination_rate', 'known_accuracy'],
  /** The trade-off scatter's default axes, y then x; the page's latest runs list them too. */
  tradeoff: ['bio_accuracy', 'blog_quality'],
  /** Always listed by `tunegate show` (then the categories, train/held-out and likelihood metrics a run has). */
  shown: ['bio_accuracy', 'hallucination_rate', 'refusal_accuracy', 'known_accuracy', 'blog_quality', 'blog_chrf', 'blog_judge', 'blog_perplexity'],
  /** The compare view's before/after bars. */
  compared: ['bio_accuracy', 'hallucination_rate', 'known_accuracy', 'refusal_accuracy', 'acc_highly_known', 'acc_maybe_known', 'acc_weakly_known', 'acc_unknown', 'blog_quality'],
  /** The blog metrics whose components the compare view shows beside each post. */
  comparedBlog: ['blog_quality', 'blog_chrf', 'blog_rouge_l', 'blog_repetition', 'blog_length_ratio', 'blog_language_match', 'blog_judge'],
  /** The columns of `tunegate demo`'s table. */
  demo: ['bio_accuracy', 'hallucination_rate', 'known_accuracy', 'refusal_accuracy', 'blog_quality', 'knowledge_margin'],
} as const satisfies Record<string, readonly string[]>;

export type ChosenMetricSet = keyof typeof CHOSEN_METRIC_SETS;

/** The component key a blog metric reads (blog_chrf → chrf; blog_quality and blog_judge keep their names). */
export function blogComponent(metric: string): string {
  return metric === 'blog_quality' || metric === 'blog_judge' ? metric : metric.slice('blog_'.length);
}
