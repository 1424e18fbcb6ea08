import { itemKey } from '../compare/item-values.js';
import { blogComponent, metricDef } from '../scoring/metric-registry.js';
import type { Store } from '../store/open.js';

/**
 * Each item's answered samples' values of `metric` in a run, by item key (set, id): the
 * within-item spread `plan` reads. Empty for metrics measured once per item (likelihoods).
 * The per-item value the gate tests is the mean of these (compare/item-values.ts).
 */
export function sampleValues(store: Store, runId: number, metric: string): Map<string, number[]> {
  const def = metricDef(metric);
  const out = new Map<string, number[]>();
  if (def === undefined || def.items.value === 'likelihood') return out;
  const judged = metric === 'blog_judge'
    ? new Map(store.judge.judgments(runId).filter((j) => j.score !== null).map((j) => [`${itemKey(j.set, j.itemId)}\u0000${j.sample}`, j.score!]))
    : null;
  for (const r of store.results.list(runId)) {
    if (r.error !== null) continue;
    const k = itemKey(r.set, r.itemId);
    const component = (r.scores as Record<string, { value?: unknown }> | null)?.[blogComponent(metric)]?.value;
    const x = judged !== null ? judged.get(`${k}\u0000${r.sample}`)
      : def.items.value === 'score' ? r.score
        : def.items.value === 'hallucinated' ? (r.hallucinated === null ? null : r.hallucinated ? 1 : 0)
          : typeof component === 'number' ? component : null;
    if (x === null || x === undefined || !Number.isFinite(x)) continue;
    out.set(k, [...(out.get(k) ?? []), x]);
  }
  return out;
}
