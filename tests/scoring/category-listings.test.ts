import { describe, expect, it } from 'vitest';
import { CATEGORIES, categoryMetric, type Category } from '../../server/scoring/category.js';
import { IN_TRAIN_TAG } from '../../server/evalsets/in-train.js';
import { currentSummary } from '../../server/runs/summary.js';
import { summarize, SUMMARY_VERSION, type RunSummary } from '../../server/scoring/metrics.js';
import { wilsonInterval } from '../../server/stats/interval.js';
import type { Store } from '../../server/store/open.js';
import { cli } from '../helpers/cli.js';
import { testApp } from '../helpers/server.js';
import { syntheticRun } from '../helpers/synthetic.js';

/*
 * Everything that lists metrics (GET /api/metrics, a run's JSON in the API and `show --json`,
 * `show`'s text) lists the per-category, train and held-out metrics where a run has them, and
 * stays as it was where it has none. Categorizing is not built yet: a categorized summary is
 * stored the way the runner stores one, from summarize over items that carry their category.
 */

/** q0–q3 HighlyKnown, q4–q5 MaybeKnown, q6 WeaklyKnown, q7–q9 Unknown. */
const categoryOf = (id: string): Category => {
  const i = Number(id.slice(1));
  return i < 4 ? 'HighlyKnown' : i < 6 ? 'MaybeKnown' : i < 7 ? 'WeaklyKnown' : 'Unknown';
};

function categorizedRun(store: Store): number {
  // Passing: q0–q2 (3 of 4 HighlyKnown), q4 (1 of 2 MaybeKnown), q9 (1 of 3 Unknown); q0, q4, q7 are in the training data.
  const outcomes = [true, true, true, false, true, false, false, false, false, true];
  const id = syntheticRun(store, { checkpoint: 'sft', step: 100, outcomes, tags: (i) => ([0, 4, 7].includes(i) ? [IN_TRAIN_TAG] : []) });
  const items = store.runs.items(id).map((i) => ({ ...i, category: categoryOf(i.id) }));
  store.runs.setSummary(id, summarize(items, store.results.scoringRows(id)));
  return id;
}

