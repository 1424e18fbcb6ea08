/*
 * `/runs/:id` and `/checkpoints/new` in a real browser: a finished run's metrics, sets and
 * answers; a running run's live progress over Server-Sent Events that turns into the finished
 * run without a page load; the register form, its run-now path and its field errors.
 */
import { expect, it } from 'vitest';
import { METRICS } from '../../server/scoring/metric-registry.js';
import {
  apiGet, apiSend, describeBrowser, expectClean, fmt3, fmtCi3, getMarker, openPage, readRows, setMarker, startDashboard, startEndpoint, valuesOf, visit, waitReady,
} from '../helpers/browser.js';
import { jsonl } from '../helpers/tmp.js';
import { FILES, scripted, SETS, seedDashboard, storedSummary, type Profile } from './seed.js';


describeBrowser('dashboard /runs/:id and /checkpoints/new, in chromium', (browser) => {

  it('a finished run shows its stored metrics with interval and n, its sets, provenance and every answer, filtered through the query string', async () => {
    const s = await seedDashboard();
    const runId = s.latest['blog-2000']!;
    const summary = storedSummary(s.d, runId);
    const w = await openPage(browser());
    expect(await visit(w, s.d, `/runs/${runId}`)).toBe('run');
    expect(await w.page.locator('[data-testid=status]').first().textContent()).toBe('completed');
    expect(await w.page.locator('[data-testid=progress]').count()).toBe(0);

    const metricRows = await readRows(w.page, 'table[data-testid=run-metrics] tr[data-testid=run-metric-row]');
    const withValue = METRICS.filter((m) => summary.metrics[m.name] !== null && summary.metrics[m.name] !== undefined);
    expect(metricRows.map((r) => r.attrs['data-metric'])).toEqual(withValue.map((m) => m.name));
    for (const r of metricRows) {
      const m = r.attrs['data-metric']!;
      if (m === 'blog_chrf') {
        expect(r.cells[1]).toBe(summary.metrics[m]!.toFixed(1)); // chrF is on 0–100
        continue;
      }
      if (METRICS.find((d) => d.name === m)!.range === null) continue; // unbounded: two decimals
      expect(r.cells.slice(1, 4), m).toEqual([fmt3(summary.metrics[m]), fmtCi3(summary.stats[m]!.ci), String(summary.stats[m]!.n)]);
    }
    expect((await readRows(w.page, 'table[data-testid=run-sets] tr[data-testid=set-row]')).map((r) => [r.attrs['data-set'], r.cells[2], r.cells[4]]))
      .toEqual(Object.entries(summary.sets).map(([name, set]) => [name, String(set.items), String(set.truncated)]));
    const provenance = (await w.page.locator('[data-testid=provenance]').textContent()) ?? '';
    expect(provenance).toContain('model-blog-2000');
    expect(provenance).toContain(`reported model${s.d.store.runs.get(runId).provenance.reported!.models.join(', ')}`);

    // Every result of the run, on one page (12 < 50), in the stored order.
    const stored = s.d.store.results.list(runId);
    const items = () => readRows(w.page, 'table[data-testid=items-table] tr[data-testid=item-row]');
    expect((await items()).map((r) => r.attrs['data-item'])).toEqual(stored.map((r) => `${r.set}/${r.itemId}`));
    expect(await w.page.locator('[data-testid=page-info]').textContent()).toContain(`(${stored.length} results)`);

    await w.page.locator('[data-testid=items-set]').selectOption('known');
    await w.page.waitForURL((u) => u.searchParams.get('set') === 'known');
    await waitReady(w.page);
    expect((await items()).map((r) => r.attrs['data-item'])).toEqual(stored.filter((r) => r.set === 'known').map((r) => `known/${r.itemId}`));
    await w.page.locator('[data-testid=items-outcome]').selectOption('fail');
    await w.page.waitForURL((u) => u.searchParams.get('outcome') === 'fail');
    await waitReady(w.page);
    const failedKnown = stored.filter((r) => r.set === 'known' && r.passed === false).map((r) => `known/${r.itemId}`);
    expect(failedKnown.length).toBeGreaterThan(0);
    expect((await items()).map((r) => r.attrs['data-item'])).toEqual(failedKnown);
    expectClean(w.log, s.d);
  });

  it('a running run\'s progress advances live, then the view becomes the finished run without a page load', async () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ id: `q${i}`, prompt: `question ${i}`, keywords: [`${i}`] }));
    const e = await startEndpoint((req) => ({ content: `answer ${req.userText.replace('question ', '')}`, delayMs: 150 }));
    const d = await startDashboard({ 'evalsets/many.jsonl': jsonl(...many) });
    expect((await apiSend(d, 'POST', '/api/checkpoints', { name: 'slow', baseUrl: e.url, model: 'slow-model', step: 5 })).status).toBe(201);
    const queued = await apiSend<{ id: number }>(d, 'POST', '/api/runs', { checkpoint: 'slow', concurrency: 2, evalsets: ['many'] });
    expect(queued.status).toBe(202);
    const runId = queued.body.id;

    const w = await openPage(browser());
    expect(await visit(w, d, `/runs/${runId}`)).toBe('run');
    await setMarker(w.page);
    const historyLength = await w.page.evaluate('history.length');
    const progress = w.page.locator('section[data-testid=progress]');
    expect(await progress.count(), 'the run is still going when the page shows').toBe(1);
    expect(await w.page.locator('[data-testid=progress-text]').textContent()).toMatch(/^(queued|running): \d+ \/ 40 results · 0 errors · /);

    // Sample data-done until the section goes: it must rise at least twice.
    const seen: number[] = [];
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      const done = (await w.page.evaluate("document.querySelector('section[data-testid=progress]')?.getAttribute('data-done') ?? null")) as string | null;
      if (done === null) break;
      if (seen.at(-1) !== Number(done)) seen.push(Number(done));
      await w.page.waitForTimeout(60);
    }
    expect(seen.length, `distinct progress values seen: ${seen.join(', ')}`).toBeGreaterThanOrEqual(3);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(seen.every((n) => n <= 40)).toBe(true);

    // The set "many" is in no family and has no forbidden lists: no run-level metric reads it, and
    // the page says which items the metrics do read, from the registry (GET /api/metrics).
    await w.page.waitForSelector('[data-testid=no-metrics]:has-text("No run-level metric reads these eval sets")', { timeout: 15_000 });
    await waitReady(w.page);
    const families = (await apiGet<{ metrics: Array<{ items: { family: string | null } }> }>(d, '/api/metrics')).body.metrics.flatMap((m) => (m.items.family === null ? [] : [m.items.family]));
    expect(families.length).toBeGreaterThan(0);
    expect(await w.page.locator('[data-testid=no-metrics]').textContent()).toContain(`set families ${[...new Set(families)].join(', ')} `);
    expect(await w.page.locator('[data-testid=status]').first().textContent()).toBe('completed');
    expect(await w.page.locator('section[data-testid=progress]').count()).toBe(0);
    expect(await getMarker(w.page), 'no page load happened').toBe(1);
    expect(await w.page.evaluate('history.length'), 'replaced in place, no new history entry').toBe(historyLength);
    expect(w.page.url()).toBe(`${d.url}/runs/${runId}`);
    // Fed by the run's event stream, not by polling the run.
    expect(w.log.requests.filter((u) => u === `${d.url}/api/runs/${runId}/events`).length).toBe(1);
    expect(w.log.requests.filter((u) => u === `${d.url}/api/runs/${runId}`).length, 'GET /api/runs/ID: on load and after the finish').toBeLessThanOrEqual(2);
    const run = await apiGet(d, `/api/runs/${runId}`);
    expect(run.body.status).toBe('completed');
    expect(await w.page.locator('[data-testid=page-info]').textContent()).toContain('(40 results)');
    expectClean(w.log, d);
  });

  it('a run view left before it loaded opens no event stream and never re-renders the view the user went on to', async () => {
    // 24 items, 2 at a time, 250 ms each: still running when the slow GET below answers.
    const many = Array.from({ length: 24 }, (_, i) => ({ id: `q${i}`, prompt: `question ${i}`, keywords: [`${i}`] }));
    const e = await startEndpoint((req) => ({ content: `answer ${req.userText.replace('question ', '')}`, delayMs: 250 }));
    const d = await startDashboard({ 'evalsets/many.jsonl': jsonl(...many) });
    await apiSend(d, 'POST', '/api/checkpoints', { name: 'slow', baseUrl: e.url, model: 'm', step: 5 });
    const runId = (await apiSend<{ id: number }>(d, 'POST', '/api/runs', { checkpoint: 'slow', concurrency: 2, evalsets: ['many'] })).body.id;
    const w = await openPage(browser());
    expect(await visit(w, d, '/checkpoints/new')).toBe('register');
    // The run's own GET answers slowly: the user has left before it does.
    await w.page.route(`${d.url}/api/runs/${runId}`, async (route) => {
      await new Promise((r) => setTimeout(r, 1200));
      await route.continue();
    });
    await w.page.evaluate(`history.pushState(null, '', '/runs/${runId}'); dispatchEvent(new PopStateEvent('popstate'))`);
    await w.page.waitForTimeout(100);
    await w.page.click('nav a[href="/checkpoints/new"]');
    expect(await waitReady(w.page)).toBe('register');
    await w.page.fill('#f-name', 'typed-by-user');
    // Wait past the slow answer and the run's end.
    for (let t = 0; t < 100 && (await apiGet(d, `/api/runs/${runId}`)).body.status !== 'completed'; t++) await w.page.waitForTimeout(100);
    await w.page.waitForTimeout(1500);
    expect(await w.page.inputValue('#f-name'), 'the form was not rebuilt under the user').toBe('typed-by-user');
    expect(w.log.requests.filter((u) => u.endsWith(`/api/runs/${runId}/events`)), 'no stream for a view already left').toEqual([]);
    expectClean(w.log, d);
  });

  it('the register form registers a checkpoint with its tags and step, runs it now and follows the run to "completed" without a reload', async () => {
    const profiles: Record<string, Profile> = { 'model-web': { right: ['bio-work', 'bio-blog'], halluc: [], known: 3, blog: 2 } };
    const e = await startEndpoint(scripted(profiles), { latencyMs: 250 });
    const d = await startDashboard(FILES);
    const w = await openPage(browser());
    expect(await visit(w, d, '/checkpoints/new')).toBe('register');
    const boxes = w.page.locator('[data-testid=evalsets] input[name=evalsets]');
    expect(await valuesOf(boxes)).toEqual([...SETS].sort());
    expect(await w.page.locator('[data-testid=run-now]').isChecked()).toBe(true);

    await w.page.locator('#f-name').fill('web-ckpt');
    await w.page.locator('#f-baseUrl').fill(e.url);
    await w.page.locator('#f-model').fill('model-web');
    await w.page.locator('#f-step').fill('1500');
    await w.page.locator('#f-tags').fill('mix=bio-v2, lr=1e-5');
    await w.page.locator('[data-testid=evalsets] input[value=blog]').uncheck();
    await setMarker(w.page);
    await w.page.locator('[data-testid=register-submit]').click();

    await w.page.waitForURL(/\/runs\/\d+$/);
    const runId = Number(/\/runs\/(\d+)$/.exec(w.page.url())![1]);
    expect(await waitReady(w.page)).toBe('run');
    await w.page.locator('[data-testid=status]', { hasText: 'completed' }).first().waitFor({ timeout: 15_000 });
    await w.page.waitForSelector('table[data-testid=run-metrics]');
    expect(await getMarker(w.page), 'no page load happened').toBe(1);

    const { body } = await apiGet(d, '/api/checkpoints');
    const c = body.checkpoints.find((x: { name: string }) => x.name === 'web-ckpt');
    expect(c).toMatchObject({ name: 'web-ckpt', baseUrl: e.url, model: 'model-web', step: 1500, tags: { mix: 'bio-v2', lr: '1e-5' } });
    const runs = await apiGet(d, '/api/runs?checkpoint=web-ckpt');
    expect(runs.body.runs.map((r: { runId: number; status: string }) => [r.runId, r.status])).toEqual([[runId, 'completed']]);
    expect(runs.body.runs[0].provenance.evalsets.map((x: { name: string }) => x.name).sort()).toEqual(['bio', 'known']);
    expect(e.requests.length).toBeGreaterThan(0);
    expectClean(w.log, d);
  });

  it('the register form shows a bad URL next to Base URL and a taken name next to Name, and creates nothing', async () => {
    const d = await startDashboard(FILES);
    d.store.checkpoints.add({ name: 'taken', baseUrl: 'http://127.0.0.1:9/v1', model: 'm', step: 1 });
    const count = async () => (await apiGet(d, '/api/checkpoints')).body.checkpoints.length as number;
    const runs = async () => (await apiGet(d, '/api/runs')).body.runs.length as number;
    const w = await openPage(browser());
    await visit(w, d, '/checkpoints/new');
    // No error and no token field until the server asks for one.
    expect(await w.page.locator('#f-token').isVisible()).toBe(false);
    expect(await w.page.locator('[data-testid=error-baseUrl]').isVisible()).toBe(false);

    await w.page.locator('#f-name').fill('bad-url');
    await w.page.locator('#f-baseUrl').fill('not a url');
    await w.page.locator('#f-model').fill('m');
    await w.page.locator('[data-testid=register-submit]').click();
    const urlError = w.page.locator('[data-testid=error-baseUrl]');
    await urlError.waitFor({ state: 'visible' });
    // In the form's words: its label, not the API's field path.
    expect(await urlError.textContent()).toMatch(/^the Base URL field must match pattern/);
    expect(await w.page.locator('#f-baseUrl').getAttribute('aria-invalid')).toBe('true');
    expect(await w.page.locator('[data-testid=error-name]').isVisible()).toBe(false);
    expect(await w.page.locator('[data-testid=form-error]').isVisible()).toBe(false);
    expect(await count()).toBe(1);
    expect(new URL(w.page.url()).pathname).toBe('/checkpoints/new');

    // A negative step is the server's 400 on body/step; a tag without "=" is caught before sending.
    await w.page.locator('#f-baseUrl').fill('http://127.0.0.1:8000/v1');
    await w.page.locator('#f-step').fill('-5');
    await w.page.locator('[data-testid=register-submit]').click();
    await w.page.locator('[data-testid=error-step]').waitFor({ state: 'visible' });
    expect(await w.page.locator('[data-testid=error-step]').textContent()).toMatch(/step/);
    expect(await w.page.locator('#f-step').getAttribute('aria-invalid')).toBe('true');
    expect(await urlError.isVisible()).toBe(false);
    await w.page.locator('#f-step').fill('');
    await w.page.locator('#f-tags').fill('mix=bio-v2, nonsense');
    await w.page.locator('[data-testid=register-submit]').click();
    await w.page.locator('[data-testid=error-tags]').waitFor({ state: 'visible' });
    expect(await w.page.locator('[data-testid=error-tags]').textContent()).toContain('nonsense');
    // A key that names object machinery would vanish from a plain object: refused, not dropped.
    await w.page.locator('#f-tags').fill('mix=bio-v2, __proto__=evil');
    await w.page.locator('[data-testid=register-submit]').click();
    await w.page.locator('[data-testid=error-tags]', { hasText: '__proto__' }).waitFor({ state: 'visible' });
    await w.page.locator('#f-tags').fill('');
    expect(await count()).toBe(1);

    await w.page.locator('#f-name').fill('taken');
    await w.page.locator('#f-baseUrl').fill('http://127.0.0.1:8000/v1');
    await w.page.locator('[data-testid=register-submit]').click();
    const nameError = w.page.locator('[data-testid=error-name]');
    await nameError.waitFor({ state: 'visible' });
    expect(await nameError.textContent()).toContain('already exists');
    expect(await w.page.locator('#f-name').getAttribute('aria-invalid')).toBe('true');
    expect(await urlError.isVisible(), 'the earlier error is cleared').toBe(false);
    expect(await w.page.locator('#f-baseUrl').getAttribute('aria-invalid')).toBeNull();
    expect(await count()).toBe(1);
    expect(await runs()).toBe(0);
    const stored = (await apiGet(d, '/api/checkpoints/taken')).body;
    expect(stored.baseUrl).toBe('http://127.0.0.1:9/v1');

    // Without "run now": registered, no run, the form replaced by the confirmation.
    await w.page.locator('#f-name').fill('later');
    await w.page.locator('#f-step').fill('7');
    await w.page.locator('[data-testid=run-now]').uncheck();
    await w.page.locator('[data-testid=register-submit]').click();
    await w.page.locator('[data-testid=registered]').waitFor({ state: 'visible' });
    expect(await w.page.locator('form[data-testid=register-form]').count()).toBe(0);
    expect((await apiGet(d, '/api/checkpoints/later')).body).toMatchObject({ name: 'later', step: 7, baseUrl: 'http://127.0.0.1:8000/v1' });
    expect(await runs()).toBe(0);
    expectClean(w.log, d, [{ status: 400, path: '/api/checkpoints' }, { status: 409, path: '/api/checkpoints' }]);
  });
  it('on a server with a token, the page asks for it after the 401 (the same form as for reads), keeps it for the tab only, and registers', async () => {
    const d = await startDashboard(FILES, { token: 'team-secret' });
    const w = await openPage(browser());
    await visit(w, d, '/checkpoints/new');
    expect(await w.page.locator('[data-testid=token-form]').count(), 'reads are open: no question yet').toBe(0);
    await w.page.fill('#f-name', 'with-token');
    await w.page.fill('#f-baseUrl', 'http://127.0.0.1:9/v1');
    await w.page.fill('#f-model', 'm');
    await w.page.locator('[data-testid=run-now]').uncheck();
    await w.page.click('[data-testid=register-submit]');
    await w.page.locator('[data-testid=token-form]').waitFor({ state: 'visible' });
    expect((await apiGet(d, '/api/checkpoints')).body.checkpoints).toEqual([]);
    await w.page.fill('[data-testid=token-input]', 'team-secret');
    await w.page.click('[data-testid=token-submit]');
    // The refused POST is sent again with the token: one submit, one checkpoint.
    await w.page.locator('[data-testid=registered]').waitFor();
    expect((await apiGet(d, '/api/checkpoints')).body.checkpoints.map((c: { name: string }) => c.name)).toEqual(['with-token']);
    expect(await w.page.evaluate('JSON.stringify({ ...localStorage }) + document.cookie')).not.toContain('team-secret');
    expect(await w.page.evaluate("sessionStorage.getItem('tunegate.token')")).toBe('team-secret');
    expectClean(w.log, d, [{ status: 401, path: '/api/checkpoints' }]);
  });
});
