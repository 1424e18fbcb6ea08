import { isCurrentSummary, summarize, type RunSummary } from '../scoring/metrics.js';
import type { Store } from '../store/open.js';
import type { Run } from '../store/types.js';
import { categoriesKey, categoryLookup, runCategories } from './categories.js';

/** Computes the run's summary from what is stored (cheap enough to do at any time). */
export function summarizeRun(store: Store, runId: number): RunSummary {
  // The items themselves: which have a forbidden list decides hallucination_rate's denominator;
  // their content hash finds their knowledge category against the run's base, if any.
  const cats = runCategories(store, store.runs.get(runId));
  const categoryOf = categoryLookup(cats);
  const items = store.runs.items(runId).map((i) => ({ ...i, category: categoryOf(i) }));
  return { ...summarize(items, store.results.scoringRows(runId)), categorizedBy: cats?.key ?? null };
}

/**
 * A run's summary: the stored one once it has stopped, computed from its results while it runs.
 * A stopped run whose summary was stored by an older version (before intervals, the count of
 * cut-off answers, or hallucination_rate over items with forbidden lists) is summarized again once, and the new summary is stored, so charts over old
 * databases stay fast.
 */
export function currentSummary(store: Store, run: Run): RunSummary {
  const current = run.summary !== null && isCurrentSummary(run.summary) && run.summary.counts.truncated !== undefined &&
    (run.summary.categorizedBy ?? null) === categoriesKey(store, run);
  if (current && run.status !== 'running') return run.summary!;
  const summary = summarizeRun(store, run.id);
  if (run.summary !== null && run.status !== 'running' && run.status !== 'queued') store.runs.setSummary(run.id, summary);
  return summary;
}
