import { categoryMetric, CATEGORIES, type Category } from './category.js';
import { IN_TRAIN_TAG } from '../evalsets/in-train.js';
import { TunegateError } from '../errors.js';
import { CONSISTENCY_DEFINITION } from './consistency.js';
import { inFamily, REFUSAL_FAMILY } from '../evalsets/family.js';
import type { ItemKind } from '../evalsets/types.js';
import { blogComponent, CHOSEN_METRIC_SETS } from '../shared/metric-sets.js';

export { blogComponent, inFamily };

/**
 * The one definition of every run-level metric: its name, what it means, which way is better,
 * its range, which items it reads and how they are averaged. Run summaries, the trend, the
 * compare view, the gate and the dashboard's metric picker (GET /api/metrics) all read it here.
 */

export type Direction = 'higher' | 'lower';

/** Which items a metric reads (its denominator): every condition given must hold. */
export interface MetricItems {
  /** Item kind; null: any kind. */
  kind: ItemKind | null;
  /** Set family (a set-name prefix ending at a word boundary, see inFamily); null: every set. */
  family: string | null;
  /** Exactly this set (`set:NAME`); null: any set. */
  set: string | null;
  /** Only keyword items that have a `forbidden` list (the others are no evidence of hallucination). */
  withForbidden: boolean;
  /** Only items of this SliCK category against the base model (an uncategorized item never matches); null: any. */
  category: Category | null;
  /** Only items tagged `in_train` (true) or not (false), in runs where some item is tagged (an item whose inTrain is null never matches); null: any. */
  inTrain: boolean | null;
  /** The per-item value read: the item score, the share of samples with a forbidden hit, a blog component, or a likelihood metric of the item. */
  value: 'score' | 'hallucinated' | 'component' | 'likelihood';
}

export interface MetricDef {
  name: string;
  label: string;
  description: string;
  /** Which way is better; null where neither is (a length ratio is best near 1). */
  direction: Direction | null;
  /** The value's range, for chart axes; null when unbounded. */
  range: [number, number] | null;
  /** A share of items: where every per-item value is 0 or 1, its interval is Wilson's (else a bootstrap). */
  proportion: boolean;
  /** Averaged geometrically (perplexities multiply). */
  geometric: boolean;
  /** Which items count and what is read of each. */
  items: MetricItems;
  /** The group the dashboard's metric picker lists it under (METRIC_GROUPS), decided by its items. */
  group: MetricGroupId;
}

/**
 * The named groups of metrics, in the order the dashboard's metric picker lists them: each metric
 * belongs to exactly one, decided by which items it reads (metricGroup). GET /api/metrics serves
 * them as `groups` and each metric's `group`.
 */
export const METRIC_GROUPS = [
  { id: 'facts', label: 'Bio and facts (keyword items)', description: 'keyword items: the expected facts present, no forbidden string asserted, general knowledge kept, false premises corrected' },
  { id: 'categories', label: 'Knowledge categories', description: 'accuracy per SliCK category of what the base model knew (HighlyKnown, MaybeKnown, WeaklyKnown, Unknown)' },
  { id: 'training', label: 'Train and held-out', description: 'keyword items whose fact is in the fine-tuning data (tagged in_train) against those that are not' },
  { id: 'blog', label: 'Blog quality', description: 'blog posts against their held-out references: the combined quality and each of its components' },
  { id: 'likelihood', label: 'Likelihood', description: 'measured after the run from prompt log-probabilities: does the model prefer the true answer to wrong ones' },
  { id: 'sets', label: 'Eval sets', description: "one eval set's mean item score (set:NAME), for every set a stored run used" },
] as const satisfies ReadonlyArray<{ id: string; label: string; description: string }>;

export type MetricGroupId = (typeof METRIC_GROUPS)[number]['id'];

/** The group of a metric that reads `which` items (see METRIC_GROUPS). */
export function metricGroup(which: MetricItems): MetricGroupId {
  if (which.set !== null) return 'sets';
  if (which.kind === 'blog') return 'blog';
  if (which.value === 'likelihood') return 'likelihood';
  if (which.category !== null) return 'categories';
  if (which.inTrain !== null) return 'training';
  return 'facts';
}

