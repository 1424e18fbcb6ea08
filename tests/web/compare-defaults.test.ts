/*
 * `/compare` without parameters: the gate's default head (the newest checkpoint by step) against
 * the gate's default reference, as GET /api/gate chooses them; the empty state's two run pickers,
 * which search the server (never a list of every run) and lead to the pair. On a phone and a
 * desktop, dark and light; nothing added is wider than the screen.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import {
  apiGet, describeBrowser, expectClean, openPage, SCREENS, screenName, startDashboard, visit, waitReady, type Screen,
} from '../helpers/browser.js';
import { syntheticRun } from '../helpers/synthetic.js';
import { seedDashboard } from './seed.js';

const TWO_SCREENS: Screen[] = [SCREENS.find((s) => s.width === 390 && s.colorScheme === 'dark')!, SCREENS.find((s) => s.width === 1440 && s.colorScheme === 'light')!];

/** Elements matching `selector` that reach past the right edge of the screen (or make the page scroll sideways). */
async function overflowing(page: Page, selector: string): Promise<string[]> {
  return page.evaluate(`(() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll(${JSON.stringify(selector)})].filter((e) => e.getBoundingClientRect().right > width + 0.5)
      .map((e) => e.tagName + '.' + e.className + ' right=' + e.getBoundingClientRect().right + ' > ' + width);
  })()`);
}

type Doc = { querySelectorAll(s: string): ArrayLike<{ getAttribute(n: string): string | null }> };

/** The run ids a picker lists, in order. */
const options = (page: Page, picker: string) => page.locator(`[data-testid=${picker}-results] [data-testid=pick-option]`).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-run'))));

/** Waits until a picker lists exactly `ids`, in order (its search answers after a pause in typing). */
async function waitOptions(page: Page, picker: string, ids: readonly number[]): Promise<void> {
  const sel = `[data-testid=${picker}-results] [data-testid=pick-option]`;
  await page.waitForFunction(([q, want]) => Array.from((globalThis as unknown as { document: Doc }).document.querySelectorAll(q)).map((e) => e.getAttribute('data-run')).join() === want,
    [sel, ids.join()] as const, { timeout: 5000 }).catch(async () => expect(await options(page, picker)).toEqual(ids));
}

