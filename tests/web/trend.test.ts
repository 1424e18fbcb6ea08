/*
 * `/` in a real browser: the per-metric trend tables and charts, the trade-off table's Pareto set,
 * the controls (all state in the query string), a click on a chart point, and the empty state.
 * Every expected value comes from the store (the runner's stored summaries), never the page.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import {
  describeBrowser, expectClean, fmt3, fmtCi3, getMarker, openPage, paintedPixels, readRows, setMarker, startDashboard, visit, waitReady,
  type CanvasLike,
} from '../helpers/browser.js';
import { metricDef } from '../../server/scoring/metric-registry.js';
import { CHECKPOINTS, FILES, paretoSet, seedDashboard, storedSummary, type Seeded } from './seed.js';

const DEFAULT_METRICS = ['bio_accuracy', 'blog_quality', 'hallucination_rate', 'known_accuracy'];
/** The registry's labels of metrics, as the collapsed picker lists them. */
const labels = (names: readonly string[]) => names.map((n) => metricDef(n)!.label).join(', ');

/** The stored value of `metric` for every checkpoint's latest completed run. */
function storedValues(s: Seeded, metric: string, only: (name: string) => boolean = () => true) {
  return Object.entries(s.latest).filter(([name]) => only(name)).map(([name, runId]) => ({ name, runId, value: storedSummary(s.d, runId).metrics[metric]! }));
}

/** Expected Pareto set of the trade-off table, from stored values. */
function expectedPareto(s: Seeded, x: string, y: string, only?: (name: string) => boolean): Set<string> {
  const ys = new Map(storedValues(s, y, only).map((p) => [p.name, p.value]));
  return paretoSet(storedValues(s, x, only).map((p) => ({ name: p.name, x: p.value, y: ys.get(p.name)! })), x, y);
}

async function tradeoffRows(page: Page): Promise<Map<string, string>> {
  const rows = await readRows(page, '[data-testid=tradeoff] table[data-testid=tradeoff-table] tr[data-testid=tradeoff-row]');
  return new Map(rows.map((r) => [r.attrs['data-checkpoint']!, r.attrs['data-pareto']!]));
}

const truthy = (set: Set<string>, names: Iterable<string>) => new Map([...names].map((n) => [n, String(set.has(n))]));

