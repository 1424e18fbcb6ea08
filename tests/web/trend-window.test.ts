/*
 * `/` at more training runs than the default window: the page charts the most recent ones plus
 * the baseline, says so, and the "Training runs shown" control widens or narrows it through the
 * URL. Expected checkpoints come from the store (its runs' ids), never from the page.
 */
import { expect, it } from 'vitest';
import { describeBrowser, expectClean, openPage, readRows, startDashboard, visit, waitReady, type Dashboard } from '../helpers/browser.js';
import { syntheticRun } from '../helpers/synthetic.js';
import { TREND_WINDOW } from '../../server/shared/trend-window.js';

const TRAINING_RUNS = 12;
const SAVES = 5;
const BIO = { 'evalsets/bio.jsonl': '{"id":"q0","prompt":"question 0","keywords":["yes"]}\n' };

/** A baseline (no run= tag, evaluated first) and 12 training runs of 5 saves, evaluated one training run after another. */
function seed(d: Dashboard): void {
  syntheticRun(d.store, { checkpoint: 'base', step: 0, outcomes: [true, false, false, true] });
  d.store.checkpoints.update('base', { baseline: true });
  for (let r = 0; r < TRAINING_RUNS; r++) {
    for (let s = 0; s < SAVES; s++) {
      syntheticRun(d.store, { checkpoint: `t${r}-${s}`, step: (s + 1) * 100, outcomes: [true, s % 2 === 0, r % 3 === 0, false], register: { tags: { run: `t${r}`, mix: r % 2 === 0 ? 'a' : 'b' } } });
    }
  }
}

/** The checkpoints of the `n` training runs with the newest completed runs (0: all), plus the baseline, from the store. */
function expectedNames(d: Dashboard, n: number): string[] {
  const newest = new Map<string, number>();
  const all = d.store.checkpoints.list();
  for (const c of all) {
    const g = c.tags.run ?? '';
    for (const run of d.store.runs.list({ checkpointId: c.id, status: 'completed' })) newest.set(g, Math.max(newest.get(g) ?? 0, run.id));
  }
  const order = [...newest].sort((a, b) => b[1] - a[1]).map(([g]) => g);
  const shown = new Set(n === 0 ? order : order.slice(0, n));
  return all.filter((c) => c.isBaseline || shown.has(c.tags.run ?? '')).map((c) => c.name).sort();
}

async function chartedNames(page: import('playwright-core').Page): Promise<string[]> {
  const rows = await readRows(page, '[data-testid="trend-bio_accuracy"] table[data-testid=trend-table] tr[data-testid=trend-row]');
  return rows.map((r) => r.attrs['data-checkpoint']!).sort();
}

describeBrowser('the trend window on / (the most recent training runs), in chromium', (browser) => {
  it('charts the default window plus the baseline, says what is left out, and the control changes the URL and the charted points', async () => {
    const d = await startDashboard(BIO);
    seed(d);
    const w = await openPage(browser());
    expect(await visit(w, d, '/')).toBe('trend');
    expect(TREND_WINDOW).toBeLessThan(TRAINING_RUNS);
    expect(await chartedNames(w.page)).toEqual(expectedNames(d, TREND_WINDOW));
    const select = w.page.locator('select[data-testid=trend-window]');
    expect(await select.inputValue()).toBe(String(TREND_WINDOW));
    const note = w.page.locator('[data-testid=trend-window-note]');
    expect(await note.textContent()).toContain(`Showing ${TREND_WINDOW * SAVES + 1} of ${TRAINING_RUNS * SAVES + 1} checkpoints`);
    // The page no longer downloads the checkpoint list to draw its controls.
    expect(w.log.requests.some((u) => new URL(u).pathname === '/api/checkpoints')).toBe(false);

    await select.selectOption('3');
    await w.page.waitForURL((u) => u.searchParams.get('window') === '3');
    await waitReady(w.page);
    expect(await chartedNames(w.page)).toEqual(expectedNames(d, 3));
    expect(await note.textContent()).toContain(`Showing ${3 * SAVES + 1} of ${TRAINING_RUNS * SAVES + 1} checkpoints: the 3 most recent of ${TRAINING_RUNS + 1} training runs`);

    await w.page.locator('select[data-testid=trend-window]').selectOption('0');
    await w.page.waitForURL((u) => u.searchParams.get('window') === '0');
    await waitReady(w.page);
    expect(await chartedNames(w.page)).toEqual(expectedNames(d, 0));
    expect(await w.page.locator('[data-testid=trend-window-note]').count()).toBe(0);

    // A reload keeps the window (state in the URL).
    await w.page.reload();
    await waitReady(w.page);
    expect(await w.page.locator('select[data-testid=trend-window]').inputValue()).toBe('0');
    expect(await chartedNames(w.page)).toEqual(expectedNames(d, 0));
    expectClean(w.log, d);
  });
});
