import { describe, expect, it } from 'vitest';
import { CATEGORIES, categoryMetric, type Category } from '../../server/scoring/category.js';
import { IN_TRAIN_TAG } from '../../server/evalsets/in-train.js';
import { isCurrentSummary, metricOf, summarize, SUMMARY_VERSION, type ItemRef, type ResultRow, type RunSummary } from '../../server/scoring/metrics.js';
import { wilsonInterval } from '../../server/stats/interval.js';

const kw = (set: string, id: string): ItemRef => ({ set, id, kind: 'keyword' });
// An answer passes when it has every keyword (score 1) and no forbidden string; errored results have no flag.
const row = (set: string, itemId: string, score: number | null, hallucinated: boolean | null = false, error: string | null = null): ResultRow =>
  ({ set, itemId, score, hallucinated, error, passed: error === null && score !== null ? score === 1 && hallucinated !== true : null });

describe('summarize', () => {
  it('pools the bio family into bio_accuracy as a mean over items, and gives each set its own mean', () => {
    const items = [kw('bio', 'a'), kw('bio', 'b'), kw('bio-extra', 'c'), kw('known', 'k'), kw('biography-not', 'x')];
    const s = summarize(items, [row('bio', 'a', 1), row('bio', 'b', 0.5), row('bio-extra', 'c', 0), row('known', 'k', 1), row('biography-not', 'x', 1)]);
    // bio and bio-extra are the bio family; biography-not is not: (1 + 0.5 + 0) / 3
    expect(s.metrics.bio_accuracy).toBeCloseTo(0.5, 12);
    expect(s.stats.bio_accuracy!.n).toBe(3);
    expect(s.metrics.known_accuracy).toBe(1);
    expect(s.metrics.refusal_accuracy).toBeNull();
    expect(s.sets.bio!.accuracy).toBeCloseTo(0.75, 12);
    expect(s.sets['bio-extra']!.accuracy).toBe(0);
  });

  it('averages samples within an item before averaging items', () => {
    const items = [kw('bio', 'a'), kw('bio', 'b')];
    const s = summarize(items, [row('bio', 'a', 1), row('bio', 'a', 0), row('bio', 'a', 0), row('bio', 'a', 0), row('bio', 'b', 1)]);
    expect(s.metrics.bio_accuracy).toBeCloseTo((0.25 + 1) / 2, 12);
  });

  it('computes hallucination_rate as the share of keyword items with a forbidden hit', () => {
    const items = [kw('bio', 'a'), kw('bio', 'b'), kw('known', 'k'), kw('refusal', 'r')];
    const s = summarize(items, [row('bio', 'a', 0, true), row('bio', 'b', 1, false), row('known', 'k', 1, false), row('refusal', 'r', 0, true)]);
    expect(s.metrics.hallucination_rate).toBe(0.5);
    expect(s.sets.bio!.hallucination_rate).toBe(0.5);
  });

  it('counts only items with a forbidden list in hallucination_rate, decided from the item even where stored flags say false', () => {
    // Results stored before the rule: hallucinated=false for every keyword item, with or without a list.
    const items: ItemRef[] = [
      { ...kw('bio', 'a'), forbidden: ['Yingkou'] }, { ...kw('bio', 'b'), forbidden: ['1992'] },
      { ...kw('known', 'k1'), forbidden: [] }, { ...kw('known', 'k2'), forbidden: [] }, { ...kw('known', 'k3'), forbidden: [] },
      { set: 'blog', id: 'p', kind: 'blog' },
    ];
    const s = summarize(items, [
      row('bio', 'a', 0, true), row('bio', 'b', 1, false), row('known', 'k1', 1, false), row('known', 'k2', 1, false), row('known', 'k3', 0, false),
    ]);
    expect(s.metrics.hallucination_rate).toBe(0.5);
    expect(s.stats.hallucination_rate).toEqual({ n: 2, method: 'wilson', ci: wilsonInterval(1, 2) });
    // A set none of whose items has a forbidden list has no hallucination rate.
    expect(s.sets.known!.hallucination_rate).toBeNull();
    expect(s.sets.known!.stats.hallucination_rate).toEqual({ n: 0, ci: null, method: null });
    expect(s.sets.known!.accuracy).toBeCloseTo(2 / 3, 12);
    expect(s.sets.bio!.hallucination_rate).toBe(0.5);
  });

  it('without item definitions, reads stored flags: new results store null for items without a forbidden list', () => {
    const items = [kw('bio', 'a'), kw('known', 'k')];
    const s = summarize(items, [row('bio', 'a', 1, false), row('known', 'k', 1, null)]);
    expect(s.stats.hallucination_rate!.n).toBe(1);
    expect(s.sets.known!.hallucination_rate).toBeNull();
  });

  it('marks the summary with the definitions it was computed under', () => {
    const s = summarize([kw('bio', 'a')], [row('bio', 'a', 1)]);
    expect(s.version).toBe(SUMMARY_VERSION);
    expect(isCurrentSummary(s)).toBe(true);
    expect(isCurrentSummary({ ...s, version: undefined })).toBe(false);
  });

  it('counts errors and missing items without scoring them', () => {
    const items = [kw('bio', 'a'), kw('bio', 'b'), kw('bio', 'c')];
    const s = summarize(items, [row('bio', 'a', 1), row('bio', 'b', null, null, 'HTTP 500')]);
    expect(s.metrics.bio_accuracy).toBe(1);
    expect(s.counts).toEqual({ items: 3, results: 2, errors: 1, missing: 1, truncated: 0 });
    expect(s.sets.bio).toMatchObject({ items: 3, scored: 1, errors: 1 });
  });

  it('reports blog components as run means (blog_quality, blog_chrf on 0–100, blog_rouge_l, …) and per set', () => {
    const items: ItemRef[] = [{ set: 'blog', id: 'p1', kind: 'blog' }, { set: 'blog', id: 'p2', kind: 'blog' }];
    const blogRow = (id: string, quality: number, chrf: number, rouge: number): ResultRow => ({
      set: 'blog', itemId: id, score: quality, hallucinated: null, error: null, passed: null,
      components: { blog_quality: quality, chrf, rouge_l: rouge, language_match: 1 },
    });
    const s = summarize(items, [blogRow('p1', 0.6, 70, 0.5), blogRow('p2', 0.4, 30, 0.3), blogRow('p2', 0.2, 10, 0.1)]);
    // p2's two samples are averaged first: quality (0.6 + 0.3) / 2
    expect(s.metrics.blog_quality).toBeCloseTo(0.45, 12);
    expect(s.metrics.blog_chrf).toBeCloseTo((70 + 20) / 2, 10);
    expect(s.metrics.blog_rouge_l).toBeCloseTo((0.5 + 0.2) / 2, 12);
    expect(s.metrics.blog_language_match).toBe(1);
    expect(s.metrics.blog_repetition).toBeNull();
    expect(s.metrics.hallucination_rate).toBeNull();
    expect(s.sets.blog).toMatchObject({ kind: 'blog', blog_quality: expect.closeTo(0.45, 12), chrf: expect.closeTo(45, 10) });
  });
});