/** One item of a run with its samples averaged: what every metric reads. */
export interface ItemMeans {
  set: string;
  kind: ItemKind;
  /** Keyword score (0–1) or blog_quality; null when no sample was scored. */
  score: number | null;
  /**
   * Share of samples that contained a forbidden string: keyword items with a `forbidden` list only
   * (decided from the item, so results stored with `false` for items without one do not count).
   */
  hallucinated: number | null;
  /** The item has a non-empty `forbidden` list. */
  withForbidden: boolean;
  /** Blog items: each component's mean (blog_quality, chrf, rouge_l, …, perplexity, blog_judge). */
  components: Record<string, number>;
  /** The item's SliCK category against the base model; null when it is not categorized. */
  category: Category | null;
  /** Whether the item is tagged `in_train`; null when no item of the run carries the tag (so nothing is known to be held out). */
  inTrain: boolean | null;
  /** Keyword items: knowledge_margin, knowledge_rank, answer_logprob where measured (see scoring/likelihood.ts). */
  likelihood?: Record<string, number>;
  /** The hash of the candidates the likelihood metrics were measured on (candidatesHash); runs pair them only where it matches. */
  candidates?: string | null;
}

const unit: [number, number] = [0, 1];
const items = (x: Partial<MetricItems>): MetricItems => ({ kind: null, family: null, set: null, withForbidden: false, category: null, inTrain: null, value: 'score', ...x });
const KEYWORD_SCORE = (family: string) => items({ kind: 'keyword', family });
const BLOG = items({ kind: 'blog', value: 'component' });
const LIKELIHOOD = items({ kind: 'keyword', value: 'likelihood' });
const def = (name: string, label: string, description: string, direction: Direction | null, range: [number, number] | null, which: MetricItems, extra: Partial<MetricDef> = {}): MetricDef =>
  ({ name, label, description, direction, range, proportion: false, geometric: false, items: which, group: metricGroup(which), ...extra });

const FAMILY_NOTE = 'a set-name prefix ending at a separator';

/**
 * What each SliCK category means (Gekhman et al. 2024, arXiv 2405.05904). P(T=0) is the share of
 * the base model's greedy answers to several random k-shot prompts that were correct, P(T>0) the
 * share of its sampled answers (T > 0).
 */
const CATEGORY_MEANING: Record<Category, string> = {
  HighlyKnown: 'the base model answered correctly with every greedy k-shot prompt (P(T=0) = 1)',
  MaybeKnown: 'the base model answered correctly with some greedy k-shot prompts but not all (0 < P(T=0) < 1)',
  WeaklyKnown: 'the base model never answered correctly greedily, only when sampling at T > 0 (P(T=0) = 0, P(T>0) > 0)',
  Unknown: 'the base model never answered correctly, greedy or sampled (P(T=0) = P(T>0) = 0)',
};

const CATEGORY_NOTE = 'categorized against the base model as in SliCK (Gekhman et al. 2024); null when no item is categorized';

const categoryDef = (c: Category): MetricDef =>
  def(categoryMetric(c), `Accuracy on ${c} items`, `mean keyword score over keyword items in the ${c} category: ${CATEGORY_MEANING[c]}; ${CATEGORY_NOTE}`,
    'higher', unit, items({ kind: 'keyword', category: c }), { proportion: true });