describe('the category metrics where metrics are listed', () => {
  it('GET /api/metrics lists them after the keyword metrics, with their category and inTrain filters', async () => {
    const { app } = await testApp();
    const r = await app.inject({ method: 'GET', url: '/api/metrics' });
    expect(r.statusCode).toBe(200);
    const metrics = r.json().metrics as Array<{ name: string; label: string; direction: string; items: Record<string, unknown> }>;
    const names = metrics.map((m) => m.name);
    expect(names.indexOf('acc_highly_known')).toBe(names.indexOf('refusal_accuracy') + 1);
    expect(names.indexOf('heldout_accuracy')).toBe(names.indexOf('blog_quality') - 1);
    const highly = metrics.find((m) => m.name === 'acc_highly_known')!;
    expect(highly).toMatchObject({ label: 'Accuracy on HighlyKnown items', direction: 'higher', range: [0, 1], proportion: true });
    expect(highly.items).toEqual({ kind: 'keyword', family: null, set: null, withForbidden: false, category: 'HighlyKnown', inTrain: null, value: 'score' });
    expect(metrics.find((m) => m.name === 'train_accuracy')!.items).toMatchObject({ category: null, inTrain: true });
    expect(metrics.find((m) => m.name === 'bio_accuracy')!.items).toMatchObject({ category: null, inTrain: null });
  });

  it('a run\'s JSON (API and show --json) carries each category\'s accuracy with n and interval, and the category counts', async () => {
    const { app, store, dir, dbPath } = await testApp();
    const id = categorizedRun(store);
    const api = (await app.inject({ method: 'GET', url: `/api/runs/${id}` })).json();
    const shown = (await cli(['show', String(id), '--json', '--db', dbPath], { cwd: dir })).json();
    for (const run of [api, shown]) {
      expect(run.categories).toEqual({ HighlyKnown: 4, MaybeKnown: 2, WeaklyKnown: 1, Unknown: 3 });
      expect(run.metrics).toMatchObject({ acc_highly_known: 0.75, acc_maybe_known: 0.5, acc_weakly_known: 0, train_accuracy: 2 / 3 });
      expect(run.metrics.acc_unknown).toBeCloseTo(1 / 3, 12);
      expect(run.stats.acc_highly_known).toEqual({ n: 4, method: 'wilson', ci: wilsonInterval(3, 4) });
      expect(run.stats.acc_weakly_known).toEqual({ n: 1, method: 'wilson', ci: wilsonInterval(0, 1) });
      // Held out: q1 q2 q3 q5 q6 q8 q9, of which q1 q2 q9 pass.
      expect(run.metrics.heldout_accuracy).toBeCloseTo(3 / 7, 12);
      expect(run.stats.heldout_accuracy).toEqual({ n: 7, method: 'wilson', ci: wilsonInterval(3, 7) });
    }
  });

  it('show prints the category rows with interval and n, and the counts, only for a categorized run', async () => {
    const { store, dir, dbPath } = await testApp();
    const id = categorizedRun(store);
    const plain = syntheticRun(store, { checkpoint: 'plain', step: 1, outcomes: [true, false, true] });
    const text = (await cli(['show', String(id), '--db', dbPath], { cwd: dir })).stdout;
    const [lo, hi] = wilsonInterval(3, 4);
    expect(text).toMatch(new RegExp(`acc_highly_known\\s+0\\.750\\s+\\[${lo.toFixed(3)}, ${hi.toFixed(3)}\\]\\s+4\\n`));
    for (const c of CATEGORIES) expect(text).toMatch(new RegExp(`\\n${categoryMetric(c)}\\s+\\d\\.\\d{3}\\s+\\[`));
    expect(text).toMatch(/\ntrain_accuracy\s+0\.667\s+\[[^\]]+\]\s+3\n/);
    expect(text).toMatch(/\nheldout_accuracy\s+0\.429\s+\[[^\]]+\]\s+7\n/);
    expect(text).toContain('Categories against the base model (SliCK, Gekhman et al. 2024), keyword items: 4 HighlyKnown, 2 MaybeKnown, 1 WeaklyKnown, 3 Unknown.');
    const plainText = (await cli(['show', String(plain), '--db', dbPath], { cwd: dir })).stdout;
    expect(plainText).toMatch(/\nbio_accuracy\s+0\.667/);
    expect(plainText).not.toMatch(/acc_|train_accuracy|heldout_accuracy|Categories against/);
    const plainJson = (await cli(['show', String(plain), '--json', '--db', dbPath], { cwd: dir })).json();
    expect(plainJson.categories).toBeNull();
    expect(plainJson.metrics.acc_highly_known).toBeNull();
  });

  it('a summary stored before the category metrics is computed again once and stored', async () => {
    const { store } = await testApp();
    const id = syntheticRun(store, { checkpoint: 'old', step: 1, outcomes: [true, false] });
    // As version 2 stored it: no category counts, no category metrics.
    const { categories: _, ...stored } = store.runs.get(id).summary!;
    const metrics = Object.fromEntries(Object.entries(stored.metrics).filter(([m]) => !['acc_highly_known', 'heldout_accuracy'].includes(m)));
    store.runs.setSummary(id, { ...stored, version: 2, metrics } as RunSummary);
    expect(store.runs.get(id).summary!.metrics.acc_highly_known).toBeUndefined();
    const fresh = currentSummary(store, store.runs.get(id));
    expect(fresh).toMatchObject({ version: SUMMARY_VERSION, categories: null, metrics: { bio_accuracy: 0.5, acc_highly_known: null, heldout_accuracy: null } });
    expect(store.runs.get(id).summary).toEqual(fresh);
  });
});
