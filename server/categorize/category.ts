/** SliCK knowledge categories (Gekhman et al. 2024), from most to least known. */
export const CATEGORIES = ['HighlyKnown', 'MaybeKnown', 'WeaklyKnown', 'Unknown'] as const;
export type Category = (typeof CATEGORIES)[number];

/** The metric name of a category's accuracy: acc_highly_known, acc_maybe_known, acc_weakly_known, acc_unknown. */
export function categoryMetric(c: Category): string {
  return `acc_${c.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()}`;
}

/** The tag marking an item whose fact is in the fine-tuning data. */
export const IN_TRAIN_TAG = 'in_train';
