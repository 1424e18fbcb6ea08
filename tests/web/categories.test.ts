/*
 * Knowledge categories on the dashboard, in chromium, over a synthetic training run (a categorized
 * base and four fine-tuned steps that learn Unknown facts while forgetting HighlyKnown ones): the
 * trend view's chart, table, counts and advice; each answer's category in the run view (and its
 * filter); each changed item's category and the forgetting alarm in the compare view. A database
 * without categories shows none of it. Expected values come from the store, never the page.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { CATEGORIES, categoryMetric } from '../../server/scoring/category.js';
import { advise } from '../../server/gate/advise.js';
import {
  completeRun, describeBrowser, expectClean, fmt3, fmtCi3, openPage, paintedPixels, readRows, startDashboard, startEndpoint, visit, waitReady, type Dashboard,
} from '../helpers/browser.js';
import { ADVISED_STEP, checkpointName, ITEM_IDS, seedTrainingRun, STEPS, TRAINING_FILES, trainingResponder, type TrainingRun } from '../helpers/training-run.js';
import { storedSummary } from './seed.js';

const shots = process.env.TUNEGATE_SCREENSHOT_DIR;
/** A full-page screenshot, and one of each element named (for looking at closely), when TUNEGATE_SCREENSHOT_DIR is set. */
const shoot = async (page: Page, name: string, parts: Record<string, string> = {}) => {
  if (!shots) return;
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  for (const [part, selector] of Object.entries(parts)) await page.locator(selector).screenshot({ path: `${shots}/${name}-${part}.png` });
};

/** The columns of the category table, in order, and the metric each reads. */
const COLUMNS: Array<[string, string]> = [
  ...CATEGORIES.map((c): [string, string] => [c, categoryMetric(c)]),
  ['train (in_train items)', 'train_accuracy'],
  ['held-out', 'heldout_accuracy'],
];

async function trainingDashboard(): Promise<{ d: Dashboard } & TrainingRun> {
  const e = await startEndpoint(trainingResponder());
  const d = await startDashboard(TRAINING_FILES);
  return { d, ...(await seedTrainingRun(d.store, d.evalsetsDir, e.url)) };
}

/** Each item's stored category against the base (the categorization's records), by item id. */
function storedCategories(d: Dashboard): Map<string, string> {
  const base = d.store.checkpoints.get('base');
  return new Map(d.store.categories.ofBase(base.id).map((r) => [r.itemId, r.category]));
}

const withInterval = (value: number | null | undefined, stat: { n: number; ci: [number, number] | null } | undefined) =>
  `${fmt3(value)} ${fmtCi3(stat?.ci)} n=${stat?.n ?? 0}`;

