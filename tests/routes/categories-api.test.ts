/*
 * The API's knowledge categories on a synthetic training run: GET /api/advise (the early-stopping
 * pick of `tunegate advise --json`), each result's `category`, the compare API's per-item
 * categories, and the trend points' category counts. Expected values come from the store.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { categoriesKeyOf, categoryLookup, runCategories } from '../../server/runs/categories.js';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { advise } from '../../server/gate/advise.js';
import { categoryBaseOf } from '../../server/report/run-json.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { executeRun } from '../../server/runner/execute-run.js';
import { endpoint } from '../helpers/endpoint.js';
import { SERVER_EVALSETS, testApp, type TestApp } from '../helpers/server.js';
import { ADVISED_STEP, ITEM_IDS, seedTrainingRun, trainingResponder, TRAINING_FILES } from '../helpers/training-run.js';

async function trainingApp() {
  const e = await endpoint(trainingResponder());
  const t = await testApp({ files: TRAINING_FILES });
  const seeded = await seedTrainingRun(t.store, join(t.dir, 'evalsets'), e.url);
  return { ...t, ...seeded };
}

/** Evaluates a registered checkpoint over the app's bio set with the real runner; returns the run id. */
async function evaluate(t: TestApp, name: string): Promise<number> {
  const id = createRun(t.store, t.store.checkpoints.get(name), loadEvalSets(['bio.jsonl'], join(t.dir, 'evalsets')), { ...DEFAULT_PARAMS, retries: 0 });
  expect((await executeRun({ store: t.store, runId: id, env: {} })).status).toBe('completed');
  return id;
}

/** Each item's stored category against the base, by item id. */
function storedCategories(t: Awaited<ReturnType<typeof trainingApp>>): Map<string, string | null> {
  const lookup = categoryLookup(runCategories(t.store, t.store.runs.get(t.runs['ft-3000']!)));
  return new Map(t.store.runs.items(t.runs['ft-3000']!).map((i) => [i.id, lookup(i)]));
}

