import { describe, expect, it } from 'vitest';
import { CATEGORIES, categoryMetric, type Category } from '../../server/scoring/category.js';
import { IN_TRAIN_TAG } from '../../server/evalsets/in-train.js';
import type { EvalItem } from '../../server/evalsets/types.js';
import { DEFAULT_GATE_METRICS } from '../../server/gate/decide.js';
import { gate } from '../../server/gate/gate-head.js';
import { gateMarkdown } from '../../server/gate/reports.js';
import { seededRandom } from '../../server/stats/random.js';
import { type Store } from '../../server/store/open.js';
import { outcomesWith, perturb, syntheticRun } from '../helpers/synthetic.js';
import { freshStore } from '../helpers/run.js';


const CATEGORY_METRICS = CATEGORIES.map(categoryMetric);
const NEW_METRICS = [...CATEGORY_METRICS, 'train_accuracy', 'heldout_accuracy'];

/** q0–q29 HighlyKnown, q30–q39 MaybeKnown, q40–q99 Unknown (as `tunegate categorize` would store them against the base). */
const categoryOf = (item: EvalItem): Category | null => {
  const i = Number(item.id.slice(1));
  return i < 30 ? 'HighlyKnown' : i < 40 ? 'MaybeKnown' : 'Unknown';
};

describe('gate on the per-category metrics', () => {
  it('flags a sharp fall on HighlyKnown items while bio_accuracy holds (new facts learned as known ones are forgotten)', () => {
    const { store } = freshStore('gate.db');
    // Base: every HighlyKnown item right, 5 of 10 MaybeKnown, no Unknown. Head: 15 HighlyKnown forgotten, 15 Unknown learned.
    const base = Array.from({ length: 100 }, (_, i) => i < 30 || (i >= 30 && i < 35));
    const head = base.map((pass, i) => (i < 15 ? false : i >= 40 && i < 55 ? true : pass));
    const b = syntheticRun(store, { checkpoint: 'base', step: 0, outcomes: base });
    const h = syntheticRun(store, { checkpoint: 'sft', step: 1000, outcomes: head });
    const r = gate(store, h, b, { metrics: ['bio_accuracy', ...CATEGORY_METRICS], categoryOf });
    const by = Object.fromEntries(r.metrics.map((m) => [m.metric, m]));
    expect(r.verdict).toBe('regression');
    expect(by.bio_accuracy).toMatchObject({ verdict: 'pass', n: 100, base: 0.35, head: 0.35, delta: 0 });
    expect(by.acc_highly_known).toMatchObject({ verdict: 'regression', direction: 'higher', n: 30, base: 1, head: 0.5, delta: -0.5, test: 'sign-flip-exact' });
    // 15 items from pass to fail and none back: p = 2^-15.
    expect(by.acc_highly_known!.p).toBeCloseTo(2 ** -15, 15);
    expect(by.acc_highly_known!.reason).toContain('beyond noise');
    expect(by.acc_highly_known!.worst.map((w) => w.id)).toEqual(expect.arrayContaining(['q0', 'q1']));
    expect(by.acc_highly_known!.worst.every((w) => Number(w.id.slice(1)) < 15)).toBe(true);
    expect(by.acc_maybe_known).toMatchObject({ verdict: 'pass', n: 10, base: 0.5, head: 0.5 });
    expect(by.acc_unknown).toMatchObject({ verdict: 'improved', n: 60, base: 0, head: 0.25 });
    // Categorized items, but none WeaklyKnown.
    expect(by.acc_weakly_known).toMatchObject({ verdict: 'skipped', n: 0, reason: 'no comparable items for this metric' });
    expect(r.metrics.filter((m) => m.verdict === 'regression').map((m) => m.metric)).toEqual(['acc_highly_known']);
    expect(gateMarkdown(r)).toMatch(/\| acc_highly_known \| 1\.000 \| 0\.500 \| -0\.500 \|.*\*\*regression\*\* \|/);
    store.close();
  });

  it('separates train from held-out items by the in_train tag, read from the head run (tags are not content)', () => {
    const { store } = freshStore('gate.db');
    const random = seededRandom(12);
    const base = outcomesWith(80, 40, random);
    // The baseline ran before anything was tagged; the head's items q0–q39 are tagged in_train.
    const b = syntheticRun(store, { checkpoint: 'base', step: 0, outcomes: base });
    // Training items all learned; held-out items unchanged.
    const head = base.map((pass, i) => (i < 40 ? true : pass));
    const h = syntheticRun(store, { checkpoint: 'sft', step: 1, outcomes: head, tags: (i) => (i < 40 ? [IN_TRAIN_TAG, 'bio'] : ['bio']) });
    const r = gate(store, h, b, { metrics: ['train_accuracy', 'heldout_accuracy'] });
    const by = Object.fromEntries(r.metrics.map((m) => [m.metric, m]));
    expect(r.items.compared).toBe(80);
    expect(by.train_accuracy).toMatchObject({ verdict: 'improved', n: 40, head: 1 });
    expect(by.heldout_accuracy).toMatchObject({ verdict: 'pass', n: 40, delta: 0 });
    // Held-out items forgotten: a regression on heldout_accuracy alone.
    const worse = syntheticRun(store, { checkpoint: 'sft-2', step: 2, outcomes: head.map((pass, i) => (i >= 40 ? false : pass)), tags: (i) => (i < 40 ? [IN_TRAIN_TAG] : []) });
    const r2 = gate(store, worse, h, { metrics: ['train_accuracy', 'heldout_accuracy'] });
    expect(r2.metrics.map((m) => [m.metric, m.verdict])).toEqual([['train_accuracy', 'pass'], ['heldout_accuracy', 'regression']]);
    store.close();
  });
});

