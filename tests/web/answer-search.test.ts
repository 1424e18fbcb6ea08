/*
 * The text search over prompts and answers (data-testid="answer-search") on /runs/ID (searched on
 * the server: results are paged) and on /compare (flips, "score moved" and blog items), and the
 * "score moved" outcome filter. A word found in exactly k answers shows exactly those k items,
 * whatever its case or width (NFKC), in Chinese too; matches are marked; the URL keeps q across a
 * reload. Expected items come from the stored answers and the API, not from the page.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { parseEvalSetText } from '../../server/evalsets/parse-file.js';
import type { EvalSet } from '../../server/evalsets/types.js';
import { apiGet, describeBrowser, expectClean, openPage, readRows, SCREENS, screenName, startDashboard, waitReady, visit, type Dashboard, type Screen } from '../helpers/browser.js';
import { answeredRun } from '../helpers/synthetic.js';

const TWO_SCREENS: Screen[] = [SCREENS.find((s) => s.width === 390 && s.colorScheme === 'dark')!, SCREENS.find((s) => s.width === 1440 && s.colorScheme === 'light')!];

const KW = ['alpha', 'beta', 'gamma', 'delta'];
const N = 130; // more than two pages of results (50 a page): the search must run on the server
const id = (i: number) => `q${String(i).padStart(3, '0')}`;
const SET: EvalSet = parseEvalSetText(Array.from({ length: N }, (_, i) => JSON.stringify({ id: id(i), prompt: `Question ${i}: which letters?`, keywords: KW })).join('\n'), 'bio.jsonl', 'bio').set;
const naming = (k: number) => KW.slice(0, k).join(', ');

/** Before and after, per item: most unchanged; some learned; q003 forgotten, q064, q090, q127 only moved. */
function answers(i: number): [string, string] {
  if (i === 3) return [naming(4), `${naming(1)} near Guangzhou.`];
  if (i === 64) return [naming(3), `${naming(1)}: GUANGZHOU`];
  if (i === 127) return [naming(2), `${naming(1)} ｇｕａｎｇｚｈｏｕ`];
  if (i === 90) return [naming(3), `汇丰 ${naming(1)}`];
  if (i === 10) return [naming(2), `${naming(2)} 他在汇丰工作`];
  if (i === 50) return [naming(2), `${naming(2)} Guang zhou`]; // not the word
  if (i % 10 === 1) return [naming(3), naming(4)];
  return [naming(2), naming(2)];
}

async function seed(): Promise<{ d: Dashboard; base: number; head: number }> {
  const d = await startDashboard({});
  const index = new Map(SET.items.map((it, i) => [it.id, i]));
  const base = answeredRun(d.store, { checkpoint: 'before', step: 0 }, [SET], (it) => answers(index.get(it.id)!)[0]);
  const head = answeredRun(d.store, { checkpoint: 'after', step: 100 }, [SET], (it) => answers(index.get(it.id)!)[1]);
  return { d, base, head };
}

/** What the page's search must find, by the test's own reading of the stored text (NFKC, lower case). */
const has = (word: string, ...texts: Array<string | null>) => texts.some((t) => t !== null && t.normalize('NFKC').toLowerCase().includes(word.normalize('NFKC').toLowerCase()));

type Doc = { querySelectorAll(s: string): ArrayLike<{ getAttribute(n: string): string | null }> };

/** Types into the search box and waits until the URL holds it and the list shows `rows` (selector) with `want` data-item values. */
async function search(page: Page, text: string, rows: string, want: readonly string[]): Promise<void> {
  await page.locator('[data-testid=answer-search]').fill(text);
  await page.waitForURL((u) => u.searchParams.get('q') === text);
  await page.waitForFunction(([q, w]) => Array.from((globalThis as unknown as { document: Doc }).document.querySelectorAll(q)).map((e) => e.getAttribute('data-item')).join() === w, [rows, want.join()] as const, { timeout: 5000 })
    .catch(async () => expect((await readRows(page, rows)).map((r) => r.attrs['data-item'])).toEqual(want));
}

/** The marked (found) texts in the rows, each folded: all must be the word. */
const foundMarks = (page: Page, rows: string) => page.$$eval(`${rows} mark.found`, (ms) => ms.map((m) => (m.textContent ?? '').normalize('NFKC').toLowerCase()));