describeBrowser('/compare defaults and run pickers, in chromium', (browser) => {
  for (const screen of TWO_SCREENS) {
    it(`without parameters shows the gate's default head and reference, as GET /api/gate picks them (${screenName(screen)})`, async () => {
      const s = await seedDashboard();
      const gate = await apiGet(s.d, '/api/gate');
      expect(gate.status).toBe(200);
      const head = gate.body.head.runId as number;
      const base = gate.body.baseline.runId as number;
      // The rule, from the store: the highest step with a completed run (bio-2000 and blog-2000 at 2000), the newer run of the two.
      expect(head).toBe(Math.max(s.latest['bio-2000']!, s.latest['blog-2000']!));
      expect(base).toBe(s.latest.base);
      // Not the newest run by time (the old rule, which once showed "Nothing to compare yet").
      expect(s.newest).not.toBe(head);
      const w = await openPage(browser(), screen);
      expect(await visit(w, s.d, '/compare')).toBe('compare');
      expect(await w.page.locator('[data-testid=pick-head]').inputValue()).toBe(String(head));
      expect(await w.page.locator('[data-testid=pick-base]').inputValue()).toBe(String(base));
      expect(await w.page.locator('[data-testid=pick-head-current]').textContent()).toBe(`bio-2000 · step 2000 · run ${head}`);
      const api = await apiGet(s.d, '/api/compare');
      expect([api.body.head.runId, api.body.base.runId]).toEqual([head, base]);
      // On a pair the pickers change either side: picking base keeps the head.
      await w.page.locator('[data-testid=pick-base]').fill('blog-1000');
      const blog1000 = s.latest['blog-1000']!;
      await waitOptions(w.page, 'pick-base', [blog1000]);
      expect(await overflowing(w.page, '.pickers, .run-picker, .picker-results, [data-testid=answer-search]')).toEqual([]);
      await w.page.locator(`[data-testid=pick-base-results] [data-testid=pick-option][data-run="${blog1000}"]`).click();
      await w.page.waitForURL((u) => u.searchParams.get('base') === String(blog1000) && u.searchParams.get('head') === String(head));
      await waitReady(w.page);
      expect(await w.page.locator('[data-testid=pick-base]').inputValue()).toBe(String(blog1000));
      expectClean(w.log, s.d);
    });

    it(`the empty state offers both pickers; they search the server a page at a time, and picking leads to the pair (${screenName(screen)})`, async () => {
      const d = await startDashboard({});
      const solo = syntheticRun(d.store, { checkpoint: 'solo', step: 5, outcomes: [true, false, true] });
      const w = await openPage(browser(), screen);
      // One completed run: no pair at all. The reason, both pickers, and no link to a run page.
      expect(await visit(w, d, '/compare')).toBe('compare');
      const api = await apiGet(d, '/api/compare');
      expect(api.status).toBe(404);
      expect(await w.page.locator('[data-testid=empty-state] [data-testid=compare-error]').textContent()).toBe(api.body.error);
      expect(await w.page.locator('[data-testid=empty-state] [data-testid=pick-base]').isVisible()).toBe(true);
      expect(await w.page.locator('[data-testid=empty-state] [data-testid=pick-head]').isVisible()).toBe(true);
      expect(await w.page.locator('[data-testid=empty-state] a[href^="/runs/"]').count()).toBe(0);
      expect(await w.page.locator('[data-testid=empty-state] select').count()).toBe(0);
      expect(await overflowing(w.page, '.pickers, .run-picker')).toEqual([]);

      // 25 more runs, none a reference of solo: /compare?head=solo has no pair, and says so with solo chosen.
      for (let i = 0; i < 25; i++) syntheticRun(d.store, { checkpoint: `sweep-${String(i).padStart(2, '0')}`, outcomes: [i % 2 === 0, true, false] });
      expect(await visit(w, d, `/compare?head=${solo}`)).toBe('compare');
      expect(await w.page.locator('[data-testid=empty-state] [data-testid=pick-head]').inputValue()).toBe(String(solo));
      // "sweep" matches 25 runs: the server's first page (10, newest first), then the next by cursor.
      const asked = w.page.waitForResponse((r) => new URL(r.url()).pathname === '/api/runs' && new URL(r.url()).searchParams.get('q') === 'SWEEP');
      await w.page.locator('[data-testid=pick-base]').fill('SWEEP');
      await asked;
      const first = await apiGet(d, '/api/runs?status=completed&limit=10&q=SWEEP');
      const firstIds = (first.body.runs as Array<{ runId: number }>).map((r) => r.runId);
      await waitOptions(w.page, 'pick-base', firstIds);
      await w.page.locator('[data-testid=pick-base-results] [data-testid=pick-more]').click();
      const second = await apiGet(d, `/api/runs?status=completed&limit=10&q=SWEEP&cursor=${first.body.nextCursor}`);
      const both = [...firstIds, ...(second.body.runs as Array<{ runId: number }>).map((r) => r.runId)];
      await waitOptions(w.page, 'pick-base', both);
      // A narrower search, then the pick: the pair, in the URL.
      await w.page.locator('[data-testid=pick-base]').fill('sweep-07');
      const sweep7 = d.store.runs.list({ checkpointId: d.store.checkpoints.get('sweep-07').id })[0]!.id;
      await waitOptions(w.page, 'pick-base', [sweep7]);
      await w.page.locator('[data-testid=pick-base-results] [data-testid=pick-option]').click();
      await w.page.waitForURL((u) => u.searchParams.get('base') === String(sweep7) && u.searchParams.get('head') === String(solo));
      expect(await waitReady(w.page)).toBe('compare');
      expect(await w.page.locator('[data-testid=pick-base]').inputValue()).toBe(String(sweep7));
      expect(await w.page.locator('[data-testid=pick-head]').inputValue()).toBe(String(solo));
      expect(await w.page.locator('[data-testid=empty-state]').count()).toBe(0);
      expectClean(w.log, d, [{ status: 404, path: '/api/compare' }]);
    });
  }
});
