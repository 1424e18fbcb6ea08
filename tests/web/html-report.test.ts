/*
 * The HTML report a reviewer opens from a CI run: written by the CLI (`report`, `gate --html`)
 * from runs the binary made against a hostile scripted endpoint, then opened from disk in real
 * chromium with every network request refused and recorded. Expected values come from the store
 * (compareRuns, gate), not from the file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { compareRuns } from '../../server/compare/compare-runs.js';
import { gate } from '../../server/gate/gate-head.js';
import { htmlReport } from '../../server/gate/html-report.js';
import { readReportBundle } from '../../server/gate/report-bundle.js';
import { openStore } from '../../server/store/open.js';
import { cli } from '../helpers/cli.js';
import { HOSTILE_ANSWERS, hostileProject } from '../helpers/hostile.js';
import { describeBrowser, openPage, paintedPixels, readRows, waitReady } from '../helpers/browser.js';

/** The data element's JSON: what the file carries. */
const reportJson = (html: string) => JSON.parse(/<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html)![1]!);

describeBrowser('the HTML report (report --html, gate --html), opened from disk in chromium', (browser) => {
  it('draws the compare view offline: verdict, chart, metric table with intervals, changed items with keyword marks, provenance; hostile answers stay text', async () => {
    const p = await hostileProject();
    const store = openStore(p.db);
    const [base, head] = ['base', 'head'].map((c) => store.runs.list({}).find((r) => r.checkpoint === c)!.id) as [number, number];
    const expected = { cmp: compareRuns(store, base, head), gate: gate(store, head, base, { allowMismatch: true }) };
    const answers = new Map(store.results.list(head).map((r) => [`${r.set}/${r.itemId}`, r.answer!]));
    store.close();
    expect(expected.gate.verdict).toBe('regression');

    // The CLI writes the file; the gate writes the same view for the pair it gated (and still exits 1).
    const r = await cli(['report', '--base', String(base), '--head', String(head), '--html', 'report.html', '--allow-mismatch', '--db', p.db], { cwd: p.cwd });
    expect(r.code, r.stderr).toBe(0);
    const g = await cli(['gate', '--checkpoint', 'head', '--baseline', 'base', '--allow-mismatch', '--html', 'gate.html', '--db', p.db], { cwd: p.cwd });
    expect(g.code, g.stderr).toBe(1);
    const gated = reportJson(readFileSync(join(p.cwd, 'gate.html'), 'utf8'));
    expect([gated.comparison.base.runId, gated.comparison.head.runId, gated.gate.verdict]).toEqual([base, head, 'regression']);
    const html = readFileSync(join(p.cwd, 'report.html'), 'utf8');
    expect(html).not.toContain('<img');

    const w = await openPage(browser());
    const url = pathToFileURL(join(p.cwd, 'report.html')).href;
    // Every request but the report files themselves is refused and recorded.
    const network: string[] = [];
    const reports = new Set([url, pathToFileURL(join(p.cwd, 'linked.html')).href]);
    await w.page.route('**/*', (route) => {
      if (reports.has(route.request().url())) return route.continue();
      network.push(route.request().url());
      return route.abort();
    });
    const dialogs: string[] = [];
    w.page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await w.page.goto(url);
    expect(await waitReady(w.page)).toBe('report');

    // The verdict and its sensitivity.
    const verdict = w.page.locator('[data-testid=gate-verdict]');
    expect(await verdict.getAttribute('data-verdict')).toBe('regression');
    expect(await verdict.textContent()).toContain('Gate: REGRESSION');
    expect(await w.page.locator('[data-testid=gate-sensitivity] li').count()).toBe(expected.gate.sensitivity.length);
    expect(expected.gate.sensitivity.length).toBeGreaterThan(0);

    // The chart is drawn, and its table lists every metric with a value, each with its interval.
    expect(await paintedPixels(w.page, '[data-testid=compare-metrics] canvas')).toBeGreaterThan(1000);
    const rows = await readRows(w.page, 'tr[data-testid=metric-row]');
    const withValues = Object.entries(expected.cmp.metrics).filter(([, c]) => c.base !== null || c.head !== null).map(([m]) => m);
    expect(rows.map((row) => row.attrs['data-metric'])).toEqual(withValues);
    const bio = rows.find((row) => row.attrs['data-metric'] === 'bio_accuracy')!;
    expect(bio.cells[1]).toContain(expected.cmp.metrics.bio_accuracy!.base!.toFixed(3));
    expect(bio.cells[1]).toMatch(/\[\d\.\d{3}, \d\.\d{3}\]/);
    expect(bio.cells[2]).toMatch(/\[\d\.\d{3}, \d\.\d{3}\]/);
    expect(bio.cells[6]).toBe('regression');

    // Exactly the items that changed outcome, each with both answers and its keyword marks.
    const flips = await readRows(w.page, 'tr[data-testid=flip-row]');
    expect(new Map(flips.map((f) => [f.attrs['data-item'], f.attrs['data-outcome']]))).toEqual(
      new Map(expected.cmp.flips.map((f) => [`${f.set}/${f.id}`, f.to === 'fail' ? 'forgotten' : 'learned'])));
    expect(flips.length).toBe(12);
    const q2 = w.page.locator('tr[data-testid=flip-row][data-item="bio/q2"]');
    expect(await q2.locator('[data-testid=kw-hit]').allTextContents()).toEqual(['✓ question q2']);
    expect(await q2.locator('[data-testid=kw-miss]').allTextContents()).toEqual(['✗ question q2']);

    // Hostile answers are text: the exact stored answer, no element made of it, nothing ran.
    expect(answers.get('bio/q2')).toBe(HOSTILE_ANSWERS[2]);
    expect(await q2.locator('[data-testid=answer]').nth(1).textContent()).toBe(HOSTILE_ANSWERS[2]);
    expect(await w.page.locator('tr[data-testid=flip-row][data-item="bio/q0"] [data-testid=answer]').nth(1).textContent()).toBe(answers.get('bio/q0'));
    expect(await w.page.locator('img, b, iframe, object, embed').count()).toBe(0);
    expect(await w.page.locator('script').count()).toBe(2);

    // Both runs' provenance.
    expect(await w.page.locator('[data-testid=provenance]').count()).toBe(2);

    // A filter works from disk too (its state in memory).
    await w.page.locator('[data-testid=filter-set]').selectOption('bio');
    await waitReady(w.page);
    expect(await w.page.locator('tr[data-testid=flip-row]').count()).toBe(12);

    // Its tables download as CSV too, built in the page under the report's CSP (nothing fetched).
    const [csv] = await Promise.all([w.page.waitForEvent('download'), w.page.locator('.table-box:has(> table[data-testid=flip-table]) [data-testid=download-csv]').click()]);
    expect(csv.suggestedFilename()).toMatch(/^compare-\d+-vs-\d+-flips\.csv$/);
    expect(readFileSync((await csv.path())!, 'utf8').split('\r\n').filter((l) => l !== '').length).toBeGreaterThanOrEqual(13);

    // TUNEGATE_TEST_SCREENSHOTS=DIR keeps a picture of the report to look at.
    const shots = process.env.TUNEGATE_TEST_SCREENSHOTS;
    if (shots !== undefined) await w.page.screenshot({ path: join(shots, 'html-report.png'), fullPage: true });
    // Nothing but the file itself was loaded; nothing ran that the CSP refused; no dialog, no error.
    expect(network).toEqual([]);
    expect(w.log.requests).toEqual([url]);
    expect(w.log.cspViolations).toEqual([]);
    expect(w.log.pageErrors).toEqual([]);
    expect(w.log.consoleErrors).toEqual([]);
    expect(dialogs).toEqual([]);

    // With a dashboard URL (http or https only) the run names link to its run pages.
    const data = reportJson(html);
    for (const [dashboardUrl, href] of [['https://tunegate.example/', `https://tunegate.example/runs/${head}`], ['javascript:alert(1)//', null]] as const) {
      const file = join(p.cwd, 'linked.html');
      writeFileSync(file, htmlReport({ ...data, dashboardUrl }, readReportBundle()));
      await w.page.goto(pathToFileURL(file).href);
      await waitReady(w.page);
      const lede = w.page.locator('p.lede');
      expect(await lede.locator('a').count()).toBe(href === null ? 0 : 2);
      if (href !== null) expect(await lede.locator('a').nth(1).getAttribute('href')).toBe(href);
    }
    expect(network).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