describe('gate on runs without categories or in_train tags', () => {
  function runs(store: Store) {
    const random = seededRandom(31);
    const base = outcomesWith(200, 150, random);
    const b = syntheticRun(store, { checkpoint: 'b', step: 1, outcomes: base });
    const h = syntheticRun(store, { checkpoint: 'h', step: 2, outcomes: perturb(base, random, { drop: 30 }) });
    return { b, h };
  }

  it('gates the same default metrics with the same verdicts, categories asked for or not', () => {
    const { store } = freshStore('gate.db');
    const { b, h } = runs(store);
    const plain = gate(store, h, b);
    expect(plain.metrics.map((m) => m.metric)).toEqual(DEFAULT_GATE_METRICS);
    expect(plain.metrics.map((m) => m.verdict)).toEqual(['regression', 'skipped', 'skipped', 'skipped']);
    // A category lookup that categorizes nothing changes nothing.
    expect(gate(store, h, b, { categoryOf: () => null })).toEqual(plain);
    store.close();
  });

  it('skips the new metrics when asked for them, saying why, without touching the others (alpha is shared only among tested metrics)', () => {
    const { store } = freshStore('gate.db');
    const { b, h } = runs(store);
    const plain = gate(store, h, b);
    const wide = gate(store, h, b, { metrics: [...DEFAULT_GATE_METRICS, ...NEW_METRICS] });
    expect(wide.verdict).toBe(plain.verdict);
    expect(wide.warnings).toEqual(plain.warnings);
    expect(wide.metrics.slice(0, DEFAULT_GATE_METRICS.length)).toEqual(plain.metrics);
    for (const m of wide.metrics.slice(DEFAULT_GATE_METRICS.length)) {
      expect(m, m.metric).toMatchObject({ verdict: 'skipped', n: 0, base: null, head: null, p: null, level: null });
    }
    expect(wide.metrics.find((m) => m.metric === 'acc_highly_known')!.reason).toBe('no compared item is categorized against a base model');
    expect(wide.metrics.find((m) => m.metric === 'heldout_accuracy')!.reason).toBe('no compared item is tagged in_train');
    // Only the new metrics: nothing to compare, the gate's usual refusal.
    expect(() => gate(store, h, b, { metrics: NEW_METRICS })).toThrow('no comparable items for any gated metric');
    store.close();
  });

  it('stores summaries whose new metrics are null with n 0, and no category counts', () => {
    const { store } = freshStore('gate.db');
    const { h } = runs(store);
    const s = store.runs.get(h).summary!;
    for (const m of NEW_METRICS) {
      expect(s.metrics[m], m).toBeNull();
      expect(s.stats[m], m).toEqual({ n: 0, ci: null, method: null });
    }
    expect(s.categories).toBeNull();
    store.close();
  });
});
