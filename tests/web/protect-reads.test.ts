/*
 * The page on a server that protects its reads (serve --protect-reads), in a real browser: it
 * asks for the token once, keeps it for the tab, sends it on every request (the event stream
 * included, which EventSource could not), and says so when a token is wrong.
 */
import { expect, it } from 'vitest';
import { describeBrowser, expectClean, openPage, paintedPixels, readRows, setMarker, getMarker, startDashboard, startEndpoint, waitReady } from '../helpers/browser.js';
import { jsonl } from '../helpers/tmp.js';
import { seedDashboard } from './seed.js';

const TOKEN = 'team-read-token-7f3a';
const PROTECTED = { token: TOKEN, protectReads: true };

describeBrowser('the page on a server that protects its reads, in chromium', (browser) => {
  it('asks for the token once, shows the charts with it, and a reload does not ask again (the tab keeps it)', async () => {
    const s = await seedDashboard({}, PROTECTED);
    const w = await openPage(browser());
    expect((await w.page.goto(`${s.d.url}/`))?.status()).toBe(200);
    const form = w.page.locator('[data-testid=token-form]');
    await form.waitFor({ state: 'visible' });
    expect(await w.page.locator('[data-testid=token-message]').getAttribute('data-reason')).toBe('missing');
    expect(await w.page.locator('table[data-testid=trend-table]').count(), 'no data before the token').toBe(0);
    expect(await form.textContent()).not.toMatch(/--[a-z]/); // the page's words name no CLI flag
    if (process.env.TUNEGATE_SCREENSHOT_DIR !== undefined) await w.page.screenshot({ path: `${process.env.TUNEGATE_SCREENSHOT_DIR}/token-form.png` });

    await w.page.fill('[data-testid=token-input]', TOKEN);
    await w.page.click('[data-testid=token-submit]');
    expect(await waitReady(w.page)).toBe('trend');
    expect(await form.count()).toBe(0);
    const rows = await readRows(w.page, '[data-testid="trend-bio_accuracy"] table[data-testid=trend-table] tr[data-testid=trend-row]');
    expect(rows.map((r) => r.attrs['data-checkpoint']).sort()).toEqual(Object.keys(s.latest).sort());
    expect(await paintedPixels(w.page, '[data-testid="trend-bio_accuracy"] canvas')).toBeGreaterThan(100);

    await w.page.reload();
    expect(await waitReady(w.page)).toBe('trend');
    expect(await w.page.locator('[data-testid=token-form]').count(), 'no second prompt after a reload').toBe(0);
    expect(await w.page.evaluate("sessionStorage.getItem('tunegate.token')")).toBe(TOKEN);
    expect(await w.page.evaluate('JSON.stringify({ ...localStorage }) + document.cookie')).not.toContain(TOKEN);
    expect(w.log.requests.filter((u) => u.includes(TOKEN)), 'the token is never in a URL').toEqual([]);
    // Only the first load's requests were refused; after the token, none.
    const refused = w.log.failures.filter((f) => f.status === 401);
    expect(refused.length).toBeGreaterThan(0);
    expectClean(w.log, s.d, [{ status: 401, path: '/api/' }]);
  });

  it('a wrong token is refused with a clear message and asked for again; the right one shows the run', async () => {
    const s = await seedDashboard({}, PROTECTED);
    const runId = s.latest['bio-1000']!;
    const w = await openPage(browser());
    await w.page.goto(`${s.d.url}/runs/${runId}`);
    await w.page.locator('[data-testid=token-form]').waitFor({ state: 'visible' });
    await w.page.fill('[data-testid=token-input]', 'not-the-token');
    await w.page.click('[data-testid=token-submit]');
    const wrong = w.page.locator('[data-testid=token-message][data-reason=wrong]');
    await wrong.waitFor({ state: 'visible' });
    expect(await wrong.textContent()).toContain('did not accept that token');
    expect(await w.page.locator('[data-testid=token-form]').count(), 'one form, not one per refused request').toBe(1);
    await w.page.fill('[data-testid=token-input]', TOKEN);
    await w.page.click('[data-testid=token-submit]');
    expect(await waitReady(w.page)).toBe('run');
    expect(await w.page.locator('[data-testid=status]').first().textContent()).toBe('completed');
    expect(await w.page.locator('[data-testid=token-form]').count()).toBe(0);
    expectClean(w.log, s.d, [{ status: 401, path: '/api/' }]);
  });

  it('the live run page follows the event stream with the token, then shows the finished run', async () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ id: `q${i}`, prompt: `question ${i}`, keywords: [`${i}`] }));
    const e = await startEndpoint((req) => ({ content: `answer ${req.userText.replace('question ', '')}`, delayMs: 150 }));
    const d = await startDashboard({ 'evalsets/many.jsonl': jsonl(...many) }, PROTECTED);
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
    expect((await fetch(`${d.url}/api/checkpoints`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'slow', baseUrl: e.url, model: 'slow-model' }) })).status).toBe(201);
    const queued = await fetch(`${d.url}/api/runs`, { method: 'POST', headers: auth, body: JSON.stringify({ checkpoint: 'slow', concurrency: 2, evalsets: ['many'] }) });
    const runId = ((await queued.json()) as { id: number }).id;

    const w = await openPage(browser());
    await w.page.goto(`${d.url}/runs/${runId}`);
    await w.page.locator('[data-testid=token-form]').waitFor({ state: 'visible' });
    await w.page.fill('[data-testid=token-input]', TOKEN);
    await w.page.click('[data-testid=token-submit]');
    expect(await waitReady(w.page)).toBe('run');
    await setMarker(w.page);
    expect(await w.page.locator('section[data-testid=progress]').count(), 'the run is still going when the page shows').toBe(1);

    const seen: number[] = [];
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      const done = (await w.page.evaluate("document.querySelector('section[data-testid=progress]')?.getAttribute('data-done') ?? null")) as string | null;
      if (done === null) break;
      if (seen.at(-1) !== Number(done)) seen.push(Number(done));
      await w.page.waitForTimeout(60);
    }
    expect(seen.length, `distinct progress values seen: ${seen.join(', ')}`).toBeGreaterThanOrEqual(3);
    await w.page.waitForSelector('[data-testid=status]:text-is("completed")', { timeout: 15_000 });
    await waitReady(w.page);
    expect(await getMarker(w.page), 'no page load happened').toBe(1);
    expect(d.store.runs.get(runId).status).toBe('completed');
    const streams = w.log.requests.filter((u) => u === `${d.url}/api/runs/${runId}/events`);
    expect(streams.length).toBeGreaterThanOrEqual(1);
    expect(w.log.failures.filter((f) => f.url.endsWith('/events')), 'the stream was never refused').toEqual([]);
    expectClean(w.log, d, [{ status: 401, path: '/api/' }]);
  });
});
