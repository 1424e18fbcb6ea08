import { CATEGORIES, type Category } from './category.js';
import { taggedInTrain } from '../evalsets/in-train.js';
import type { ItemKind } from '../evalsets/types.js';
import { meanInterval, type MetricInterval } from '../stats/interval.js';
import { factGroups } from './consistency.js';
import { aggregate, blogComponent, itemValue, metricDef, METRIC_SETS, METRICS, SET_CONSISTENCY, SET_METRIC_PREFIX, type ItemMeans, type MetricDef } from './metric-registry.js';
import { itemPassed } from './pass.js';

/** The minimum of a stored result that aggregation needs. */
export interface ResultRow {
  set: string;
  itemId: string;
  score: number | null;
  hallucinated: boolean | null;
  error: string | null;
  /** Keyword answers: every keyword group found and no forbidden string (pass.ts); null for errored results and blog items. */
  passed: boolean | null;
  /** The endpoint's finish_reason ("length": cut off at max tokens); absent when not read. */
  finishReason?: string | null;
  /** The model reasoned and gave no answer (it spent its tokens thinking): counted as cut off, whatever finish_reason says. */
  thoughtOnly?: boolean;
  /** Blog items: every component score by name (chrf, rouge_l, …, blog_judge). */
  components?: Record<string, number>;
  /** Keyword items: the likelihood metrics measured after the run (sample 0), and the hash of their candidates. */
  likelihood?: Record<string, number>;
  candidates?: string;
}

export interface ItemRef {
  set: string;
  id: string;
  kind: ItemKind;
  /**
   * Keyword items: the item's forbidden list, which decides whether it counts toward
   * hallucination_rate (results stored before that rule have `hallucinated: false` for items
   * without one). Absent: unknown, and the stored flags decide (null: no list).
   */
  forbidden?: readonly string[];
  /** The item's SliCK category against the base model (see scoring/category.ts); null or absent: not categorized. */
  category?: Category | null;
  /** The item's tags; `in_train` marks a fact that is in the fine-tuning data (train_accuracy, heldout_accuracy). */
  tags?: readonly string[];
  /** Keyword items: the fact this phrasing asks about; items sharing one form a group for the set's `consistency`. */
  factId?: string;
}

export interface SetSummary {
  kind: ItemKind | 'mixed';
  items: number;
  /** Items with at least one scored (non-errored) sample. */
  scored: number;
  /** Results (item × sample) that errored after all retries. */
  errors: number;
  /** Answered results (item × sample) cut off at max tokens (see isTruncated). */
  truncated: number;
  /** Mean item score over all scored items of the set (0–1). */
  score: number | null;
  accuracy?: number | null;
  hallucination_rate?: number | null;
  /**
   * Sets with fact_id items only (absent otherwise): right fact groups / counted ones, see
   * CONSISTENCY_DEFINITION; null when no group is counted. Its n (counted groups) is in stats.
   */
  consistency?: number | null;
  /** Sets with fact_id items only: the set's fact groups, counted or not. */
  groups?: number;
  /** n and 95% interval of each of the set's numbers (score, accuracy, hallucination_rate, consistency, blog components). */
  stats: Record<string, MetricInterval>;
  /** Blog sets: the mean of each blog component (blog_quality, chrf, rouge_l, …). */
  [component: string]: number | string | null | undefined | Record<string, MetricInterval>;
}

/** Headline metrics (see metric-registry.ts); blog components appear as `blog_<component>`. */
export interface RunMetrics {
  bio_accuracy: number | null;
  refusal_accuracy: number | null;
  known_accuracy: number | null;
  hallucination_rate: number | null;
  blog_quality: number | null;
  blog_chrf: number | null;
  [metric: string]: number | null;
}

/**
 * The definition a summary was computed under. A stored summary of an older one is stale (2:
 * hallucination_rate counts only items with a forbidden list; 3: per-category, train and held-out
 * accuracy and the category counts; 4: per-set consistency over fact groups; 5: the likelihood metrics)
 * and must be computed again.
 */
export const SUMMARY_VERSION = 5;

export interface RunSummary {
  /** SUMMARY_VERSION when computed; absent on summaries stored before it existed. */
  version?: number;
  metrics: RunMetrics;
  /** Every metric's n and 95% interval (Wilson for 0/1 proportions, else a seeded bootstrap over items). */
  stats: Record<string, MetricInterval>;
  sets: Record<string, SetSummary>;
  /** truncated: answered results cut off at max tokens, which score low without the model being worse. */
  counts: { items: number; results: number; errors: number; missing: number; truncated: number };
  /** Keyword items of each SliCK category (the n behind acc_highly_known, …, scored or not); null when no keyword item is categorized. */
  categories: Record<Category, number> | null;
  /** The categorization it was computed under (base and categorization runs); see categoriesKey. */
  categorizedBy?: string | null;
}

