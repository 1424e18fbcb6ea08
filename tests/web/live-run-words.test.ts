/*
 * The page of a run that is still going says what is true about its metrics: they come when the
 * run finishes, while results are already stored (never "no item has been scored" beside 8/40).
 */
import { expect, it } from 'vitest';
import { apiGet, apiSend, describeBrowser, expectClean, openPage, SCREENS, screenName, startDashboard, startEndpoint, visit } from '../helpers/browser.js';
import { jsonl } from '../helpers/tmp.js';

describeBrowser('a live run\'s metrics note, in chromium', (browser) => {
  for (const screen of [SCREENS[1]!, SCREENS[2]!]) {
    it(`says metrics come when the run finishes, not that nothing was scored (${screenName(screen)})`, async () => {
      const many = Array.from({ length: 40 }, (_, i) => ({ id: `q${i}`, prompt: `question ${i}`, keywords: [`${i}`] }));
      // The first answers take long enough for the page to open before any result is stored.
      let asked = 0;
      const e = await startEndpoint((req) => ({ content: `answer ${req.userText.replace('question ', '')}`, delayMs: asked++ < 2 ? 2_500 : 300 }));
      const d = await startDashboard({ 'evalsets/bio.jsonl': jsonl(...many) });
      expect((await apiSend(d, 'POST', '/api/checkpoints', { name: 'slow', baseUrl: e.url, model: 'm', step: 5 })).status).toBe(201);
      const runId = (await apiSend<{ id: number }>(d, 'POST', '/api/runs', { checkpoint: 'slow', concurrency: 2, evalsets: ['bio'] })).body.id;
      // Opened before any result is stored; the note must stay true while results arrive live.
      const w = await openPage(browser(), screen);
      await visit(w, d, `/runs/${runId}`);
      await expect.poll(async () => Number(await w.page.evaluate("document.querySelector('section[data-testid=progress]')?.getAttribute('data-done') ?? '0'")), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
      const run = (await apiGet(d, `/api/runs/${runId}`)).body;
      expect(run.status).toBe('running');
      expect(run.progress.done).toBeGreaterThanOrEqual(2);
      const note = await w.page.$eval('[data-testid=no-metrics]', (p) => p.textContent ?? '');
      expect(note).toContain('Metrics are computed when the run finishes');
      expect(note).not.toMatch(/no item has been scored/);
      await w.page.close();
      expectClean(w.log, d, []);
    }, 60_000);
  }
});
