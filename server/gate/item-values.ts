import type { EvalItem } from '../evalsets/types.js';
import { mean } from '../scoring/metrics.js';
import type { Store } from '../store/open.js';

/** One item of a run, reduced to what the gate compares (samples averaged). */
export interface ItemValue {
  item: EvalItem;
  /** Keyword score or blog_quality; null when every sample errored. */
  score: number | null;
  hallucinated: number | null;
  /** Blog components by name (blog_quality, chrf, rouge_l, …, blog_judge). */
  components: Record<string, number>;
  answer: string | null;
  errored: boolean;
}

export const itemKey = (set: string, id: string) => `${set}\u0000${id}`;

/** Every item of a run with its per-item values (the mean over its answered samples). */
export function itemValues(store: Store, runId: number): Map<string, ItemValue> {
  const judged = new Map(store.judge.judgments(runId).filter((j) => j.score !== null).map((j) => [`${j.set}\u0000${j.itemId}\u0000${j.sample}`, j.score!]));
  const bySample = new Map<string, ReturnType<Store['results']['list']>>();
  for (const r of store.results.list(runId)) {
    const k = itemKey(r.set, r.itemId);
    bySample.set(k, [...(bySample.get(k) ?? []), r]);
  }
  const out = new Map<string, ItemValue>();
  for (const item of store.runs.items(runId)) {
    const rows = bySample.get(itemKey(item.set, item.id)) ?? [];
    const ok = rows.filter((r) => r.error === null);
    const comps = new Map<string, number[]>();
    for (const r of ok) {
      for (const [name, s] of Object.entries((r.scores ?? {}) as Record<string, { value?: unknown }>)) {
        if (item.kind === 'blog' && typeof s?.value === 'number') comps.set(name, [...(comps.get(name) ?? []), s.value]);
      }
      const j = judged.get(`${r.set}\u0000${r.itemId}\u0000${r.sample}`);
      if (j !== undefined) comps.set('blog_judge', [...(comps.get('blog_judge') ?? []), j]);
    }
    out.set(itemKey(item.set, item.id), {
      item,
      score: mean(ok.flatMap((r) => (r.score === null ? [] : [r.score]))),
      hallucinated: mean(ok.flatMap((r) => (r.hallucinated === null ? [] : [r.hallucinated ? 1 : 0]))),
      components: Object.fromEntries([...comps].map(([k, v]) => [k, mean(v)!])),
      answer: ok[0]?.answer ?? rows[0]?.answer ?? null,
      errored: rows.some((r) => r.error !== null),
    });
  }
  return out;
}

const FAMILIES: Record<string, string> = { bio_accuracy: 'bio', refusal_accuracy: 'refusal', known_accuracy: 'known' };
/** Metrics where lower is better; every other metric is better higher. */
export const LOWER_IS_BETTER = new Set(['hallucination_rate', 'blog_repetition', 'blog_perplexity']);

/** Whether `metric` is one the gate knows how to compute per item. */
export function knownMetric(metric: string): boolean {
  return metric in FAMILIES || metric === 'hallucination_rate' || metric.startsWith('blog_') || metric.startsWith('set:');
}

/**
 * An item's value for a metric, or undefined when the metric does not apply to the item (wrong
 * set or kind, or no value). `set:NAME` is a set's own mean item score.
 */
export function metricValue(metric: string, v: ItemValue): number | undefined {
  const { item } = v;
  const family = FAMILIES[metric];
  if (family !== undefined) return item.kind === 'keyword' && item.set.startsWith(family) ? (v.score ?? undefined) : undefined;
  if (metric === 'hallucination_rate') return item.kind === 'keyword' ? (v.hallucinated ?? undefined) : undefined;
  if (metric.startsWith('set:')) return item.set === metric.slice(4) ? (v.score ?? undefined) : undefined;
  if (metric.startsWith('blog_') && item.kind === 'blog') {
    const name = metric === 'blog_quality' || metric === 'blog_judge' ? metric : metric.slice(5);
    return v.components[name];
  }
  return undefined;
}
