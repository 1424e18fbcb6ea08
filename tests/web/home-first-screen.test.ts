/*
 * The first screen of `/` answers "did the data mix trade blog quality for bio accuracy?": the
 * trade-off chart and the gate's latest verdict (GET /api/gate, no parameters) are in the first
 * viewport at 1440×900 and come before the per-step charts at 390 px; the metric picker is one
 * collapsed line that opens to the registry's named groups and a search box. Expected values come
 * from the API and the registry, never from the page.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { metricDef } from '../../server/scoring/metric-registry.js';
import { pageUrl } from '../../server/shared/page-urls.js';
import {
  apiGet, completeRun, describeBrowser, expectClean, openPage, paintedPixels, SCREENS, screenName, startDashboard, startEndpoint, visit, waitReady,
} from '../helpers/browser.js';
import { FILES, scripted, seedDashboard, SETS } from './seed.js';

interface Box { top: number; bottom: number; left: number; right: number }
const box = (page: Page, selector: string): Promise<Box> => page.$eval(selector, (el: { getBoundingClientRect(): Box }) => {
  const r = el.getBoundingClientRect();
  return { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
});

/** Records, in the order they are created, which figure each chart's canvas is drawn in. */
const RECORD_CANVASES = `window.__canvases = [];
new MutationObserver((records) => { for (const r of records) for (const n of r.addedNodes) if (n.nodeName === 'CANVAS') window.__canvases.push(n.closest('figure')?.getAttribute('data-testid') ?? null); })
  .observe(document, { childList: true, subtree: true });`;

/** Every text of the page, folded or not. */
const pageText = (page: Page) => page.evaluate('document.body.textContent') as Promise<string>;