describeBrowser('text search over prompts and answers, and "score moved", in chromium', (browser) => {
  for (const screen of TWO_SCREENS) {
    it(`/runs/ID: the server finds exactly the answers with the word, any case or width, in Chinese too; marked; q in the URL survives a reload (${screenName(screen)})`, async () => {
      const { d, head } = await seed();
      const stored = d.store.results.list(head);
      const expectFor = (word: string) => stored.filter((r) => has(word, r.prompt, r.answer)).map((r) => `bio/${r.itemId}`);
      expect(expectFor('guangzhou')).toEqual(['bio/q003', 'bio/q064', 'bio/q127']);
      expect(expectFor('汇丰')).toEqual(['bio/q010', 'bio/q090']);
      expect((await apiGet(d, `/api/runs/${head}/results?q=guangzhou`)).body.total).toBe(3);

      const w = await openPage(browser(), screen);
      expect(await visit(w, d, `/runs/${head}`)).toBe('run');
      expect(await w.page.locator('[data-testid=answer-search]').getAttribute('type')).toBe('search');
      const rows = 'table[data-testid=items-table] tr[data-testid=item-row]';
      await search(w.page, 'guangzhou', rows, expectFor('guangzhou'));
      expect(await w.page.locator('[data-testid=search-count]').textContent()).toBe('3 answers match');
      expect(await w.page.locator('[data-testid=page-info]').textContent()).toContain('(3 results)');
      expect(await foundMarks(w.page, rows)).toEqual(['guangzhou', 'guangzhou', 'guangzhou']);
      // Full-width capitals find the same three.
      await search(w.page, 'ＧＵＡＮＧＺＨＯＵ', rows, expectFor('guangzhou'));
      await search(w.page, '汇丰', rows, expectFor('汇丰'));
      expect(await foundMarks(w.page, rows)).toEqual(['汇丰', '汇丰']);
      await w.page.reload();
      await waitReady(w.page);
      expect(await w.page.locator('[data-testid=answer-search]').inputValue()).toBe('汇丰');
      expect((await readRows(w.page, rows)).map((r) => r.attrs['data-item'])).toEqual(expectFor('汇丰'));
      // Cleared: every result again (the first page).
      await w.page.locator('[data-testid=answer-search]').fill('');
      await w.page.waitForURL((u) => !u.searchParams.has('q'));
      await w.page.waitForFunction(() => (globalThis as unknown as { document: Doc }).document.querySelectorAll('tr[data-testid=item-row]').length === 50);
      // The search box fits the screen (390 px too).
      expect(await w.page.evaluate("document.querySelector('.search-control').getBoundingClientRect().right <= document.documentElement.clientWidth")).toBe(true);
      expectClean(w.log, d);
    });

    it(`/compare: "score moved" lists the items whose score changed without changing outcome, largest change first; the search filters flips and moved items (${screenName(screen)})`, async () => {
      const { d, base, head } = await seed();
      const cmp = (await apiGet(d, `/api/compare?base=${base}&head=${head}`)).body as {
        flips: Array<{ set: string; id: string; prompt: string; base: { answer: string }; head: { answer: string } }>;
        moved: Array<{ set: string; id: string; prompt: string; change: number; base: { answer: string; score: number }; head: { answer: string; score: number } }>;
      };
      expect(cmp.moved.map((m) => [m.id, m.change])).toEqual([['q064', -0.5], ['q090', -0.5], ['q127', -0.25]]);
      const w = await openPage(browser(), screen);
      expect(await visit(w, d, `/compare?base=${base}&head=${head}&outcome=moved`)).toBe('compare');
      const moved = 'table[data-testid=moved-table] tr[data-testid=moved-row]';
      const shown = await readRows(w.page, moved);
      expect(shown.map((r) => [r.attrs['data-item'], Number(r.attrs['data-change'])])).toEqual(cmp.moved.map((m) => [`${m.set}/${m.id}`, m.change]));
      expect(await w.page.locator('tr[data-testid=flip-row]').count()).toBe(0);
      // Both answers with their keyword marks: q064 had alpha, beta, gamma (0.75) and keeps alpha (0.25).
      const q064 = w.page.locator(`${moved}[data-item="bio/q064"]`);
      expect(await q064.locator('[data-testid=answer]').allTextContents()).toEqual([cmp.moved[0]!.base.answer, cmp.moved[0]!.head.answer]);
      expect(await q064.locator('td').nth(3).locator('[data-testid=kw-hit]').allTextContents()).toEqual(['✓ alpha', '✓ beta', '✓ gamma']);
      expect(await q064.locator('td').nth(4).locator('[data-testid=kw-hit]').allTextContents()).toEqual(['✓ alpha']);

      // The search within score moved: exactly the moved items with the word, marked; the count says so.
      const movedWith = (word: string) => cmp.moved.filter((m) => has(word, m.prompt, m.base.answer, m.head.answer)).map((m) => `${m.set}/${m.id}`);
      expect(movedWith('guangzhou')).toEqual(['bio/q064', 'bio/q127']);
      await search(w.page, 'GuangZhou', moved, movedWith('guangzhou'));
      expect(await w.page.locator('[data-testid=search-count]').textContent()).toBe(`2 of ${cmp.moved.length} items match`);
      expect(await foundMarks(w.page, moved)).toEqual(['guangzhou', 'guangzhou']);
      await search(w.page, '汇丰', moved, movedWith('汇丰'));
      await w.page.reload();
      await waitReady(w.page);
      expect(await w.page.locator('[data-testid=answer-search]').inputValue()).toBe('汇丰');
      expect((await readRows(w.page, moved)).map((r) => r.attrs['data-item'])).toEqual(['bio/q090']);

      // Learned and forgotten: the one forgotten item with the word (q003) among the flips.
      const flipsWith = (word: string) => cmp.flips.filter((f) => has(word, f.prompt, f.base.answer, f.head.answer)).map((f) => `${f.set}/${f.id}`);
      expect(flipsWith('guangzhou')).toEqual(['bio/q003']);
      expect(await visit(w, d, `/compare?base=${base}&head=${head}&q=guangzhou`)).toBe('compare');
      expect((await readRows(w.page, 'tr[data-testid=flip-row]')).map((r) => r.attrs['data-item'])).toEqual(flipsWith('guangzhou'));
      await search(w.page, 'Question 1', 'tr[data-testid=flip-row]', flipsWith('question 1'));
      expect(flipsWith('question 1').length).toBeGreaterThan(1);
      expectClean(w.log, d);
    });
  }
});
