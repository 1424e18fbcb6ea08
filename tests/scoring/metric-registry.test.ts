import { describe, expect, it } from 'vitest';
import { inFamily } from '../../server/evalsets/family.js';
import { CATEGORIES, categoryMetric, isCategory, type Category } from '../../server/scoring/category.js';
import { IN_TRAIN_TAG } from '../../server/evalsets/in-train.js';
import { itemValue, readsItem, metricDef, METRIC_GROUPS, METRIC_SETS, METRICS, type ItemMeans } from '../../server/scoring/metric-registry.js';
import { LIKELIHOOD_METRICS } from '../../server/scoring/likelihood.js';
import { answerPassed, itemPassed } from '../../server/scoring/pass.js';
import { keywordMarks } from '../../server/scoring/keyword.js';

describe('inFamily: a set-name prefix ending at a word boundary', () => {
  it.each([
    ['bio', 'bio', true],
    ['bio-extra', 'bio', true],
    ['bio_v2', 'bio', true],
    ['bio.zh', 'bio', true],
    ['bio v2', 'bio', true],
    ['biology', 'bio', false],
    ['biography', 'bio', false],
    ['bio2', 'bio', false],
    ['Bio', 'bio', false],
    ['my-bio', 'bio', false],
    ['bi', 'bio', false],
    ['refusal', 'refusal', true],
    ['refusal-zh', 'refusal', true],
    ['refusal_hard', 'refusal', true],
    ['refusals', 'refusal', false],
    ['known', 'known', true],
    ['knowns', 'known', false],
    ['known-zh', 'known', true],
    ['anything', '', false],
  ])('inFamily(%j, %j) = %s', (set, family, expected) => {
    expect(inFamily(set, family)).toBe(expected);
  });
});

const keyword = (set: string, score: number | null, hallucinated: number | null = null, withForbidden = false): ItemMeans =>
  ({ set, kind: 'keyword', score, hallucinated, withForbidden, components: {}, category: null, inTrain: null });
const blog = (set: string, components: Record<string, number>): ItemMeans =>
  ({ set, kind: 'blog', score: components.blog_quality ?? null, hallucinated: null, withForbidden: false, components, category: null, inTrain: null });
const categorized = (category: Category | null, score: number | null, inTrain: boolean | null = null): ItemMeans => ({ ...keyword('bio', score), category, inTrain });

describe('the registry says which items each metric reads', () => {
  it('every metric carries its item filter, and the family metrics name their family', () => {
    for (const m of METRICS) expect(m.items, m.name).toBeDefined();
    expect(metricDef('bio_accuracy')!.items).toEqual({ kind: 'keyword', family: 'bio', set: null, withForbidden: false, category: null, inTrain: null, value: 'score' });
    expect(metricDef('known_accuracy')!.items.family).toBe('known');
    expect(metricDef('refusal_accuracy')!.items.family).toBe('refusal');
    expect(metricDef('hallucination_rate')!.items).toEqual({ kind: 'keyword', family: null, set: null, withForbidden: true, category: null, inTrain: null, value: 'hallucinated' });
    expect(metricDef('blog_chrf')!.items).toMatchObject({ kind: 'blog', value: 'component' });
    expect(metricDef('set:bio-extra')!.items).toMatchObject({ kind: null, set: 'bio-extra', value: 'score' });
    expect(metricDef('hallucination_rate')!.description).toContain('keyword items that have a forbidden list');
  });

  it.each([
    ['bio_accuracy', keyword('bio', 1), 1],
    ['bio_accuracy', keyword('bio-extra', 0.5), 0.5],
    ['bio_accuracy', keyword('bio_v2', 0), 0],
    ['bio_accuracy', keyword('bio.zh', 1), 1],
    ['bio_accuracy', keyword('biology', 1), undefined],
    ['bio_accuracy', keyword('biography', 1), undefined],
    ['bio_accuracy', blog('bio', { blog_quality: 0.5 }), undefined],
    ['bio_accuracy', keyword('bio', null), undefined],
    ['refusal_accuracy', keyword('refusal-zh', 0), 0],
    ['refusal_accuracy', keyword('refusals', 1), undefined],
    ['known_accuracy', keyword('known', 1), 1],
    ['hallucination_rate', keyword('known', 1, 0, false), undefined],
    ['hallucination_rate', keyword('bio', 1, 0.5, true), 0.5],
    ['hallucination_rate', keyword('biology', 1, 1, true), 1],
    ['blog_chrf', blog('blog', { chrf: 42, blog_quality: 0.4 }), 42],
    ['blog_quality', blog('blog', { chrf: 42, blog_quality: 0.4 }), 0.4],
    ['blog_chrf', keyword('blog', 1), undefined],
    ['set:bio', keyword('bio', 0.25), 0.25],
    ['set:bio', keyword('bio-extra', 0.25), undefined],
    ['set:blog', blog('blog', { blog_quality: 0.3 }), 0.3],
    ['no_such_metric', keyword('bio', 1), undefined],
  ])('itemValue(%s, …) for %j is %s', (metric, v, expected) => {
    expect(itemValue(metric, v)).toBe(expected);
  });

  it('readsItem() is the denominator whatever the value: an unscored item is counted but has no value', () => {
    const def = metricDef('bio_accuracy')!;
    expect(readsItem(def.items, keyword('bio', null))).toBe(true);
    expect(readsItem(def.items, keyword('biology', 1))).toBe(false);
  });
});