/**
 * An answer the endpoint stopped at max tokens. Counted apart because a cut-off post or an
 * empty answer (a reasoning model that spent its budget thinking) scores low without the
 * model being worse: the fix is a larger budget, not a different checkpoint.
 */
export function isTruncated(r: Pick<ResultRow, 'error' | 'finishReason' | 'thoughtOnly'>): boolean {
  return r.error === null && (r.finishReason === 'length' || r.thoughtOnly === true);
}

export function mean(values: readonly number[]): number | null {
  return aggregate(values, false);
}

interface ItemAgg {
  ref: ItemRef;
  scores: number[];
  hallucinated: number[];
  /** Answered samples' pass flags. */
  passed: Array<boolean | null>;
  components: Map<string, number[]>;
  likelihood: Record<string, number>;
  candidates: string | null;
  errors: number;
  results: number;
  truncated: number;
}

/**
 * An item's samples averaged: the shape every metric reads. `anyInTrain`: whether some item of
 * the run is tagged in_train (else no item's inTrain is known: the tag was not used).
 */
function itemMeans(a: ItemAgg, anyInTrain: boolean): ItemMeans {
  const components: Record<string, number> = {};
  for (const [k, v] of a.components) if (v.length > 0) components[k] = mean(v)!;
  const withForbidden = a.ref.kind === 'keyword' && (a.ref.forbidden !== undefined ? a.ref.forbidden.length > 0 : a.hallucinated.length > 0);
  return {
    set: a.ref.set, kind: a.ref.kind, score: mean(a.scores), hallucinated: withForbidden ? mean(a.hallucinated) : null, withForbidden, components,
    category: a.ref.category ?? null, inTrain: anyInTrain ? taggedInTrain(a.ref.tags) : null,
    likelihood: a.likelihood, candidates: a.candidates,
  };
}

/** Keyword items per category; null when none is categorized. */
function categoryCounts(items: readonly ItemRef[]): Record<Category, number> | null {
  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  let any = false;
  for (const i of items) {
    if (i.kind !== 'keyword' || i.category === undefined || i.category === null) continue;
    counts[i.category]++;
    any = true;
  }
  return any ? counts : null;
}

type Intervals = (values: readonly number[], metric: MetricDef) => MetricInterval;

/**
 * meanInterval, remembered for one summary: a run's headline metric, its set's score and its
 * set's accuracy are often the same values, and each bootstrap costs n × 10,000 draws.
 */
function intervalMemo(): Intervals {
  const seen = new Map<string, MetricInterval>();
  return (values, metric) => {
    const key = `${metric.proportion}|${metric.geometric}|${metric.range?.join(',') ?? ''}|${values.join(',')}`;
    let stat = seen.get(key);
    if (stat === undefined) {
      stat = meanInterval(values, metric);
      seen.set(key, stat);
    }
    return { ...stat, ci: stat.ci === null ? null : [stat.ci[0], stat.ci[1]] };
  };
}

/** A metric's value and interval over the items it reads. */
function measure(intervals: Intervals, metric: MetricDef, items: readonly ItemMeans[], read: (v: ItemMeans) => number | undefined = (v) => itemValue(metric, v)) {
  const values = items.flatMap((v) => {
    const x = read(v);
    return x === undefined ? [] : [x];
  });
  return { value: aggregate(values, metric.geometric), stat: intervals(values, metric) };
}

const BLOG_METRICS = METRIC_SETS.blog.map((m) => metricDef(m)!);
const SET_SCORE = metricDef(`${SET_METRIC_PREFIX}set`)!;
const SET_HALLUCINATION = metricDef('hallucination_rate')!;
const BLOG_QUALITY = metricDef('blog_quality')!;

/** A set's numbers: score, and accuracy, hallucination rate and consistency (keyword items) or each blog component (blog items). */
function summarizeSet(list: readonly ItemAgg[], intervals: Intervals): SetSummary {
  // A set's numbers read neither categories nor in_train tags.
  const means = list.map((a) => itemMeans(a, false));
  const kinds = new Set(list.map((a) => a.ref.kind));
  const summary: SetSummary = {
    kind: kinds.size === 1 ? [...kinds][0]! : 'mixed',
    items: list.length,
    scored: list.filter((a) => a.scores.length > 0).length,
    errors: list.reduce((s, a) => s + a.errors, 0),
    truncated: list.reduce((s, a) => s + a.truncated, 0),
    score: null,
    stats: {},
  };
  const put = (field: string, m: { value: number | null; stat: MetricInterval }) => {
    summary[field] = m.value;
    summary.stats[field] = m.stat;
  };
  // A set's score is a proportion only for keyword items (a blog set's score is blog_quality).
  put('score', measure(intervals, summary.kind === 'keyword' ? SET_SCORE : BLOG_QUALITY, means, (v) => v.score ?? undefined));
  const keyword = means.filter((v) => v.kind === 'keyword');
  if (keyword.length > 0) {
    put('accuracy', measure(intervals, SET_SCORE, keyword, (v) => v.score ?? undefined));
    // The run metric's own rule (items with a forbidden list only): null when the set has none.
    put('hallucination_rate', measure(intervals, SET_HALLUCINATION, keyword));
    // Only sets that group phrasings by fact_id have the field at all.
    const facts = factGroups(list.filter((a) => a.ref.kind === 'keyword').map((a) => ({ factId: a.ref.factId, passed: itemPassed(a.passed) })));
    if (facts !== null) {
      put('consistency', { value: aggregate(facts.outcomes, false), stat: intervals(facts.outcomes, SET_CONSISTENCY) });
      summary.groups = facts.groups;
    }
  }
  const blog = means.filter((v) => v.kind === 'blog');
  if (blog.length > 0) for (const m of BLOG_METRICS) put(blogComponent(m.name), measure(intervals, m, blog));
  return summary;
}