describeBrowser('dashboard / (across checkpoints), in chromium', (browser) => {

  it('each default metric\'s trend table has one row per checkpoint with a completed run, with the stored value, interval and n of its latest run; the charts are painted', async () => {
    const s = await seedDashboard();
    // The scenario must make "latest run" matter: bio-1000's two runs differ on every trade-off axis.
    const [first, latest] = s.runs['bio-1000']!;
    expect(latest).toBe(s.latest['bio-1000']);
    expect(storedSummary(s.d, first!).metrics.bio_accuracy).not.toBe(storedSummary(s.d, latest!).metrics.bio_accuracy);

    const w = await openPage(browser());
    expect(await visit(w, s.d, '/')).toBe('trend');
    const withRuns = Object.keys(s.latest).sort();
    expect(withRuns).toEqual(CHECKPOINTS.filter((c) => c.name !== 'bio-3000').map((c) => c.name).sort());

    for (const metric of DEFAULT_METRICS) {
      const panel = `[data-testid="trend-${metric}"]`;
      const rows = await readRows(w.page, `${panel} table[data-testid=trend-table] tr[data-testid=trend-row]`);
      expect(rows.map((r) => r.attrs['data-checkpoint']).sort(), metric).toEqual(withRuns);
      for (const r of rows) {
        const name = r.attrs['data-checkpoint']!;
        const runId = s.latest[name]!;
        const summary = storedSummary(s.d, runId);
        const step = CHECKPOINTS.find((c) => c.name === name)!.step;
        expect(r.attrs['data-run'], `${metric} ${name}`).toBe(String(runId));
        expect(r.cells[0], `${metric} ${name}`).toMatch(new RegExp(`^${name}`));
        expect(r.cells[1], `${metric} ${name} step`).toBe(String(step));
        expect(r.cells[3], `${metric} ${name} value`).toBe(fmt3(summary.metrics[metric]));
        expect(r.cells[4], `${metric} ${name} interval`).toBe(fmtCi3(summary.stats[metric]!.ci));
        expect(r.cells[5], `${metric} ${name} n`).toBe(String(summary.stats[metric]!.n));
        expect(r.cells[6], `${metric} ${name} run`).toContain(String(runId));
        expect(await w.page.locator(`${panel} tr[data-checkpoint="${name}"] a[href="/runs/${runId}"]`).count()).toBe(1);
      }
      // Painted: thousands of non-blank pixels (axes, lines, points, whiskers), not an empty canvas.
      expect(await w.page.locator(`${panel} canvas`).count()).toBe(1);
      expect(await paintedPixels(w.page, `${panel} canvas`), `${metric} chart`).toBeGreaterThan(1000);
    }
    expect(await paintedPixels(w.page, '[data-testid=tradeoff] canvas'), 'trade-off chart').toBeGreaterThan(1000);

    // Latest runs: every run (7 < 10), newest first, with its stored status.
    await w.page.waitForSelector('table[data-testid=latest-runs]');
    const latestRows = await readRows(w.page, 'table[data-testid=latest-runs] tbody tr');
    const all = Object.values(s.runs).flat().sort((a, b) => b - a);
    expect(latestRows.map((r) => r.cells[0])).toEqual(all.map((id) => `run ${id}`));
    expect(latestRows.map((r) => r.cells[2])).toEqual(all.map((id) => s.d.store.runs.get(id).status));
    expectClean(w.log, s.d);
  });

  it('the trade-off table marks exactly the Pareto-optimal checkpoints (blog quality × bio accuracy, and with x=hallucination_rate, lower is better)', async () => {
    const s = await seedDashboard();
    const names = Object.keys(s.latest);
    const byDefault = expectedPareto(s, 'blog_quality', 'bio_accuracy');
    const byHallucination = expectedPareto(s, 'hallucination_rate', 'bio_accuracy');
    // The scenario is only a test if the two sets differ and neither is trivial.
    expect([...byDefault].sort()).toEqual(['bio-1000', 'bio-2000', 'blog-2000']);
    expect([...byHallucination]).toEqual(['bio-2000']);

    const w = await openPage(browser());
    await visit(w, s.d, '/');
    expect(await tradeoffRows(w.page)).toEqual(truthy(byDefault, names));
    const note = (await w.page.locator('[data-testid=pareto-note]').textContent()) ?? '';
    for (const n of names) expect(note.includes(n), `pareto note names ${n}`).toBe(byDefault.has(n));

    // ?x=hallucination_rate, through the control: it goes into the URL and the view renders from it.
    await w.page.locator('[data-testid=tradeoff-x]').selectOption('hallucination_rate');
    await w.page.waitForURL(/[?&]x=hallucination_rate/);
    await waitReady(w.page);
    expect(await w.page.locator('[data-testid=tradeoff-x]').inputValue()).toBe('hallucination_rate');
    expect(await tradeoffRows(w.page)).toEqual(truthy(byHallucination, names));
    // Opened directly, the same URL gives the same set.
    await visit(w, s.d, '/?x=hallucination_rate');
    expect(await tradeoffRows(w.page)).toEqual(truthy(byHallucination, names));
    // And y: known accuracy against blog quality.
    await w.page.locator('[data-testid=tradeoff-y]').selectOption('known_accuracy');
    await w.page.waitForURL(/[?&]y=known_accuracy/);
    await waitReady(w.page);
    expect(await tradeoffRows(w.page)).toEqual(truthy(expectedPareto(s, 'hallucination_rate', 'known_accuracy'), names));
    expectClean(w.log, s.d);
  });

  it('the controls keep their state in the query string: metric picker, tag filter, colour', async () => {
    const s = await seedDashboard();
    const w = await openPage(browser());
    await visit(w, s.d, '/');
    const panels = () => w.page.$$eval('figure[data-testid^="trend-"]', (els) => els.map((e) => e.getAttribute('data-testid')));
    expect(await panels()).toEqual(DEFAULT_METRICS.map((m) => `trend-${m}`));

    // The router's contract: data-ready goes when a render starts and comes back when it is done.
    await w.page.evaluate(`(() => {
      const view = document.getElementById('view');
      window.__readyLog = [];
      new MutationObserver(() => window.__readyLog.push(view.hasAttribute('data-ready'))).observe(view, { attributes: true, attributeFilter: ['data-ready'] });
    })()`);
    // Every registered metric can be charted, the likelihood metrics too (from GET /api/metrics).
    expect(await w.page.locator('[data-testid=metric-picker] input[value=knowledge_margin]').count()).toBe(1);
    // The picker is one collapsed line saying what is charted; opened, untick hallucination rate: three panels, the choice in the URL.
    expect(await w.page.locator('[data-testid=metric-picker] input[value=hallucination_rate]').isVisible()).toBe(false);
    expect(await w.page.locator('[data-testid=metric-summary]').textContent()).toBe(`4 metrics charted: ${labels(DEFAULT_METRICS)}`);
    await w.page.locator('[data-testid=metric-summary]').click();
    await w.page.locator('[data-testid=metric-picker] input[value=hallucination_rate]').uncheck();
    await w.page.waitForURL((u) => u.searchParams.getAll('metric').length === 3 && !u.searchParams.getAll('metric').includes('hallucination_rate'));
    await waitReady(w.page);
    expect((await panels()).sort()).toEqual(['trend-bio_accuracy', 'trend-blog_quality', 'trend-known_accuracy']);
    expect(await w.page.evaluate('window.__readyLog')).toEqual([false, true]);
    // The picker stays open after a pick, with the focus on the box just unticked.
    expect(await w.page.locator('[data-testid=metric-picker]').getAttribute('open')).not.toBeNull();
    await expect.poll(() => w.page.evaluate('document.activeElement?.value')).toBe('hallucination_rate');
    expect(await w.page.locator('[data-testid=metric-summary]').textContent()).toBe(`3 metrics charted: ${labels(DEFAULT_METRICS.filter((m) => m !== 'hallucination_rate'))}`);

    // Only mix=bio-v2: its checkpoints with a completed run, nothing else.
    await w.page.locator('[data-testid=tag-filter]').selectOption('mix=bio-v2');
    await w.page.waitForURL((u) => u.searchParams.get('tag') === 'mix=bio-v2');
    await waitReady(w.page);
    const bioV2 = CHECKPOINTS.filter((c) => c.tags.mix === 'bio-v2' && s.latest[c.name] !== undefined).map((c) => c.name).sort();
    expect(bioV2).toEqual(['bio-1000', 'bio-2000']);
    const rows = await readRows(w.page, '[data-testid="trend-bio_accuracy"] tr[data-testid=trend-row]');
    expect(rows.map((r) => r.attrs['data-checkpoint']).sort()).toEqual(bioV2);
    expect(await tradeoffRows(w.page)).toEqual(truthy(expectedPareto(s, 'blog_quality', 'bio_accuracy', (n) => bioV2.includes(n)), bioV2));

    // Colour by mix, then by nothing: the group column follows.
    await visit(w, s.d, '/?colour=mix');
    const groups = async () => new Map((await readRows(w.page, '[data-testid="trend-known_accuracy"] tr[data-testid=trend-row]')).map((r) => [r.attrs['data-checkpoint']!, r.cells[2]!]));
    const mixOf = (name: string) => CHECKPOINTS.find((c) => c.name === name)!.tags.mix;
    expect(await groups()).toEqual(new Map(Object.keys(s.latest).map((n) => [n, mixOf(n) === undefined ? 'no mix' : `mix=${mixOf(n)}`])));
    expect(await w.page.locator('[data-testid=colour-by]').inputValue()).toBe('mix');
    await w.page.locator('[data-testid=colour-by]').selectOption('');
    await w.page.waitForURL((u) => u.searchParams.get('colour') === '');
    await waitReady(w.page);
    expect([...(await groups()).values()]).toEqual(Object.keys(s.latest).map(() => 'all checkpoints'));
    expectClean(w.log, s.d);
  });

  it('clicking a point of a trend chart opens that checkpoint\'s run without a page load', async () => {
    const s = await seedDashboard();
    const w = await openPage(browser());
    // One checkpoint carries release=candidate: one point on the chart, no line, no legend.
    await visit(w, s.d, '/?metric=bio_accuracy&tag=release=candidate');
    const runId = s.latest['bio-2000']!;
    expect((await readRows(w.page, 'tr[data-testid=trend-row]')).map((r) => r.attrs['data-run'])).toEqual([String(runId)]);
    const canvas = w.page.locator('[data-testid="trend-bio_accuracy"] canvas');
    // The point: the centre of the pixels of its colour (Okabe–Ito blue, the first group) whose 5×5 block is all that colour.
    const centre = await canvas.evaluate((el: CanvasLike) => {
      const { data, width, height } = el.getContext('2d')!.getImageData(0, 0, el.width, el.height);
      const blue = (x: number, y: number) => {
        const i = 4 * (y * width + x);
        return data[i + 3]! > 200 && Math.abs(data[i]! - 0x00) < 40 && Math.abs(data[i + 1]! - 0x72) < 40 && Math.abs(data[i + 2]! - 0xb2) < 40;
      };
      let sx = 0;
      let sy = 0;
      let n = 0;
      for (let y = 2; y < height - 2; y++) {
        for (let x = 2; x < width - 2; x++) {
          let all = true;
          for (let dy = -2; dy <= 2 && all; dy++) for (let dx = -2; dx <= 2 && all; dx++) all = blue(x + dx, y + dy);
          if (all) { sx += x; sy += y; n++; }
        }
      }
      const r = el.getBoundingClientRect();
      return n === 0 ? null : { x: (sx / n) * (r.width / width), y: (sy / n) * (r.height / height) };
    });
    expect(centre, 'the point is drawn').not.toBeNull();
    await setMarker(w.page);
    await canvas.click({ position: centre! });
    await w.page.waitForURL(`${s.d.url}/runs/${runId}`);
    expect(await waitReady(w.page)).toBe('run');
    expect(await getMarker(w.page), 'no page load happened').toBe(1);
    expect(await w.page.locator('h1').textContent()).toContain('bio-2000');
    expectClean(w.log, s.d);
  });

  it('shows the empty state on a database without checkpoints, and without completed runs', async () => {
    const d = await startDashboard(FILES);
    const w = await openPage(browser());
    expect(await visit(w, d, '/')).toBe('trend');
    await expect.poll(() => w.page.locator('[data-testid=empty-state]').isVisible()).toBe(true);
    expect(await w.page.locator('canvas').count()).toBe(0);

    d.store.checkpoints.add({ name: 'registered-only', baseUrl: 'http://127.0.0.1:9/v1', model: 'm', step: 1 });
    await w.page.reload();
    expect(await waitReady(w.page)).toBe('trend');
    expect(await w.page.locator('[data-testid=empty-state]').isVisible()).toBe(true);
    expect(await w.page.locator('[data-testid=empty-state]').textContent()).toContain('registered-only');
    expect(await w.page.locator('tr[data-testid=trend-row]').count()).toBe(0);
    expectClean(w.log, d);
  });
});