describe('summarize: n and 95% interval of every number', () => {
  it('gives each run metric and each set number its n, interval and method', () => {
    const items = [kw('bio', 'a'), kw('bio', 'b'), kw('bio', 'c'), kw('known', 'k1'), kw('known', 'k2')];
    const s = summarize(items, [
      row('bio', 'a', 1), row('bio', 'b', 0.5, true), row('bio', 'c', null, null, 'HTTP 500'), row('known', 'k1', 1), row('known', 'k2', 0),
    ]);
    // bio: two scored items, one fractional → bootstrap; known: 0/1 → Wilson for 1 of 2.
    expect(s.stats.bio_accuracy).toMatchObject({ n: 2, method: 'bootstrap' });
    expect(s.stats.known_accuracy).toEqual({ n: 2, method: 'wilson', ci: wilsonInterval(1, 2) });
    expect(s.stats.hallucination_rate).toEqual({ n: 4, method: 'wilson', ci: wilsonInterval(1, 4) });
    expect(s.stats.refusal_accuracy).toEqual({ n: 0, ci: null, method: null });
    expect(s.sets.known!.stats).toMatchObject({ score: { n: 2, method: 'wilson' }, accuracy: { n: 2 }, hallucination_rate: { n: 2 } });
    expect(metricOf(s, 'set:known')).toEqual({ value: 0.5, n: 2, ci: wilsonInterval(1, 2), method: 'wilson' });
    expect(metricOf(s, 'known_accuracy')).toEqual({ value: 0.5, n: 2, ci: wilsonInterval(1, 2), method: 'wilson' });
    expect(metricOf(s, 'set:nope')).toEqual({ value: null, n: 0, ci: null, method: null });
    const [lo, hi] = s.stats.bio_accuracy!.ci!;
    expect(lo).toBeLessThanOrEqual(0.75);
    expect(hi).toBeGreaterThanOrEqual(0.75);
  });

  it('blog components get bootstrap intervals on their own scale; perplexity is geometric', () => {
    const items: ItemRef[] = ['p1', 'p2', 'p3'].map((id) => ({ set: 'blog', id, kind: 'blog' }));
    const blogRow = (id: string, chrf: number, perplexity: number): ResultRow => ({
      set: 'blog', itemId: id, score: chrf / 100, hallucinated: null, error: null, passed: null, components: { blog_quality: chrf / 100, chrf, perplexity },
    });
    const s = summarize(items, [blogRow('p1', 40, 10), blogRow('p2', 50, 20), blogRow('p3', 60, 40)]);
    expect(s.metrics.blog_perplexity).toBeCloseTo(20, 10);
    expect(s.stats.blog_chrf).toMatchObject({ n: 3, method: 'bootstrap' });
    const [lo, hi] = s.stats.blog_chrf!.ci!;
    expect(lo).toBeGreaterThanOrEqual(40);
    expect(hi).toBeLessThanOrEqual(60);
    expect(hi - lo).toBeGreaterThan(5);
    expect(s.sets.blog!.stats.chrf).toEqual(s.stats.blog_chrf);
  });
});