/**
 * Aggregates per-result scores into the run's metrics. Samples of one item are averaged first,
 * then items are averaged (so samples never weigh an item more). Errored results are counted
 * but not scored: an endpoint outage must show as errors (exit 3), not as a fall in accuracy.
 * Every number carries its n and 95% interval in `stats`.
 */
export function summarize(items: readonly ItemRef[], results: readonly ResultRow[]): RunSummary {
  const intervals = intervalMemo();
  const byKey = new Map<string, ItemAgg>();
  for (const ref of items) {
    byKey.set(`${ref.set}\u0000${ref.id}`, { ref, scores: [], hallucinated: [], passed: [], components: new Map(), likelihood: {}, candidates: null, errors: 0, results: 0, truncated: 0 });
  }
  let errors = 0;
  let truncated = 0;
  for (const r of results) {
    const agg = byKey.get(`${r.set}\u0000${r.itemId}`);
    if (agg === undefined) continue;
    agg.results++;
    if (isTruncated(r)) {
      agg.truncated++;
      truncated++;
    }
    if (r.error !== null) {
      agg.errors++;
      errors++;
      continue;
    }
    if (r.score !== null) agg.scores.push(r.score);
    if (r.hallucinated !== null) agg.hallucinated.push(r.hallucinated ? 1 : 0);
    agg.passed.push(r.passed);
    // Measured once per item (on sample 0), after the run.
    if (r.likelihood !== undefined) {
      Object.assign(agg.likelihood, r.likelihood);
      agg.candidates = r.candidates ?? null;
    }
    if (agg.ref.kind !== 'blog') continue;
    for (const [k, v] of Object.entries(r.components ?? {})) {
      if (!agg.components.has(k)) agg.components.set(k, []);
      agg.components.get(k)!.push(v);
    }
  }

  const aggs = [...byKey.values()];
  const anyInTrain = items.some((i) => taggedInTrain(i.tags));
  const means = aggs.map((a) => itemMeans(a, anyInTrain));
  const metrics: Record<string, number | null> = {};
  const stats: Record<string, MetricInterval> = {};
  for (const m of METRICS) {
    const { value, stat } = measure(intervals, m, means);
    metrics[m.name] = value;
    stats[m.name] = stat;
  }

  const sets: Record<string, SetSummary> = {};
  for (const name of [...new Set(items.map((i) => i.set))]) sets[name] = summarizeSet(aggs.filter((a) => a.ref.set === name), intervals);

  return {
    version: SUMMARY_VERSION,
    metrics: metrics as RunMetrics,
    stats,
    sets,
    counts: { items: items.length, results: results.length, errors, missing: aggs.filter((a) => a.results === 0).length, truncated },
    categories: categoryCounts(items),
  };
}

/** Whether a stored summary was computed under the current definitions (else summarize the run again). */
export function isCurrentSummary(summary: RunSummary): boolean {
  return summary.version === SUMMARY_VERSION && summary.stats !== undefined && summary.categories !== undefined;
}

/** A metric's value, n and interval in a summary; `set:NAME` reads the set's own score. */
export function metricOf(summary: RunSummary, metric: string): { value: number | null } & MetricInterval {
  const none = { value: null, n: 0, ci: null, method: null };
  if (metric.startsWith(SET_METRIC_PREFIX)) {
    const name = metric.slice(SET_METRIC_PREFIX.length);
    // Own keys only: set:constructor must not read Object.prototype.
    const set = Object.hasOwn(summary.sets, name) ? summary.sets[name] : undefined;
    return set === undefined ? none : { value: set.score, ...(set.stats.score ?? { n: 0, ci: null, method: null }) };
  }
  const stat = Object.hasOwn(summary.stats, metric) ? summary.stats[metric] : undefined;
  return stat === undefined ? none : { value: summary.metrics[metric] ?? null, ...stat };
}