/** Every run-level metric, in the order the dashboard and `show` list them. */
export const METRICS: readonly MetricDef[] = [
  def('bio_accuracy', 'Bio accuracy', `mean keyword score over keyword items of the bio family (${FAMILY_NOTE}: bio, bio-extra, bio_v2, bio.zh; not biology): the expected facts about the person are present`, 'higher', unit, KEYWORD_SCORE('bio'), { proportion: true }),
  def('hallucination_rate', 'Hallucination rate', 'share of keyword items that have a forbidden list whose answer contains a forbidden string (samples averaged per item); items without a forbidden list are not counted, and the rate is null when no item has one', 'lower', unit, items({ kind: 'keyword', withForbidden: true, value: 'hallucinated' }), { proportion: true }),
  def('known_accuracy', 'Known accuracy (forgetting)', `mean keyword score over keyword items of the known family (${FAMILY_NOTE}): general knowledge the base model had; a fall is forgetting`, 'higher', unit, KEYWORD_SCORE('known'), { proportion: true }),
  def('refusal_accuracy', 'Refusal accuracy', `mean keyword score over keyword items of the ${REFUSAL_FAMILY} family (${FAMILY_NOTE}): false-premise questions corrected; an answer that asserts a forbidden string (the premise's false facts) scores 0`, 'higher', unit, KEYWORD_SCORE(REFUSAL_FAMILY), { proportion: true }),
  ...CATEGORIES.map(categoryDef),
  def('train_accuracy', 'Train accuracy', `mean keyword score over keyword items tagged ${IN_TRAIN_TAG} (their fact is in the fine-tuning data): how well the model fits what it was trained on; null when no item is tagged`, 'higher', unit, items({ kind: 'keyword', inTrain: true }), { proportion: true }),
  def('heldout_accuracy', 'Held-out accuracy', `mean keyword score over keyword items not tagged ${IN_TRAIN_TAG}, reported only when some item of the run is tagged (else nothing is known to be held out): how well the model answers facts it was not trained on`, 'higher', unit, items({ kind: 'keyword', inTrain: false }), { proportion: true }),
  def('blog_quality', 'Blog quality', '(chrF/100 + ROUGE-L)/2 with repetition, length and language penalties, mean over blog items', 'higher', unit, BLOG),
  def('blog_chrf', 'Blog chrF', 'chrF (sacrebleu defaults, 0–100) of each post against its held-out reference', 'higher', [0, 100], BLOG),
  def('blog_rouge_l', 'Blog ROUGE-L', 'ROUGE-L F1 over tokens (CJK per character)', 'higher', unit, BLOG),
  def('blog_repetition', 'Blog repetition', 'share of 4-grams that repeat an earlier one', 'lower', unit, BLOG),
  def('blog_distinct_2', 'Blog distinct-2', 'unique bigrams / bigrams', 'higher', unit, BLOG),
  def('blog_length_ratio', 'Blog length ratio', 'answer length / reference length (best near 1)', null, null, BLOG),
  def('blog_language_match', 'Blog language match', "share of posts written in the reference's script", 'higher', unit, BLOG, { proportion: true }),
  def('blog_judge', 'Blog judge', 'LLM-judge rubric score rescaled to 0–1, when a judge was used', 'higher', unit, BLOG),
  def('blog_perplexity', 'Blog perplexity', 'perplexity of the held-out references given their titles (geometric mean), when measured', 'lower', null, BLOG, { geometric: true }),
  def('knowledge_margin', 'Knowledge margin', 'mean log-probability per token of the true answer minus the mean of the wrong answers\' (keyword items with "answer" and "wrong_answers"), after the prompt as the run renders it; > 0: the model prefers the truth. A change of style moves every sentence alike and cancels out; measured after the run where the server returns prompt log-probabilities', 'higher', null, LIKELIHOOD),
  def('knowledge_rank', 'Knowledge rank', 'share of (answer, wrong answer) pairs in which the true answer has the higher mean log-probability per token (Gekhman et al. 2025, "Inside-Out"; a tie is half); 1: the truth beats every false answer', 'higher', unit, LIKELIHOOD),
  def('answer_logprob', 'Answer log-probability', 'mean log-probability per token of the true answer (keyword items with "answer") after the prompt: knowledge and style mixed', 'higher', null, LIKELIHOOD),
];

const BY_NAME = new Map(METRICS.map((m) => [m.name, m]));

const namesWhere = (keep: (which: MetricItems) => boolean): readonly string[] => METRICS.filter((m) => keep(m.items)).map((m) => m.name);

