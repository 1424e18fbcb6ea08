import type { ItemKind } from '../evalsets/types.js';

/** The minimum of a stored result that aggregation needs. */
export interface ResultRow {
  set: string;
  itemId: string;
  score: number | null;
  hallucinated: boolean | null;
  error: string | null;
}

export interface ItemRef {
  set: string;
  id: string;
  kind: ItemKind;
}

export interface SetSummary {
  kind: ItemKind | 'mixed';
  items: number;
  /** Items with at least one scored (non-errored) sample. */
  scored: number;
  /** Results (item × sample) that errored after all retries. */
  errors: number;
  /** Mean item score over all scored items of the set (0–1). */
  score: number | null;
  accuracy?: number | null;
  hallucination_rate?: number | null;
  chrf?: number | null;
  blog_quality?: number | null;
}

export interface RunMetrics {
  bio_accuracy: number | null;
  refusal_accuracy: number | null;
  known_accuracy: number | null;
  hallucination_rate: number | null;
  blog_quality: number | null;
  blog_chrf: number | null;
}

export interface RunSummary {
  metrics: RunMetrics;
  sets: Record<string, SetSummary>;
  counts: { items: number; results: number; errors: number; missing: number };
}

/** Families of sets that feed a headline metric, by name prefix (`bio`, `bio-extra`, …). */
const FAMILIES = { bio_accuracy: 'bio', refusal_accuracy: 'refusal', known_accuracy: 'known' } as const;

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

interface ItemAgg {
  ref: ItemRef;
  scores: number[];
  hallucinated: number[];
  errors: number;
  results: number;
}

/**
 * Aggregates per-result scores into the run's metrics. Samples of one item are averaged first,
 * then items are averaged (so samples never weigh an item more). Errored results are counted
 * but not scored: an endpoint outage must show as errors (exit 3), not as a fall in accuracy.
 */
export function summarize(items: readonly ItemRef[], results: readonly ResultRow[]): RunSummary {
  const byKey = new Map<string, ItemAgg>();
  for (const ref of items) byKey.set(`${ref.set}\u0000${ref.id}`, { ref, scores: [], hallucinated: [], errors: 0, results: 0 });
  let errors = 0;
  for (const r of results) {
    const agg = byKey.get(`${r.set}\u0000${r.itemId}`);
    if (agg === undefined) continue;
    agg.results++;
    if (r.error !== null) {
      agg.errors++;
      errors++;
      continue;
    }
    if (r.score !== null) agg.scores.push(r.score);
    if (r.hallucinated !== null) agg.hallucinated.push(r.hallucinated ? 1 : 0);
  }

  const aggs = [...byKey.values()];
  const itemMean = (a: ItemAgg) => mean(a.scores);
  const scoredOf = (list: ItemAgg[]) => list.filter((a) => a.scores.length > 0);
  const meanOf = (list: ItemAgg[]) => mean(scoredOf(list).map((a) => itemMean(a)!));
  const hallucinationOf = (list: ItemAgg[]) =>
    mean(list.filter((a) => a.hallucinated.length > 0).map((a) => mean(a.hallucinated)!));

  const keywordAggs = aggs.filter((a) => a.ref.kind === 'keyword');
  const blogAggs = aggs.filter((a) => a.ref.kind === 'blog');
  const family = (prefix: string) => meanOf(keywordAggs.filter((a) => a.ref.set.startsWith(prefix)));
  const blogMean = meanOf(blogAggs);

  const metrics: RunMetrics = {
    bio_accuracy: family(FAMILIES.bio_accuracy),
    refusal_accuracy: family(FAMILIES.refusal_accuracy),
    known_accuracy: family(FAMILIES.known_accuracy),
    hallucination_rate: hallucinationOf(keywordAggs),
    blog_quality: blogMean,
    blog_chrf: blogMean === null ? null : blogMean * 100,
  };

  const sets: Record<string, SetSummary> = {};
  const setNames = [...new Set(items.map((i) => i.set))];
  for (const name of setNames) {
    const list = aggs.filter((a) => a.ref.set === name);
    const kinds = new Set(list.map((a) => a.ref.kind));
    const kw = list.filter((a) => a.ref.kind === 'keyword');
    const blog = list.filter((a) => a.ref.kind === 'blog');
    const summary: SetSummary = {
      kind: kinds.size === 1 ? [...kinds][0]! : 'mixed',
      items: list.length,
      scored: scoredOf(list).length,
      errors: list.reduce((s, a) => s + a.errors, 0),
      score: meanOf(list),
    };
    if (kw.length > 0) {
      summary.accuracy = meanOf(kw);
      summary.hallucination_rate = hallucinationOf(kw);
    }
    if (blog.length > 0) {
      const m = meanOf(blog);
      summary.blog_quality = m;
      summary.chrf = m === null ? null : m * 100;
    }
    sets[name] = summary;
  }

  return {
    metrics,
    sets,
    counts: {
      items: items.length,
      results: results.length,
      errors,
      missing: aggs.filter((a) => a.results === 0).length,
    },
  };
}