describe('per-category, train and held-out accuracy', () => {
  it('names each category\'s metric, and lists them after the keyword metrics and before the blog metrics', () => {
    expect(CATEGORIES.map(categoryMetric)).toEqual(['acc_highly_known', 'acc_maybe_known', 'acc_weakly_known', 'acc_unknown']);
    const names = METRICS.map((m) => m.name);
    expect(names.slice(0, 10)).toEqual([
      'bio_accuracy', 'hallucination_rate', 'known_accuracy', 'refusal_accuracy',
      'acc_highly_known', 'acc_maybe_known', 'acc_weakly_known', 'acc_unknown', 'train_accuracy', 'heldout_accuracy',
    ]);
    expect(names[10]).toBe('blog_quality');
    // The likelihood metrics last (keyword items, read from log-probabilities).
    expect(names.slice(-3)).toEqual(['knowledge_margin', 'knowledge_rank', 'answer_logprob']);
    expect(IN_TRAIN_TAG).toBe('in_train');
    expect(isCategory('MaybeKnown')).toBe(true);
    expect(isCategory('maybe_known')).toBe(false);
  });

  it.each(CATEGORIES.map((c) => [c]))('%s: a keyword-item mean score, a proportion, higher is better, on [0, 1], reading only that category', (c) => {
    const def = metricDef(categoryMetric(c))!;
    expect(def).toMatchObject({ label: `Accuracy on ${c} items`, direction: 'higher', range: [0, 1], proportion: true, geometric: false });
    expect(def.items).toEqual({ kind: 'keyword', family: null, set: null, withForbidden: false, category: c, inTrain: null, value: 'score' });
    expect(def.description).toContain('base model');
    expect(def.description).toContain('Gekhman et al. 2024');
  });

  it('says in each description what the category means', () => {
    expect(metricDef('acc_highly_known')!.description).toContain('every greedy k-shot prompt');
    expect(metricDef('acc_maybe_known')!.description).toContain('some greedy k-shot prompts');
    expect(metricDef('acc_weakly_known')!.description).toContain('only when sampling at T > 0');
    expect(metricDef('acc_unknown')!.description).toContain('never answered correctly, greedy or sampled');
  });

  it('train_accuracy reads items tagged in_train, heldout_accuracy the others', () => {
    expect(metricDef('train_accuracy')).toMatchObject({ direction: 'higher', range: [0, 1], proportion: true, items: { kind: 'keyword', category: null, inTrain: true } });
    expect(metricDef('heldout_accuracy')).toMatchObject({ direction: 'higher', range: [0, 1], proportion: true, items: { kind: 'keyword', category: null, inTrain: false } });
  });

  it.each([
    ['acc_highly_known', categorized('HighlyKnown', 1), 1],
    ['acc_highly_known', categorized('MaybeKnown', 1), undefined],
    // An uncategorized item never counts towards a category.
    ['acc_highly_known', categorized(null, 1), undefined],
    ['acc_unknown', categorized('Unknown', 0), 0],
    ['acc_weakly_known', categorized('WeaklyKnown', 0.5), 0.5],
    ['acc_maybe_known', { ...blog('bio', { blog_quality: 1 }), category: 'MaybeKnown' as Category }, undefined],
    // The category and family filters are independent: bio_accuracy reads a categorized item too.
    ['bio_accuracy', categorized('Unknown', 1), 1],
    ['train_accuracy', categorized(null, 1, true), 1],
    ['train_accuracy', categorized(null, 1, false), undefined],
    // inTrain null: the run has no in_train tag at all, so the item is neither train nor held out.
    ['train_accuracy', categorized(null, 1, null), undefined],
    ['heldout_accuracy', categorized(null, 0, false), 0],
    ['heldout_accuracy', categorized(null, 0, true), undefined],
    ['heldout_accuracy', categorized(null, 0, null), undefined],
    ['heldout_accuracy', { ...blog('blog', { blog_quality: 1 }), inTrain: false }, undefined],
  ] as Array<[string, ItemMeans, number | undefined]>)('itemValue(%s, …) for %j is %s', (metric, v, expected) => {
    expect(itemValue(metric, v)).toBe(expected);
  });

  it('readsItem() checks the category and inTrain filters alongside the others', () => {
    const highly = metricDef('acc_highly_known')!.items;
    expect(readsItem(highly, categorized('HighlyKnown', null))).toBe(true);
    expect(readsItem(highly, categorized('Unknown', null))).toBe(false);
    expect(readsItem(highly, categorized(null, null))).toBe(false);
    expect(readsItem({ ...highly, family: 'known' }, categorized('HighlyKnown', 1))).toBe(false);
    expect(readsItem({ ...highly, inTrain: true }, categorized('HighlyKnown', 1, true))).toBe(true);
    expect(readsItem({ ...highly, inTrain: true }, categorized('HighlyKnown', 1, false))).toBe(false);
    expect(readsItem({ ...highly, inTrain: false }, categorized('HighlyKnown', 1, null))).toBe(false);
    // Filters left null read every item, categorized or not, tagged or not.
    const bio = metricDef('bio_accuracy')!.items;
    for (const c of [...CATEGORIES, null]) for (const t of [true, false, null]) expect(readsItem(bio, categorized(c, 1, t))).toBe(true);
  });
});