describe('summarize: per-category (SliCK), train and held-out accuracy', () => {
  const cat = (id: string, category: Category | null, tags: string[] = []): ItemRef => ({ ...kw('bio', id), category, tags });
  // h: HighlyKnown, m: MaybeKnown, w: WeaklyKnown, u: Unknown, k: not categorized; h1, m1, w1 are in the fine-tuning data.
  const items: ItemRef[] = [
    cat('h1', 'HighlyKnown', [IN_TRAIN_TAG]), cat('h2', 'HighlyKnown'), cat('h3', 'HighlyKnown', ['person']), cat('h4', 'HighlyKnown'),
    cat('m1', 'MaybeKnown', [IN_TRAIN_TAG]), cat('m2', 'MaybeKnown'),
    cat('w1', 'WeaklyKnown', [IN_TRAIN_TAG]), cat('w2', 'WeaklyKnown'),
    cat('u1', 'Unknown'), cat('u2', 'Unknown'),
    cat('k1', null), kw('bio', 'k2'),
    // A blog item's category (there should be none) and tag count for nothing.
    { set: 'blog', id: 'p', kind: 'blog', category: 'HighlyKnown', tags: [IN_TRAIN_TAG] },
  ];
  const rows: ResultRow[] = [
    row('bio', 'h1', 1), row('bio', 'h2', 1), row('bio', 'h3', 0), row('bio', 'h4', 1),
    row('bio', 'm1', 1), row('bio', 'm2', 0),
    row('bio', 'w1', 0), row('bio', 'w2', 0),
    row('bio', 'u1', null, null, 'HTTP 500'), row('bio', 'u2', 1),
    row('bio', 'k1', 1), row('bio', 'k2', 0),
    { set: 'blog', itemId: 'p', score: 0.5, hallucinated: null, error: null, passed: null, components: { blog_quality: 0.5 } },
  ];

  it('gives each category its accuracy over its scored keyword items, with n and the Wilson interval', () => {
    const s = summarize(items, rows);
    expect(s.metrics.acc_highly_known).toBe(0.75);
    expect(s.stats.acc_highly_known).toEqual({ n: 4, method: 'wilson', ci: wilsonInterval(3, 4) });
    expect(s.metrics.acc_maybe_known).toBe(0.5);
    expect(s.stats.acc_maybe_known).toEqual({ n: 2, method: 'wilson', ci: wilsonInterval(1, 2) });
    expect(s.metrics.acc_weakly_known).toBe(0);
    expect(s.stats.acc_weakly_known).toEqual({ n: 2, method: 'wilson', ci: wilsonInterval(0, 2) });
    // u1 errored: counted in the category, not scored.
    expect(s.metrics.acc_unknown).toBe(1);
    expect(s.stats.acc_unknown).toEqual({ n: 1, method: 'wilson', ci: wilsonInterval(1, 1) });
    expect(metricOf(s, 'acc_highly_known')).toEqual({ value: 0.75, n: 4, method: 'wilson', ci: wilsonInterval(3, 4) });
    // The categories change nothing else: bio_accuracy still reads every scored bio item (6 of 11 pass).
    expect(s.metrics.bio_accuracy).toBeCloseTo(6 / 11, 12);
    expect(s.stats.bio_accuracy!.n).toBe(11);
  });

  it('counts the keyword items of each category, scored or not', () => {
    expect(summarize(items, rows).categories).toEqual({ HighlyKnown: 4, MaybeKnown: 2, WeaklyKnown: 2, Unknown: 2 });
    // Counted from the items, before any result.
    expect(summarize(items, []).categories).toEqual({ HighlyKnown: 4, MaybeKnown: 2, WeaklyKnown: 2, Unknown: 2 });
    expect(summarize(items, []).metrics.acc_highly_known).toBeNull();
  });

  it('separates keyword items tagged in_train (train_accuracy) from the others (heldout_accuracy)', () => {
    const s = summarize(items, rows);
    // train: h1 1, m1 1, w1 0
    expect(s.metrics.train_accuracy).toBeCloseTo(2 / 3, 12);
    expect(s.stats.train_accuracy).toEqual({ n: 3, method: 'wilson', ci: wilsonInterval(2, 3) });
    // held out: h2 1, h3 0, h4 1, m2 0, w2 0, u2 1, k1 1, k2 0 (u1 errored; the blog item is no keyword item)
    expect(s.metrics.heldout_accuracy).toBe(0.5);
    expect(s.stats.heldout_accuracy).toEqual({ n: 8, method: 'wilson', ci: wilsonInterval(4, 8) });
  });

  it('reports no held-out (or train) accuracy when no item is tagged in_train, whatever other tags there are', () => {
    const untagged = items.map((i) => ({ ...i, tags: (i.tags ?? []).filter((t) => t !== IN_TRAIN_TAG) }));
    const s = summarize(untagged, rows);
    expect(s.metrics.heldout_accuracy).toBeNull();
    expect(s.metrics.train_accuracy).toBeNull();
    expect(s.stats.heldout_accuracy).toEqual({ n: 0, ci: null, method: null });
    expect(s.metrics.acc_highly_known).toBe(0.75);
    // Every keyword item in the training data: nothing is held out.
    const allTrain = summarize(items.map((i) => ({ ...i, tags: [IN_TRAIN_TAG] })), rows);
    expect(allTrain.metrics.heldout_accuracy).toBeNull();
    expect(allTrain.stats.train_accuracy!.n).toBe(11);
  });

  it('reports nothing per category when no item is categorized (null or absent)', () => {
    const plain = items.map((i) => ({ ...i, category: null }));
    for (const list of [plain, plain.map(({ category: _, ...rest }) => rest)]) {
      const s = summarize(list, rows);
      for (const c of CATEGORIES) {
        expect(s.metrics[categoryMetric(c)], c).toBeNull();
        expect(s.stats[categoryMetric(c)], c).toEqual({ n: 0, ci: null, method: null });
      }
      expect(s.categories).toBeNull();
      // A blog item's category alone is no categorization.
      expect(summarize([{ set: 'blog', id: 'p', kind: 'blog', category: 'Unknown' }], []).categories).toBeNull();
    }
  });

  it('averages an item\'s samples first: fractional scores get a bootstrap interval', () => {
    const s = summarize([cat('a', 'MaybeKnown'), cat('b', 'MaybeKnown')], [row('bio', 'a', 1), row('bio', 'a', 0), row('bio', 'b', 1)]);
    expect(s.metrics.acc_maybe_known).toBeCloseTo(0.75, 12);
    expect(s.stats.acc_maybe_known).toMatchObject({ n: 2, method: 'bootstrap' });
  });

  it('calls a stored summary stale when it predates the category metrics', () => {
    const s = summarize(items, rows);
    expect(SUMMARY_VERSION).toBe(5);
    expect(isCurrentSummary(s)).toBe(true);
    expect(isCurrentSummary({ ...s, version: 2 })).toBe(false);
    const { categories: _, ...withoutCounts } = s;
    expect(isCurrentSummary(withoutCounts as RunSummary)).toBe(false);
  });
});
