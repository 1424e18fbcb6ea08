import type { ItemKind } from '../evalsets/types.js';

/** The minimum of a stored result that aggregation needs. */
export interface ResultRow {
  set: string;
  itemId: string;
  score: number | null;
  hallucinated: boolean | null;
  error: string | null;
  /** Blog items: every component score by name (chrf, rouge_l, …, blog_judge). */
  components?: Record<string, number>;
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
  /** Blog sets: the mean of each blog component (blog_quality, chrf, rouge_l, …). */
  [component: string]: number | string | null | undefined;
}

/** Headline metrics; blog components appear as `blog_<component>` (blog_rouge_l, blog_judge, …). */
export interface RunMetrics {
  bio_accuracy: number | null;
  refusal_accuracy: number | null;
  known_accuracy: number | null;
  hallucination_rate: number | null;
  blog_quality: number | null;
  blog_chrf: number | null;
  [metric: string]: number | null;
}

export interface RunSummary {
  metrics: RunMetrics;
  sets: Record<string, SetSummary>;
  counts: { items: number; results: number; errors: number; missing: number };
}

/** Families of sets that feed a headline metric, by name prefix (`bio`, `bio-extra`, …). */
const FAMILIES = { bio_accuracy: 'bio', refusal_accuracy: 'refusal', known_accuracy: 'known' } as const;

/** The blog components every run reports, even when no blog item was scored (as null). */
export const BLOG_COMPONENTS = ['blog_quality', 'chrf', 'rouge_l', 'repetition', 'distinct_2', 'length_ratio', 'language_match', 'blog_judge', 'perplexity'] as const;

/** Perplexities multiply, so they are averaged geometrically: one odd post cannot swamp the mean. */
const GEOMETRIC = new Set(['perplexity']);

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
  components: Map<string, number[]>;
  errors: number;
  results: number;
}

const itemMean = (a: ItemAgg) => mean(a.scores);
const scoredOf = (list: ItemAgg[]) => list.filter((a) => a.scores.length > 0);
const meanOf = (list: ItemAgg[]) => mean(scoredOf(list).map((a) => itemMean(a)!));
const hallucinationOf = (list: ItemAgg[]) => mean(list.filter((a) => a.hallucinated.length > 0).map((a) => mean(a.hallucinated)!));

/** Mean over items of each component's per-item mean (items lacking a component are skipped). */
function componentMeans(list: ItemAgg[]): Record<string, number | null> {
  const names = new Set<string>(BLOG_COMPONENTS);
  for (const a of list) for (const k of a.components.keys()) names.add(k);
  const out: Record<string, number | null> = {};
  for (const name of names) {
    const perItem = list.flatMap((a) => {
      const v = a.components.get(name);
      return v === undefined || v.length === 0 ? [] : [mean(v)!];
    });
    if (GEOMETRIC.has(name)) {
      const logMean = mean(perItem.filter((v) => v > 0).map(Math.log));
      out[name] = logMean === null ? null : Math.exp(logMean);
    } else {
      out[name] = mean(perItem);
    }
  }
  return out;
}

/**
 * Aggregates per-result scores into the run's metrics. Samples of one item are averaged first,
 * then items are averaged (so samples never weigh an item more). Errored results are counted
 * but not scored: an endpoint outage must show as errors (exit 3), not as a fall in accuracy.
 */
export function summarize(items: readonly ItemRef[], results: readonly ResultRow[]): RunSummary {
  const byKey = new Map<string, ItemAgg>();
  for (const ref of items) {
    byKey.set(`${ref.set}\u0000${ref.id}`, { ref, scores: [], hallucinated: [], components: new Map(), errors: 0, results: 0 });
  }
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
    for (const [k, v] of Object.entries(r.components ?? {})) {
      if (!agg.components.has(k)) agg.components.set(k, []);
      agg.components.get(k)!.push(v);
    }
  }

  const aggs = [...byKey.values()];
  const keywordAggs = aggs.filter((a) => a.ref.kind === 'keyword');
  const blogAggs = aggs.filter((a) => a.ref.kind === 'blog');
  const family = (prefix: string) => meanOf(keywordAggs.filter((a) => a.ref.set.startsWith(prefix)));
  const blog = componentMeans(blogAggs);

  const metrics: RunMetrics = {
    bio_accuracy: family(FAMILIES.bio_accuracy),
    refusal_accuracy: family(FAMILIES.refusal_accuracy),
    known_accuracy: family(FAMILIES.known_accuracy),
    hallucination_rate: hallucinationOf(keywordAggs),
    blog_quality: blog.blog_quality ?? null,
    blog_chrf: blog.chrf ?? null,
  };
  for (const [name, v] of Object.entries(blog)) {
    if (name !== 'blog_quality' && name !== 'chrf') metrics[name.startsWith('blog_') ? name : `blog_${name}`] = v;
  }

  const sets: Record<string, SetSummary> = {};
  for (const name of [...new Set(items.map((i) => i.set))]) {
    const list = aggs.filter((a) => a.ref.set === name);
    const kinds = new Set(list.map((a) => a.ref.kind));
    const kw = list.filter((a) => a.ref.kind === 'keyword');
    const bl = list.filter((a) => a.ref.kind === 'blog');
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
    if (bl.length > 0) Object.assign(summary, componentMeans(bl));
    sets[name] = summary;
  }

  return {
    metrics,
    sets,
    counts: { items: items.length, results: results.length, errors, missing: aggs.filter((a) => a.results === 0).length },
  };
}