describe('pass: one definition', () => {
  const item = { keywords: ['HSBC', ['AI Engineer', 'AI工程师']], forbidden: ['Yingkou'] };
  it.each([
    ['He is an AI Engineer at HSBC.', true],
    ['He is an AI Engineer.', false],
    ['He is an AI Engineer at HSBC, born in Yingkou.', false],
  ])('answerPassed(%j) = %s', (answer, expected) => {
    expect(answerPassed(keywordMarks(item, answer))).toBe(expected);
  });

  it.each([
    [[true, true], true],
    [[true, false], false],
    [[true, null], true],
    [[null, null], null],
    [[], null],
  ] as Array<[Array<boolean | null>, boolean | null]>)('itemPassed(%j) = %s', (samples, expected) => {
    expect(itemPassed(samples)).toBe(expected);
  });
});

describe('METRIC_SETS: the named lists every place reads', () => {
  it('names only registered metrics, each set without repeats', () => {
    const known = new Set(METRICS.map((m) => m.name));
    for (const [set, names] of Object.entries(METRIC_SETS)) {
      expect(names.length, set).toBeGreaterThan(0);
      expect(names.filter((n) => !known.has(n)), `${set} names unknown metrics`).toEqual([]);
      expect(new Set(names).size, `${set} repeats a metric`).toBe(names.length);
    }
  });

  it('derives the categories, in_train, likelihood and blog sets from the definitions', () => {
    expect(METRIC_SETS.categories).toEqual(CATEGORIES.map(categoryMetric));
    expect(METRIC_SETS.inTrain).toEqual(['train_accuracy', 'heldout_accuracy']);
    expect(METRIC_SETS.likelihood).toEqual([...LIKELIHOOD_METRICS]);
    expect(METRIC_SETS.blog).toEqual(METRICS.filter((m) => m.name.startsWith('blog_')).map((m) => m.name));
    // The forgetting alarm gates a subset of the category metrics.
    expect(METRIC_SETS.categories).toEqual(expect.arrayContaining([...METRIC_SETS.forgetting]));
  });
});

describe('the named groups the metric picker lists', () => {
  const inGroup = (id: string) => METRICS.filter((m) => m.group === id).map((m) => m.name);

  it('puts every metric in one named group, follows the derived sets, and leaves no named group of the registry empty', () => {
    const ids = METRIC_GROUPS.map((g) => g.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of METRICS) expect(ids, m.name).toContain(m.group);
    expect(inGroup('categories')).toEqual([...METRIC_SETS.categories]);
    expect(inGroup('training')).toEqual([...METRIC_SETS.inTrain]);
    expect(inGroup('likelihood')).toEqual([...METRIC_SETS.likelihood]);
    expect(inGroup('blog')).toEqual([...METRIC_SETS.blog]);
    expect(inGroup('facts')).toEqual(['bio_accuracy', 'hallucination_rate', 'known_accuracy', 'refusal_accuracy']);
    // set:NAME exists only for the sets a stored run used: its group is the one the registry leaves empty.
    expect(metricDef('set:bio-extra')!.group).toBe('sets');
    for (const g of METRIC_GROUPS) if (g.id !== 'sets') expect(inGroup(g.id).length, g.id).toBeGreaterThan(0);
    for (const g of METRIC_GROUPS) expect(g.label.length * g.description.length, g.id).toBeGreaterThan(0);
  });
});