describeBrowser('knowledge categories on the dashboard, in chromium', (browser) => {
  it('/ shows accuracy per category against step (painted), its table with the stored numbers, the base\'s counts and the advised step', async () => {
    const t = await trainingDashboard();
    const { d } = t;
    const w = await openPage(browser());
    expect(await visit(w, d, '/')).toBe('trend');
    const section = '[data-testid=knowledge]';
    expect(await w.page.locator(section).count()).toBe(1);

    // The chart: painted, in its panel.
    const canvas = '[data-testid=category-chart] canvas';
    expect(await w.page.locator(canvas).count()).toBe(1);
    expect(await paintedPixels(w.page, canvas)).toBeGreaterThan(5000);

    // The table: a row per checkpoint by step (the base at step 0 first), every category, train and held-out accuracy as stored.
    const head = await w.page.$$eval('table[data-testid=category-table] thead th', (ths) => ths.map((th) => th.textContent));
    expect(head).toEqual(['checkpoint', 'step', ...COLUMNS.map(([label]) => label), 'run']);
    const rows = await readRows(w.page, 'table[data-testid=category-table] tr[data-testid=category-row]');
    expect(rows.map((r) => r.attrs['data-checkpoint'])).toEqual(STEPS.map(checkpointName));
    for (const r of rows) {
      const name = r.attrs['data-checkpoint']!;
      const runId = t.runs[name]!;
      const s = storedSummary(d, runId);
      expect(r.attrs['data-run']).toBe(String(runId));
      expect(r.cells[1]).toBe(String(d.store.checkpoints.get(name).step));
      COLUMNS.forEach(([label, metric], i) => {
        expect(r.cells[2 + i], `${name} ${label}`).toBe(withInterval(s.metrics[metric as keyof typeof s.metrics], s.stats[metric]));
      });
    }
    // The scenario is the paper's: HighlyKnown falls from 1 to 1/6, Unknown rises from 0.
    const hk = (name: string) => storedSummary(d, t.runs[name]!).metrics.acc_highly_known;
    expect([hk('base'), hk('ft-4000')]).toEqual([1, 2 / 12]);

    // The base's counts: every category, as stored by the categorization.
    const stored = storedCategories(d);
    const counts = await w.page.$$eval('[data-testid=category-counts] [data-base=base] .cat-count', (els) => els.map((e) => [e.getAttribute('data-category'), Number(e.getAttribute('data-count'))]));
    expect(counts).toEqual(CATEGORIES.map((c) => [c, [...stored.values()].filter((x) => x === c).length]));
    expect(counts.map(([, n]) => n)).toEqual([12, 6, 6, 24]);
    const countsText = (await w.page.locator('[data-testid=category-counts]').textContent()) ?? '';
    expect(countsText).toContain(`48 keyword items categorized against the base base (categorization run ${t.categorizeRun})`);

    // The advice: the checkpoints share run=ft, so it is asked for at once; it names step 2000 and marks 3000 and 4000 excluded.
    const advice = advise(d.store, { key: 'run', value: 'ft' });
    expect(advice.pick?.step).toBe(ADVISED_STEP);
    expect(await w.page.locator('[data-testid=advice-pick]').textContent()).toBe(`Advice: stop at step ${ADVISED_STEP} (ft-${ADVISED_STEP}, run ${t.runs[`ft-${ADVISED_STEP}`]})`);
    expect(await w.page.locator('[data-testid=advice-reason]').textContent()).toBe(`Why: ${advice.reason}.`);
    const adviceRows = await readRows(w.page, '[data-testid=advice] tr[data-testid=advice-row]');
    expect(adviceRows.map((r) => [r.attrs['data-checkpoint'], r.attrs['data-excluded'], r.attrs['data-advised']])).toEqual(
      advice.rows.map((r) => [r.checkpoint, String(r.excluded !== null), String(r.checkpoint === `ft-${ADVISED_STEP}`)]));
    expect(adviceRows.filter((r) => r.attrs['data-excluded'] === 'true').map((r) => r.attrs['data-checkpoint'])).toEqual(['ft-3000', 'ft-4000']);
    for (const r of adviceRows.filter((x) => x.attrs['data-excluded'] === 'true')) {
      expect(r.cells[5]).toBe(`excluded: ${advice.rows.find((a) => a.checkpoint === r.attrs['data-checkpoint'])!.excluded}`);
    }
    expect(adviceRows.find((r) => r.attrs['data-checkpoint'] === 'ft-3000')!.cells[2]).toBe(
      withInterval(advice.rows.find((a) => a.checkpoint === 'ft-3000')!.heldout.value, advice.rows.find((a) => a.checkpoint === 'ft-3000')!.heldout));
    await shoot(w.page, 'trend-categories', { chart: '[data-testid=category-chart]', counts: '[data-testid=category-counts]', advice: '[data-testid=advice]' });

    // With the tag filter in the URL: the same advice, asked for that tag.
    await visit(w, d, '/?tag=run=ft&metric=bio_accuracy');
    expect(await w.page.locator('[data-testid=advice-pick]').textContent()).toContain(`stop at step ${ADVISED_STEP}`);
    expect(w.log.requests.some((u) => u.endsWith('/api/advise?tag=run%3Dft'))).toBe(true);
    expectClean(w.log, d);
  });

  it('the base is charted even when it does not carry the tag; no step is advised when every checkpoint forgot; with two training runs the page asks which', async () => {
    const t = await trainingDashboard();
    const { d } = t;
    d.store.checkpoints.update('base', { tags: {} });
    for (const s of STEPS.slice(1)) d.store.checkpoints.update(checkpointName(s), { tags: { run: 'ft', phase: s <= 2000 ? 'early' : 'late' } });
    const w = await openPage(browser());
    await visit(w, d, '/?tag=phase=late');
    const rows = await readRows(w.page, 'tr[data-testid=category-row]');
    expect(rows.map((r) => r.attrs['data-checkpoint'])).toEqual(['base', 'ft-3000', 'ft-4000']);
    // Advice for phase=late: both checkpoints forgot HighlyKnown facts, so no step is advised.
    expect(await w.page.locator('[data-testid=advice-pick]').textContent()).toBe('No step to advise');
    expect((await readRows(w.page, 'tr[data-testid=advice-row]')).map((r) => [r.attrs['data-checkpoint'], r.attrs['data-excluded']])).toEqual([['ft-3000', 'true'], ['ft-4000', 'true']]);

    // No tag filter and no shared run tag? Here every fine-tuned checkpoint shares run=ft: advised at once.
    await visit(w, d, '/');
    expect(await w.page.locator('[data-testid=advice-pick]').textContent()).toContain(`stop at step ${ADVISED_STEP}`);

    // Two training runs: the page asks which.
    d.store.checkpoints.update('ft-4000', { tags: { run: 'other' } });
    await visit(w, d, '/');
    const choose = w.page.locator('[data-testid=advice-choose]');
    expect(await choose.textContent()).toContain('run=ft, run=other');
    await choose.locator('a', { hasText: 'run=ft' }).click();
    await w.page.waitForURL((u) => u.searchParams.get('tag') === 'run=ft');
    await waitReady(w.page);
    expect(await w.page.locator('[data-testid=tag-filter]').inputValue()).toBe('run=ft');
    expect(await w.page.locator('[data-testid=advice-pick]').textContent()).toContain('Advice: stop at step');

    // A tag value is the user's text: it is shown as text in the advice, never as markup.
    const hostile = '<img src=x onerror="window.__pwned=1">';
    for (const s of STEPS) d.store.checkpoints.update(checkpointName(s), { tags: { run: hostile } });
    await visit(w, d, '/');
    expect(await w.page.locator('[data-testid=advice] caption').textContent()).toContain(`tagged run=${hostile}:`);
    expect(await w.page.locator('[data-testid=knowledge] img').count()).toBe(0);
    expect(await w.page.evaluate('window.__pwned')).toBeUndefined();
    expectClean(w.log, d);
  });

  it('/runs/:id shows the run\'s category counts and each answer\'s category; ?category= filters, with set and outcome', async () => {
    const t = await trainingDashboard();
    const { d } = t;
    const runId = t.runs['ft-3000']!;
    const stored = storedCategories(d);
    const w = await openPage(browser());
    expect(await visit(w, d, `/runs/${runId}`)).toBe('run');

    // Counts in the metrics area, as the run's stored summary has them, against its base.
    const summary = storedSummary(d, runId);
    const counts = await w.page.$$eval('[data-testid=run-categories] .cat-count', (els) => els.map((e) => [e.getAttribute('data-category'), Number(e.getAttribute('data-count'))]));
    expect(counts).toEqual(CATEGORIES.map((c) => [c, summary.categories![c]]));
    expect(await w.page.locator('[data-testid=run-categories]').getAttribute('data-base')).toBe('base');
    // The per-category metrics are listed in the metrics table.
    const metricRows = await readRows(w.page, 'tr[data-testid=run-metric-row]');
    expect(metricRows.find((r) => r.attrs['data-metric'] === 'acc_highly_known')!.cells[1]).toBe(fmt3(summary.metrics.acc_highly_known));

    // Every answer (48 < one page) carries its item's stored category.
    const chips = async () => new Map(await w.page.$$eval('tr[data-testid=item-row]', (trs) => trs.map((tr) => [
      (tr.getAttribute('data-item') ?? '').replace(/^bio\//, ''), tr.querySelector('[data-testid=item-category]')?.textContent ?? null,
    ] as [string, string | null])));
    expect(await chips()).toEqual(new Map(ITEM_IDS.map((id) => [id, stored.get(id)!])));
    await shoot(w.page, 'run-categories', { metrics: '[data-testid=run-metrics]', counts: '[data-testid=run-categories]', items: 'tr[data-item="bio/h5"]' });

    // The filter: only HighlyKnown answers, through the control; the choice goes into the URL.
    await w.page.locator('[data-testid=items-category]').selectOption('HighlyKnown');
    await w.page.waitForURL((u) => u.searchParams.get('category') === 'HighlyKnown');
    await waitReady(w.page);
    const hk = ITEM_IDS.filter((id) => stored.get(id) === 'HighlyKnown');
    expect([...(await chips()).keys()]).toEqual(hk);
    expect(await w.page.locator('[data-testid=page-info]').textContent()).toContain(`(${hk.length} results)`);
    // With outcome=fail: the HighlyKnown facts ft-3000 forgot, read from its stored results.
    await w.page.locator('[data-testid=items-outcome]').selectOption('fail');
    await w.page.waitForURL((u) => u.searchParams.get('outcome') === 'fail' && u.searchParams.get('category') === 'HighlyKnown');
    await waitReady(w.page);
    const failed = new Set(d.store.results.list(runId).filter((r) => r.passed === false).map((r) => r.itemId));
    const forgotten = hk.filter((id) => failed.has(id));
    expect(forgotten).toHaveLength(6);
    expect([...(await chips()).keys()]).toEqual(forgotten);
    // A hand-edited category that does not exist filters nothing (and breaks nothing).
    await visit(w, d, `/runs/${runId}?category=Known`);
    expect(await w.page.locator('tr[data-testid=item-row]').count()).toBe(ITEM_IDS.length);
    expect(await w.page.locator('[data-testid=items-category]').inputValue()).toBe('');
    // A count links to its filter (keeping the others).
    await visit(w, d, `/runs/${runId}?set=bio`);
    await w.page.locator('[data-testid=run-categories] [data-category=Unknown] a').click();
    await w.page.waitForURL((u) => u.searchParams.get('category') === 'Unknown' && u.searchParams.get('set') === 'bio');
    await waitReady(w.page);
    expect(new Set((await chips()).values())).toEqual(new Set(['Unknown']));
    expect(await w.page.locator('[data-testid=items-set]').inputValue()).toBe('bio');
    expectClean(w.log, d);
  });

  it('/compare shows each changed item\'s category, filters by it, and flags the fall on HighlyKnown accuracy', async () => {
    const t = await trainingDashboard();
    const { d } = t;
    const stored = storedCategories(d);
    const w = await openPage(browser());
    expect(await visit(w, d, `/compare?base=${t.runs.base}&head=${t.runs['ft-3000']}`)).toBe('compare');

    const flips = await w.page.$$eval('tr[data-testid=flip-row]', (trs) => trs.map((tr) => [
      (tr.getAttribute('data-item') ?? '').replace(/^bio\//, ''), tr.getAttribute('data-outcome'), tr.querySelector('[data-testid=item-category]')?.textContent ?? null,
    ]));
    expect(flips.length).toBeGreaterThan(20);
    for (const [id, , cat] of flips) expect(cat, id!).toBe(stored.get(id!));
    // The forgotten HighlyKnown facts come first (forgotten before learned).
    expect(flips.filter(([, o, c]) => o === 'forgotten' && c === 'HighlyKnown').map(([id]) => id).sort()).toEqual(['h0', 'h1', 'h2', 'h3', 'h4', 'h5']);

    // The metric table lists the per-category metrics that have values, and the gate's regression on acc_highly_known is marked.
    const metricRows = await readRows(w.page, 'tr[data-testid=metric-row]');
    const listed = metricRows.map((r) => r.attrs['data-metric']);
    for (const m of ['acc_highly_known', 'acc_maybe_known', 'acc_weakly_known', 'acc_unknown', 'train_accuracy', 'heldout_accuracy']) expect(listed, m).toContain(m);
    const hk = metricRows.find((r) => r.attrs['data-metric'] === 'acc_highly_known')!;
    expect(hk.attrs.class).toBe('row-regression');
    expect(hk.cells[6]).toBe('regression');
    expect(await w.page.locator('tr[data-metric=acc_highly_known] .verdict-regression').count()).toBe(1);
    expect(await w.page.locator('[data-testid=gate-verdict]').getAttribute('data-verdict')).toBe('regression');
    expect(await w.page.locator('[data-testid=gate-verdict]').textContent()).toContain('regressed: acc_highly_known');
    // bio accuracy rose meanwhile: only the category metric raises the alarm.
    expect(metricRows.find((r) => r.attrs['data-metric'] === 'bio_accuracy')!.attrs.class).toBeUndefined();
    await shoot(w.page, 'compare-categories', { metrics: '[data-testid=compare-metrics]', gate: '[data-testid=gate-verdict]', flip: 'tr[data-item="bio/h0"]' });

    await w.page.locator('[data-testid=filter-category]').selectOption('HighlyKnown');
    await w.page.waitForURL((u) => u.searchParams.get('category') === 'HighlyKnown');
    await waitReady(w.page);
    const only = await w.page.$$eval('tr[data-testid=flip-row] [data-testid=item-category]', (els) => els.map((e) => e.textContent));
    expect(only).toEqual(Array(6).fill('HighlyKnown'));
    expectClean(w.log, d);
  });

  it('a database without categories shows none of it: no section, no chips, no category filters', async () => {
    const e = await startEndpoint(trainingResponder());
    const d = await startDashboard(TRAINING_FILES);
    d.store.checkpoints.add({ name: 'a', baseUrl: e.url, model: 'model-0', step: 0, tags: { run: 'x' } });
    d.store.checkpoints.add({ name: 'b', baseUrl: e.url, model: 'model-3000', step: 3000, tags: { run: 'x' } });
    const a = await completeRun(d, 'a', ['bio']);
    const b = await completeRun(d, 'b', ['bio']);
    const w = await openPage(browser());
    expect(await visit(w, d, '/')).toBe('trend');
    expect(await w.page.locator('tr[data-testid=trend-row]').count()).toBeGreaterThan(0);
    for (const id of ['knowledge', 'category-chart', 'category-table', 'category-counts', 'advice']) {
      expect(await w.page.locator(`[data-testid=${id}]`).count(), id).toBe(0);
    }
    // No section heading (the metric picker still names its "Knowledge categories" group: those metrics can be charted).
    expect(await w.page.getByRole('heading', { name: 'Knowledge categories' }).count()).toBe(0);
    // Nothing is even asked for: the trend points say no item is categorized.
    expect(w.log.requests.filter((u) => u.includes('/api/advise') || u.includes('/api/categories') || u.includes('acc_highly_known'))).toEqual([]);

    await visit(w, d, `/runs/${b}?category=Unknown`);
    expect(await w.page.locator('tr[data-testid=item-row]').count()).toBe(ITEM_IDS.length);
    for (const id of ['item-category', 'run-categories', 'items-category']) expect(await w.page.locator(`[data-testid=${id}]`).count(), id).toBe(0);

    await visit(w, d, `/compare?base=${a}&head=${b}`);
    expect(await w.page.locator('tr[data-testid=flip-row]').count()).toBeGreaterThan(0);
    for (const id of ['item-category', 'filter-category']) expect(await w.page.locator(`[data-testid=${id}]`).count(), id).toBe(0);
    expectClean(w.log, d);
  });
});