/**
 * The named sets of metrics every list reads (the gate's defaults, the charts, `show`, compare,
 * the demo, the page): those chosen by hand (shared/metric-sets.ts) and those that follow from the
 * definitions above. GET /api/metrics serves them.
 */
export const METRIC_SETS = {
  ...CHOSEN_METRIC_SETS,
  /** Each SliCK category's accuracy, in category order. */
  categories: namesWhere((w) => w.category !== null),
  /** Train and held-out accuracy (items tagged in_train or not). */
  inTrain: namesWhere((w) => w.inTrain !== null),
  /** Measured after the run from prompt log-probabilities (scoring/likelihood.ts). */
  likelihood: namesWhere((w) => w.value === 'likelihood'),
  /** Every blog metric, one per component of a post's score. */
  blog: namesWhere((w) => w.kind === 'blog'),
} as const satisfies Record<string, readonly string[]>;

export type MetricSetName = keyof typeof METRIC_SETS;

/** The per-set metric `set:NAME`: a set's mean item score. */
export const SET_METRIC_PREFIX = 'set:';

/**
 * A set's `consistency` (see consistency.ts): a share of the set's fact groups, not a run-level
 * metric, so it is in no list and no gate reads it. Its values are 0/1 per counted group: Wilson.
 */
export const SET_CONSISTENCY: MetricDef = def('consistency', 'Consistency', CONSISTENCY_DEFINITION, 'higher', unit, items({ kind: 'keyword' }), { proportion: true });

/** The definition of a metric name (including `set:NAME`), or undefined when there is none. */
export function metricDef(name: string): MetricDef | undefined {
  if (name.startsWith(SET_METRIC_PREFIX) && name.length > SET_METRIC_PREFIX.length) {
    const set = name.slice(SET_METRIC_PREFIX.length);
    return def(name, `Set ${set}: score`, `mean item score of the eval set ${set}`, 'higher', unit, items({ set }), { proportion: true });
  }
  return BY_NAME.get(name);
}

/** The metric's definition, or a 400 naming the metrics there are. */
export function requireMetric(name: string, field: string): MetricDef {
  const def = metricDef(name);
  if (def === undefined) {
    throw new TunegateError('INVALID_INPUT', `${field}: unknown metric "${name}" (known: ${METRICS.map((m) => m.name).join(', ')}, set:NAME)`);
  }
  return def;
}


/** Whether a metric reads this item at all (its denominator), by the metric's `items`. */
export function readsItem(which: MetricItems, v: Pick<ItemMeans, 'set' | 'kind' | 'withForbidden' | 'category' | 'inTrain'>): boolean {
  return (which.kind === null || v.kind === which.kind) &&
    (which.family === null || inFamily(v.set, which.family)) &&
    (which.set === null || v.set === which.set) &&
    (!which.withForbidden || v.withForbidden) &&
    (which.category === null || v.category === which.category) &&
    (which.inTrain === null || v.inTrain === which.inTrain);
}

/** An item's value for a metric, or undefined when the metric does not read this item (or it has no value). */
export function itemValue(metric: string | MetricDef, v: ItemMeans): number | undefined {
  const def = typeof metric === 'string' ? metricDef(metric) : metric;
  if (def === undefined || !readsItem(def.items, v)) return undefined;
  const x = def.items.value === 'score' ? v.score
    : def.items.value === 'hallucinated' ? v.hallucinated
      : def.items.value === 'likelihood' ? v.likelihood?.[def.name]
        : v.components[blogComponent(def.name)];
  return x ?? undefined;
}

/** A metric's value over its per-item values: the mean, or the geometric mean of positive values. */
export function aggregate(values: readonly number[], geometric: boolean): number | null {
  const xs = geometric ? values.filter((v) => v > 0).map(Math.log) : values;
  if (xs.length === 0) return null;
  let s = 0;
  for (const x of xs) s += x;
  return geometric ? Math.exp(s / xs.length) : s / xs.length;
}