describe('knowledge categories over the API', () => {
  it('GET /api/advise answers what advise() decides: the step before the forgetting, every row with its tests', async () => {
    const t = await trainingApp();
    const res = await t.app.inject({ method: 'GET', url: '/api/advise?tag=run=ft' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    // The same JSON as the function (and so as `tunegate advise --json`), nothing dropped by the serializer.
    expect(body).toEqual(JSON.parse(JSON.stringify(advise(t.store, { key: 'run', value: 'ft' }))));
    expect(body.pick).toEqual({ checkpoint: `ft-${ADVISED_STEP}`, step: ADVISED_STEP, runId: t.runs[`ft-${ADVISED_STEP}`] });
    expect(body.heldoutMetric).toBe('heldout_accuracy');
    expect(body.base).toEqual({ checkpoint: 'base', runId: t.runs.base });
    const rows = Object.fromEntries(body.rows.map((r: { checkpoint: string; excluded: string | null }) => [r.checkpoint, r.excluded]));
    expect(rows).toMatchObject({ base: null, 'ft-1000': null, 'ft-2000': null });
    expect(rows['ft-3000']).toMatch(/^accuracy fell on acc_highly_known/);
    expect(rows['ft-4000']).toMatch(/^accuracy fell on acc_highly_known/);
    const ft3000 = body.rows.find((r: { checkpoint: string }) => r.checkpoint === 'ft-3000');
    expect(ft3000.known.find((k: { metric: string }) => k.metric === 'acc_highly_known')).toMatchObject({ verdict: 'regression', base: 1, head: 0.5, n: 12 });
    expect(ft3000.heldout).toMatchObject({ value: 26 / 36, n: 36 });
    expect(ft3000.heldout.ci).toHaveLength(2);

    // A stricter alpha is passed on.
    expect((await t.app.inject({ method: 'GET', url: '/api/advise?tag=run=ft&alpha=0.01' })).json().alpha).toBe(0.01);
  });

  it('GET /api/advise: 400 without a KEY=VALUE tag or with a bad alpha, 404 for a tag no checkpoint carries, 400 when no categories apply', async () => {
    const t = await trainingApp();
    for (const url of ['/api/advise', '/api/advise?tag=run', '/api/advise?tag==x', '/api/advise?tag=run=ft&alpha=0.9', '/api/advise?tag=run=ft&other=1']) {
      const r = await t.app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(400);
      expect(r.json().error, url).toMatch(/querystring/);
    }
    const missing = await t.app.inject({ method: 'GET', url: '/api/advise?tag=run=nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND', error: 'no checkpoint is tagged run=nope' });

    const plain = await testApp();
    plain.store.checkpoints.add({ name: 'lonely', baseUrl: 'http://127.0.0.1:9/v1', model: 'm', step: 1, tags: { run: 'x' } });
    expect((await plain.app.inject({ method: 'GET', url: '/api/advise?tag=run=x' })).json()).toMatchObject({ code: 'NOT_FOUND' });
    // Checkpoints with completed runs, but no base was ever categorized.
    const e = await endpoint(trainingResponder());
    const u = await testApp({ files: SERVER_EVALSETS });
    u.store.checkpoints.add({ name: 'a', baseUrl: e.url, model: 'model-0', step: 1, tags: { run: 'y' } });
    await evaluate(u, 'a');
    const r = await u.app.inject({ method: 'GET', url: '/api/advise?tag=run=y' });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'INVALID_INPUT' });
    expect(r.json().error).toContain('categorize the base model first');
  });

  it('results carry each item\'s category against the run\'s base, and ?category= filters and pages them', async () => {
    const t = await trainingApp();
    const stored = storedCategories(t);
    // The scenario has every category, so each is a real test.
    const meant = { h: 'HighlyKnown', m: 'MaybeKnown', w: 'WeaklyKnown', u: 'Unknown' } as const;
    expect(stored).toEqual(new Map(ITEM_IDS.map((id) => [id, meant[id[0] as keyof typeof meant]])));

    const all = (await t.app.inject({ method: 'GET', url: `/api/runs/${t.runs['ft-3000']}/results?limit=1000` })).json();
    expect(all.total).toBe(ITEM_IDS.length);
    expect(new Map(all.results.map((r: { id: string; category: string }) => [r.id, r.category]))).toEqual(stored);

    // The base's own run reads its own categories.
    const base = (await t.app.inject({ method: 'GET', url: `/api/runs/${t.runs.base}/results?limit=1000` })).json();
    expect(new Map(base.results.map((r: { id: string; category: string }) => [r.id, r.category]))).toEqual(stored);

    const unknown = [...stored].filter(([, c]) => c === 'Unknown').map(([id]) => id);
    const page = (await t.app.inject({ method: 'GET', url: `/api/runs/${t.runs['ft-3000']}/results?category=Unknown&limit=5&offset=2` })).json();
    expect(page.total).toBe(unknown.length);
    expect(page.results.map((r: { id: string }) => r.id)).toEqual(unknown.slice(2, 7));
    expect(page.results.every((r: { category: string }) => r.category === 'Unknown')).toBe(true);
    // With the outcome filter: Unknown items the checkpoint got right.
    const passed = new Set(t.store.results.list(t.runs['ft-3000']!).filter((r) => r.passed === true).map((r) => r.itemId));
    const learned = (await t.app.inject({ method: 'GET', url: `/api/runs/${t.runs['ft-3000']}/results?category=Unknown&outcome=pass&limit=100` })).json();
    expect(learned.results.map((r: { id: string }) => r.id)).toEqual(unknown.filter((id) => passed.has(id)));
    // Every Unknown item (12 trained, 12 held out) is answered right at step 3000.
    expect(learned.total).toBe(24);
    expect((await t.app.inject({ method: 'GET', url: `/api/runs/${t.runs['ft-3000']}/results?category=Known` })).statusCode).toBe(400);
  });

  it('results of a run without categories say category: null', async () => {
    const e = await endpoint(trainingResponder());
    const t = await testApp({ files: TRAINING_FILES });
    t.store.checkpoints.add({ name: 'plain', baseUrl: e.url, model: 'model-1000', step: 1000 });
    const id = await evaluate(t, 'plain');
    const res = (await t.app.inject({ method: 'GET', url: `/api/runs/${id}/results?limit=3` })).json();
    expect(res.results.map((r: { category: unknown }) => r.category)).toEqual([null, null, null]);
    expect((await t.app.inject({ method: 'GET', url: `/api/runs/${id}/results?category=Unknown` })).json()).toMatchObject({ total: 0, results: [] });
    const run = (await t.app.inject({ method: 'GET', url: `/api/runs/${id}` })).json();
    expect(run).toMatchObject({ categories: null, categoryBase: null });
  });

  it('compare flips carry their category; runs and trend points name their base and category counts', async () => {
    const t = await trainingApp();
    const stored = storedCategories(t);
    const cmp = (await t.app.inject({ method: 'GET', url: `/api/compare?base=${t.runs.base}&head=${t.runs['ft-3000']}` })).json();
    expect(cmp.flips.length).toBeGreaterThan(10);
    for (const f of cmp.flips) expect(f.category, f.id).toBe(stored.get(f.id));
    // Forgotten HighlyKnown facts are among the flips.
    expect(cmp.flips.filter((f: { to: string; category: string }) => f.to === 'fail' && f.category === 'HighlyKnown')).toHaveLength(6);

    const run = (await t.app.inject({ method: 'GET', url: `/api/runs/${t.runs['ft-2000']}` })).json();
    expect(run.categoryBase).toBe('base');
    expect(run.categories).toEqual(t.store.runs.get(t.runs['ft-2000']!).summary!.categories);

    const series = (await t.app.inject({ method: 'GET', url: '/api/trend?metric=acc_highly_known' })).json().series[0];
    expect(series.points.map((p: { checkpoint: string; categoryBase: string }) => [p.checkpoint, p.categoryBase])).toEqual(
      ['base', 'ft-1000', 'ft-2000', 'ft-3000', 'ft-4000'].map((n) => [n, 'base']));
    for (const p of series.points) expect(p.categories).toEqual(t.store.runs.get(p.runId).summary!.categories);
  });

  it('categoryBaseOf inverts categoriesKey, also for a name with a colon', () => {
    for (const base of ['base', 'org:model@v1', 'a:b:c']) {
      const key = categoriesKeyOf(base, { runs: [3, 12], latest: '2026-11-30T19:00:00.000Z' });
      expect(categoryBaseOf({ categorizedBy: key })).toBe(base);
    }
    expect(categoryBaseOf({ categorizedBy: null })).toBeNull();
    expect(categoryBaseOf({})).toBeNull();
    expect(categoryBaseOf(null)).toBeNull();
  });
});