describeBrowser('the first screen of /, in chromium', (browser) => {
  for (const screen of SCREENS.filter((s) => s.width === 1440)) {
    it(`${screenName(screen)}: the trade-off chart (drawn first) and the gate's verdict are fully in the first viewport, and the verdict is GET /api/gate's`, async () => {
      const s = await seedDashboard();
      const gate = (await apiGet(s.d, '/api/gate')).body;
      expect(gate.reference.kind, 'the seed flags a baseline').toBe('baseline');
      const w = await openPage(browser(), screen);
      await w.page.addInitScript(RECORD_CANVASES);
      expect(await visit(w, s.d, '/')).toBe('trend');
      expect(await w.page.evaluate('window.scrollY')).toBe(0);
      expect(await w.page.locator('[data-testid=headline] h2').first().textContent()).toBe('Did the data mix trade blog quality for bio accuracy?');
      // Inside the viewport, without scrolling: the chart's canvas and the whole verdict card.
      for (const sel of ['[data-testid=headline] [data-testid=tradeoff] canvas', '[data-testid=headline] [data-testid=verdict-card]']) {
        const b = await box(w.page, sel);
        expect(b.top, `${sel} top`).toBeGreaterThanOrEqual(0);
        expect(b.left, `${sel} left`).toBeGreaterThanOrEqual(0);
        expect(b.bottom, `${sel} bottom`).toBeLessThanOrEqual(screen.height);
        expect(b.right, `${sel} right`).toBeLessThanOrEqual(screen.width);
      }
      expect(await paintedPixels(w.page, '[data-testid=tradeoff] canvas')).toBeGreaterThan(1000);
      // Beside each other, not stacked.
      const chart = await box(w.page, '[data-testid=tradeoff]');
      const card = await box(w.page, '[data-testid=verdict-card]');
      expect(card.left).toBeGreaterThanOrEqual(chart.right);
      // Charts mount one per frame; the headline's is the first.
      expect(((await w.page.evaluate('window.__canvases')) as string[])[0]).toBe('tradeoff');

      // The verdict as the API gives it: verdict, head run, the reference and why, what regressed, the pair's link.
      const verdict = w.page.locator('[data-testid=verdict-card] [data-testid=gate-verdict]');
      expect(await verdict.getAttribute('data-verdict')).toBe(gate.verdict);
      expect(await verdict.getAttribute('data-head-run')).toBe(String(gate.head.runId));
      expect(await verdict.getAttribute('data-reference-kind')).toBe(gate.reference.kind);
      expect(await w.page.locator('[data-testid=gate-head]').textContent()).toContain(`${gate.head.checkpoint} (step ${gate.head.step}) · run ${gate.head.runId}`);
      const reference = (await w.page.locator('[data-testid=gate-reference]').textContent()) ?? '';
      expect(reference).toContain(`${gate.baseline.checkpoint} (step ${gate.baseline.step}) · run ${gate.baseline.runId}`);
      expect(reference).toContain(gate.reference.why);
      const regressed = gate.metrics.filter((m: { verdict: string }) => m.verdict === 'regression').map((m: { metric: string }) => metricDef(m.metric)!.label);
      expect(await w.page.locator('[data-testid=gate-regressed]').textContent()).toBe(regressed.length === 0 ? 'none' : regressed.join(', '));
      expect(await w.page.locator('[data-testid=gate-compare-link]').getAttribute('href'))
        .toBe(pageUrl('', 'compare', {}, { base: gate.baseline.runId, head: gate.head.runId }));
      // The one-line verdict is text of the page; the warnings wait folded.
      expect(await verdict.locator('.gate-line').textContent()).toMatch(new RegExp(`^Gate: ${gate.verdict === 'pass' ? 'pass' : gate.verdict === 'regression' ? 'REGRESSION' : gate.verdict}`));
      expect(await verdict.locator('details').getAttribute('open')).toBeNull();
      // The link opens that pair on /compare, whose banner gives the same verdict.
      await w.page.locator('[data-testid=gate-compare-link]').click();
      expect(await waitReady(w.page)).toBe('compare');
      expect(await w.page.locator('[data-testid=gate-verdict]').getAttribute('data-verdict')).toBe(gate.verdict);
      expect(await w.page.locator('[data-testid=pick-head]').inputValue()).toBe(String(gate.head.runId));
      expectClean(w.log, s.d);
    });
  }

  for (const screen of SCREENS.filter((s) => s.width === 390)) {
    it(`${screenName(screen)}: the trade-off chart and the verdict come before the per-step charts, and nothing is wider than the screen`, async () => {
      const s = await seedDashboard();
      const gate = (await apiGet(s.d, '/api/gate')).body;
      const w = await openPage(browser(), screen);
      expect(await visit(w, s.d, '/')).toBe('trend');
      const chart = await box(w.page, '[data-testid=tradeoff] canvas');
      const card = await box(w.page, '[data-testid=verdict-card]');
      const firstStep = await box(w.page, 'figure[data-testid^="trend-"]');
      // Stacked: the chart, then the verdict, then the per-step charts.
      expect(chart.bottom).toBeLessThanOrEqual(card.top);
      expect(card.bottom).toBeLessThanOrEqual(firstStep.top);
      expect(chart.top, 'the chart starts on the first screen').toBeLessThan(screen.height);
      expect(chart.right).toBeLessThanOrEqual(screen.width);
      expect(await w.page.locator('[data-testid=verdict-card] [data-testid=gate-verdict]').getAttribute('data-verdict')).toBe(gate.verdict);
      const widths = await w.page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]') as [number, number];
      expect(widths[0], 'the page scrolls sideways').toBeLessThanOrEqual(widths[1]);
      // Opened, the picker fits too.
      await w.page.locator('[data-testid=metric-summary]').click();
      const widthsOpen = await w.page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]') as [number, number];
      expect(widthsOpen[0], 'the open picker scrolls the page sideways').toBeLessThanOrEqual(widthsOpen[1]);
      expectClean(w.log, s.d);
    });
  }

  it('the picker: one line saying what is charted; its search keeps only matching metrics under the registry\'s group names; a pick goes into the URL and adds its chart', async () => {
    const s = await seedDashboard();
    const defs = (await apiGet(s.d, '/api/metrics')).body as { metrics: Array<{ name: string; label: string; description: string; group: string }>; groups: Array<{ id: string; label: string }> };
    const w = await openPage(browser(), SCREENS.find((x) => x.width === 1440 && x.colorScheme === 'light'));
    await visit(w, s.d, '/');
    const picker = w.page.locator('[data-testid=metric-picker]');
    expect(await picker.locator('input[type=checkbox]').count()).toBe(defs.metrics.length);
    expect(await picker.locator('input[type=checkbox]').first().isVisible(), 'collapsed').toBe(false);
    await w.page.locator('[data-testid=metric-summary]').click();
    // Every group the registry names (that has a metric), in its order, each under its label.
    const present = defs.groups.filter((g) => defs.metrics.some((m) => m.group === g.id));
    expect(await picker.locator('fieldset.metric-group legend').allTextContents()).toEqual(present.map((g) => g.label));
    for (const g of present) {
      expect(await valuesIn(w.page, `fieldset[data-group="${g.id}"] input[type=checkbox]`), g.id).toEqual(defs.metrics.filter((m) => m.group === g.id).map((m) => m.name));
    }

    await w.page.locator('[data-testid=metric-search]').fill('bio');
    const matching = defs.metrics.filter((m) => `${m.label} ${m.name} ${m.description}`.toLowerCase().includes('bio'));
    expect(matching.map((m) => m.name)).toEqual(expect.arrayContaining(['bio_accuracy', 'set:bio']));
    expect(matching.length).toBeLessThan(defs.metrics.length / 2);
    expect(await visibleValues(w.page)).toEqual(matching.map((m) => m.name));
    expect(await w.page.locator('fieldset.metric-group:visible legend').allTextContents())
      .toEqual(defs.groups.filter((g) => matching.some((m) => m.group === g.id)).map((g) => g.label));
    // Nothing matches: it says so.
    await w.page.locator('[data-testid=metric-search]').fill('no metric is called this');
    expect(await visibleValues(w.page)).toEqual([]);
    expect(await w.page.locator('[data-testid=metric-search-none]').isVisible()).toBe(true);

    // Pick set:bio (found by its search): the URL keeps the four defaults and adds it; its chart appears.
    await w.page.locator('[data-testid=metric-search]').fill('bio');
    await w.page.locator('[data-testid=metric-picker] input[value="set:bio"]').check();
    await w.page.waitForURL((u) => u.searchParams.getAll('metric').includes('set:bio'));
    await waitReady(w.page);
    expect(new URL(w.page.url()).searchParams.getAll('metric')).toEqual(['bio_accuracy', 'blog_quality', 'hallucination_rate', 'known_accuracy', 'set:bio']);
    expect(await w.page.locator('[data-testid="trend-set:bio"]').count()).toBe(1);
    expect(await paintedPixels(w.page, '[data-testid="trend-set:bio"] canvas')).toBeGreaterThan(1000);
    const setBio = (await apiGet(s.d, '/api/trend?metric=set:bio')).body.series[0];
    expect(await w.page.locator('[data-testid="trend-set:bio"] tr[data-testid=trend-row]').count()).toBe(setBio.points.length);
    // Still open, the search kept, and the summary names it.
    expect(await w.page.locator('[data-testid=metric-search]').inputValue()).toBe('bio');
    expect(await visibleValues(w.page)).toEqual(matching.map((m) => m.name));
    expect(await w.page.locator('[data-testid=metric-summary]').textContent()).toMatch(/^5 metrics charted: .*Set bio: score$/);
    expectClean(w.log, s.d);
  });

  it('without a reference the card says so and what to do, and without a completed run it asks nothing; no page text names a CLI flag', async () => {
    const endpoint = await startEndpoint(scripted({ 'model-a': { right: ['bio-blog'], halluc: [], known: 2, blog: 1 } }));
    const d = await startDashboard(FILES);
    d.store.checkpoints.add({ name: 'only-one', baseUrl: endpoint.url, model: 'model-a', step: 100 });
    const w = await openPage(browser(), SCREENS.find((x) => x.width === 390 && x.colorScheme === 'light'));

    // Registered, never run: nothing to gate, and the page does not ask the gate.
    expect(await visit(w, d, '/')).toBe('trend');
    const verdict = w.page.locator('[data-testid=verdict-card] [data-testid=gate-verdict]');
    expect(await verdict.textContent()).toMatch(/^No verdict yet: no checkpoint has a completed run/);
    expect(await verdict.getAttribute('data-verdict')).toBeNull();
    expect(w.log.requests.filter((u) => new URL(u).pathname === '/api/gate')).toEqual([]);
    expect(await pageText(w.page)).not.toMatch(/--\w/);

    // Run, but no baseline, no base checkpoint, no run= tag: the gate has no reference.
    const runId = await completeRun(d, 'only-one', SETS);
    const gate = (await apiGet(d, '/api/gate')).body;
    expect(gate).toMatchObject({ verdict: 'no-baseline', head: { runId }, baseline: null, reference: { kind: 'none' } });
    await w.page.reload();
    expect(await waitReady(w.page)).toBe('trend');
    expect(await verdict.getAttribute('data-verdict')).toBe('no-baseline');
    expect(await verdict.getAttribute('data-reference-kind')).toBe('none');
    expect(await w.page.locator('[data-testid=gate-head]').textContent()).toContain(`only-one (step 100) · run ${runId}`);
    const text = (await verdict.textContent()) ?? '';
    expect(text).toMatch(/^Gate: not gated: no baseline/);
    expect(text).toContain('no other checkpoint is flagged as the baseline');
    expect(text).toContain('flag a baseline checkpoint');
    expect(await w.page.locator('[data-testid=gate-compare-link]').count()).toBe(0);
    expect(await pageText(w.page)).not.toMatch(/--\w/);
    expectClean(w.log, d);
  });
});

/** The values of the checkboxes a selector matches. */
function valuesIn(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (els) => els.map((e) => (e as unknown as { value: string }).value));
}

/** The metrics the open picker shows now (its search applied). */
function visibleValues(page: Page): Promise<string[]> {
  return page.locator('[data-testid=metric-picker] label[data-metric]:visible input').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
}
