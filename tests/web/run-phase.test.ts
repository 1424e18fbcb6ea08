/*
 * `/runs/:id` during the steps after a run's items: the likelihood requests count toward the
 * progress the page shows (issue 20, section 1), on a page that followed the run from its start
 * and on one opened once the run's status was already `completed`; the results come on `finished`.
 */
import { expect, it } from 'vitest';
import { apiGet, apiSend, describeBrowser, expectClean, getMarker, openPage, setMarker, startDashboard, visit, type WatchedPage } from '../helpers/browser.js';
import { endpoint } from '../helpers/endpoint.js';
import { jsonl } from '../helpers/tmp.js';

const CITIES = ['Guangzhou', 'Yingkou', 'Shenzhen', 'Dalian'];
/** Four items, each with an answer and two wrong answers: 3 echo requests an item on `--api completions`, 12 in all. */
const ITEMS = CITIES.map((city, i) => ({
  id: `q${i}`, prompt: `Where is person ${i} based?`, keywords: [city],
  answer: `Person ${i} is based in ${city}.`, wrong_answers: [`Person ${i} is based in Paris.`, `Person ${i} is based in Lima.`],
}));
/** Likelihood requests answered before the endpoint holds the rest: two items' worth. */
const ANSWERED = 6;

/** A promise and the function that settles it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

const text = async (w: WatchedPage, id: string) => (await w.page.locator(`[data-testid=${id}]`).textContent()) ?? '';
const eventStreams = (w: WatchedPage, url: string) => w.log.requests.filter((u) => u === url).length;

describeBrowser('dashboard /runs/:id: the likelihood step after the items, in chromium', (browser) => {
  it('shows the step\'s own requests (text, bar) while the run is already completed, then the results on finished', async () => {
    const items = gate();
    const step = gate();
    let echoes = 0;
    // vLLM's accent on --api completions: the answers, then echo + logprobs per candidate. The first
    // item's answer waits until the page follows the run; likelihood requests past ANSWERED wait for the test.
    const e = await endpoint(async (req) => {
      if (req.body.echo === true) {
        if (++echoes > ANSWERED) await step.wait;
        const candidate = /Person \d+ is based in \w+\.$/.exec(req.prompt ?? '')?.[0] ?? '';
        // Slow enough that the step's rate is measured (0.5 s) by the time it is held.
        return { content: '', delayMs: 120, logprobShift: { text: candidate, perToken: /Paris|Lima/.test(candidate) ? -1 : 1 } };
      }
      if (req.userText.includes('person 0')) await items.wait;
      return { content: CITIES.find((_c, i) => req.userText.includes(`person ${i}`)) ?? '' };
    }, { accent: 'vllm', models: ['m'] });
    const d = await startDashboard({ 'evalsets/bio.jsonl': jsonl(...ITEMS) });
    expect((await apiSend(d, 'POST', '/api/checkpoints', { name: 'c', baseUrl: e.url, model: 'm', api: 'completions', step: 10 })).status).toBe(201);
    const queued = await apiSend<{ id: number }>(d, 'POST', '/api/runs', { checkpoint: 'c', concurrency: 1, evalsets: ['bio'] });
    expect(queued.status).toBe(202);
    const runId = queued.body.id;
    const events = `${d.url}/api/runs/${runId}/events`;

    // A page that follows the run from its items: no step yet.
    const during = await openPage(browser());
    expect(await visit(during, d, `/runs/${runId}`)).toBe('run');
    await setMarker(during.page);
    expect(await during.page.locator('section[data-testid=progress]').count()).toBe(1);
    expect(await text(during, 'progress-text')).toMatch(/^(queued|running): 0 \/ 4 results · 0 errors · /);
    expect(await during.page.locator('[data-testid=progress-phase]').isVisible()).toBe(false);
    items.open();

    // The items are done and two items' candidates are measured; the third's first request is held.
    for (let t = 0; t < 150 && echoes <= ANSWERED; t++) await new Promise((r) => setTimeout(r, 100));
    expect(echoes).toBe(ANSWERED + 1);
    // The run's status is already completed, and its results are not on the page yet.
    const run = await apiGet(d, `/api/runs/${runId}`);
    expect([run.body.status, run.body.progress]).toEqual(['completed', { done: 4, total: 4, errors: 0 }]);
    const phase = during.page.locator('[data-testid=progress-phase]');
    await phase.filter({ hasText: `likelihood: ${ANSWERED} / 12 requests` }).waitFor({ timeout: 15_000 });
    expect(await phase.textContent()).toMatch(new RegExp(`^likelihood: ${ANSWERED} / 12 requests · \\d+\\.\\d req/s$`));
    expect(await text(during, 'progress-text')).toBe('items: 4 / 4 results · 0 errors');
    expect(await during.page.locator('section[data-testid=progress]').getAttribute('data-phase')).toBe('likelihood');
    const bar = during.page.locator('section[data-testid=progress] progress');
    expect([await bar.evaluate((b) => (b as unknown as { value: number }).value), await bar.evaluate((b) => (b as unknown as { max: number }).max)]).toEqual([ANSWERED, 12]);
    expect(await bar.getAttribute('aria-label')).toBe('likelihood requests done');
    expect(echoes).toBe(ANSWERED + 1);
    expect(await during.page.locator('[data-metric=knowledge_margin]').count()).toBe(0);
    if (process.env.TUNEGATE_SCREENSHOT_DIR) await during.page.screenshot({ path: `${process.env.TUNEGATE_SCREENSHOT_DIR}/run-phase.png`, fullPage: true });

    // A page opened now, the run already `completed` (as the run list says): it follows the step too.
    const after = await openPage(browser());
    expect(await visit(after, d, `/runs/${runId}`)).toBe('run');
    await setMarker(after.page);
    await after.page.locator('[data-testid=progress-phase]', { hasText: `likelihood: ${ANSWERED} / 12 requests` }).waitFor({ timeout: 15_000 });
    expect(await text(after, 'progress-text')).toBe('items: 4 / 4 results · 0 errors');
    expect(await after.page.locator('[data-metric=knowledge_margin]').count()).toBe(0);
    if (process.env.TUNEGATE_SCREENSHOT_DIR) await after.page.screenshot({ path: `${process.env.TUNEGATE_SCREENSHOT_DIR}/run-phase-opened-mid-step.png` });

    // The step ends: `finished` brings the results, in place, on both pages.
    step.open();
    for (const w of [during, after]) {
      await w.page.locator('tr[data-testid=run-metric-row][data-metric=knowledge_margin]').waitFor({ timeout: 15_000 });
      expect(await w.page.locator('section[data-testid=progress]').count()).toBe(0);
      expect(await w.page.locator('[data-testid=status]').first().textContent()).toBe('completed');
      expect(await getMarker(w.page), 'no page load happened').toBe(1);
      expect(eventStreams(w, events), 'one stream, not opened again by the view it re-rendered').toBe(1);
    }
    expect(echoes).toBe(12);
    expectClean(during.log, d);
    expectClean(after.log, d);
  });

  it('a completed run whose steps are over opens its stream at most once, shows no progress and is not rendered again', async () => {
    const e = await endpoint(async (req) => (req.body.echo === true
      ? { content: '', logprobShift: { text: /Person \d+ is based in \w+\.$/.exec(req.prompt ?? '')?.[0] ?? '', perToken: 1 } }
      : { content: CITIES.find((_c, i) => req.userText.includes(`person ${i}`)) ?? '' }), { accent: 'vllm', models: ['m'] });
    const d = await startDashboard({ 'evalsets/bio.jsonl': jsonl(...ITEMS) });
    expect((await apiSend(d, 'POST', '/api/checkpoints', { name: 'c', baseUrl: e.url, model: 'm', api: 'completions' })).status).toBe(201);
    const runId = (await apiSend<{ id: number }>(d, 'POST', '/api/runs', { checkpoint: 'c', evalsets: ['bio'] })).body.id;
    // Its items and its likelihood step are over: the queue is done with it.
    for (let t = 0; t < 150 && (d.store.runs.get(runId).status !== 'completed' || d.queue.isActive(runId)); t++) await new Promise((r) => setTimeout(r, 100));
    expect(d.queue.isActive(runId)).toBe(false);
    const w = await openPage(browser());
    expect(await visit(w, d, `/runs/${runId}`)).toBe('run');
    await setMarker(w.page);
    await w.page.locator('tr[data-testid=run-metric-row][data-metric=knowledge_margin]').waitFor();
    await w.page.waitForTimeout(500);
    expect(await w.page.locator('section[data-testid=progress]').count()).toBe(0);
    // A filter re-renders the view: no second stream, no reload by a stale `finished`.
    await w.page.locator('[data-testid=items-outcome]').selectOption('pass');
    await w.page.waitForURL((u) => u.searchParams.get('outcome') === 'pass');
    await w.page.waitForTimeout(300);
    expect(new URL(w.page.url()).searchParams.get('outcome')).toBe('pass');
    expect(eventStreams(w, `${d.url}/api/runs/${runId}/events`), 'at most one stream: it said finished at once').toBeLessThanOrEqual(1);
    expect(await getMarker(w.page), 'no page load happened').toBe(1);
    expectClean(w.log, d);
  });
});
