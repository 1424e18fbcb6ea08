/*
 * A run whose every item errored is shown failed, in red, on its page and in the trend's run
 * list: never a green "completed". The run is executed by the real runner against a loopback
 * endpoint that refuses every request.
 */
import type { Locator } from 'playwright-core';
import { expect, it } from 'vitest';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { executeRun } from '../../server/runner/execute-run.js';
import { describeBrowser, expectClean, openPage, startDashboard, startEndpoint, visit } from '../helpers/browser.js';
import { jsonl } from '../helpers/tmp.js';

const RED = 'rgb(179, 38, 30)'; // --bad in web/src/styles.css
/** The colour the browser paints an element's text in (tests are typed without the DOM library). */
const colorOf = (l: Locator): Promise<string> => l.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color);

describeBrowser('dashboard: a run whose every item errored, in chromium', (browser) => {
  it('shows failed in red with its error on /runs/:id and in the latest runs on /', async () => {
    const d = await startDashboard({ 'evalsets/bio.jsonl': jsonl({ id: 'q1', prompt: 'who?', keywords: ['who'] }, { id: 'q2', prompt: 'what?', keywords: ['what'] }) });
    const e = await startEndpoint(() => ({ status: 400 }));
    const c = d.store.checkpoints.add({ name: 'sft-wrong', baseUrl: e.url, model: 'm', step: 100 });
    const runId = createRun(d.store, c, loadEvalSets(['bio.jsonl'], d.evalsetsDir), { ...DEFAULT_PARAMS, retries: 0 });
    await executeRun({ store: d.store, runId, env: {}, backoff: { baseMs: 5, maxMs: 20, maxRetryAfterMs: 100 } });

    const w = await openPage(browser());
    expect(await visit(w, d, `/runs/${runId}`)).toBe('run');
    const badge = w.page.locator('h1 [data-testid=status]');
    expect(await badge.textContent()).toBe('failed');
    expect(await colorOf(badge)).toBe(RED);
    expect(await w.page.locator('[role=alert]').textContent()).toContain('every item errored (2 of 2');

    expect(await visit(w, d, '/')).toBe('trend');
    const listed = w.page.locator('[data-testid=status]').first();
    expect(await listed.textContent()).toBe('failed');
    expect(await colorOf(listed)).toBe(RED);
    expectClean(w.log, d);
  });
});
