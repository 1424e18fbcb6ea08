/*
 * The page as a whole, in a real browser: untrusted text (answers, prompts, tags, model names)
 * stays text on every view; every URL is a deep link that survives a reload with its query-driven
 * state; unknown paths are handled; and no view talks to another origin, fails a request or
 * throws.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import {
  apiGet, completeRun, describeBrowser, expectClean, getMarker, openPage, readRows, setMarker, startDashboard, startEndpoint, valuesOf, visit, waitReady,
  type WatchedPage,
} from '../helpers/browser.js';
import { jsonl } from '../helpers/tmp.js';
import { seedDashboard } from './seed.js';

const IMG = '<img src=x onerror="window.__pwned=1">';
const SCRIPT = '<script>window.__pwned=1</script>';

/** Nothing the API returned became markup: no image, no extra script, no inline handler, nothing ran. */
async function expectInert(page: Page, where: string): Promise<void> {
  const dom = await page.evaluate(`({
    pwned: typeof window.__pwned,
    imgs: document.querySelectorAll('img').length,
    scripts: [...document.querySelectorAll('script')].map((s) => s.getAttribute('src')),
    handlers: document.querySelectorAll('[onerror], [onload], [onclick]').length,
  })`);
  expect(dom, where).toEqual({ pwned: 'undefined', imgs: 0, scripts: ['/app.js'], handlers: 0 });
}

/** The element with exactly this text content is on screen (the text shows as typed, not as markup). */
async function expectVisibleText(page: Page, selector: string, text: string): Promise<void> {
  const matches = page.locator(selector).filter({ hasText: text });
  const found = await matches.evaluateAll((els, t) => els.filter((e) => (e.textContent ?? '').includes(t)).length, text);
  expect(found, `${selector} showing ${text}`).toBeGreaterThan(0);
  expect(await matches.first().isVisible(), `${selector} showing ${text} is visible`).toBe(true);
}

describeBrowser('dashboard as a whole: untrusted text, deep links and reloads, one origin, in chromium', (browser) => {

  it('answers, prompts, tags and model names containing markup are shown as literal text on /, /compare and /runs/ID, and nothing runs', async () => {
    const prompt = `Who is ${SCRIPT} Zhiwei?`;
    const before = `He works at ${IMG} and ${SCRIPT} nowhere else.`;
    const after = `He works at TEKsystems ${IMG} ${SCRIPT}`;
    const post = `A post ${IMG} about ${SCRIPT} SQLite.`;
    const e = await startEndpoint((req) => {
      if (req.userText.includes('Zhiwei')) return { content: req.model === IMG ? before : after };
      return { content: post };
    });
    const d = await startDashboard({
      'evalsets/xss.jsonl': jsonl(
        { id: 'x1', prompt, keywords: ['TEKsystems'], tags: [IMG] },
        { id: 'x2', title: `Title ${SCRIPT}`, reference: `Reference ${IMG} text about SQLite.` },
      ),
    });
    // Names cannot carry markup (the schema forbids it); models and tags (keys and values) can.
    d.store.checkpoints.add({ name: 'xss-a', baseUrl: e.url, model: IMG, step: 1, tags: { mix: IMG, [SCRIPT]: 'key' } });
    // xss-b is a base model: the completions API with a prompt template (shown in the run's provenance).
    d.store.checkpoints.add({ name: 'xss-b', baseUrl: e.url, model: SCRIPT, step: 2, tags: { mix: SCRIPT }, api: 'completions', promptTemplate: `Q: {prompt} ${IMG}\nA:` });
    const a = await completeRun(d, 'xss-a', ['xss']);
    const b = await completeRun(d, 'xss-b', ['xss']);

    const w = await openPage(browser());
    // /runs/A: the answer, the prompt and the model (provenance) as text.
    expect(await visit(w, d, `/runs/${a}`)).toBe('run');
    await expectVisibleText(w.page, '[data-testid=item-row] [data-testid=answer]', before);
    await expectVisibleText(w.page, '[data-testid=item-row] td', prompt);
    await expectVisibleText(w.page, '[data-testid=provenance] dd', IMG);
    await expectInert(w.page, `/runs/${a}`);
    await visit(w, d, `/runs/${b}`);
    await expectVisibleText(w.page, '[data-testid=item-row] [data-testid=answer]', after);
    await expectVisibleText(w.page, '[data-testid=provenance] dd', SCRIPT);
    await expectVisibleText(w.page, '[data-testid=provenance] dd', `Q: {prompt} ${IMG}`);
    await expectInert(w.page, `/runs/${b}`);

    // /compare: the flipped item's both answers, its prompt and its tag.
    expect(await visit(w, d, `/compare?base=${a}&head=${b}`)).toBe('compare');
    const row = 'tr[data-testid=flip-row][data-item="xss/x1"]';
    expect(await w.page.locator(row).getAttribute('data-outcome')).toBe('learned');
    expect(await w.page.locator(`${row} [data-testid=answer]`).allTextContents()).toEqual([before, after]);
    await expectVisibleText(w.page, `${row} [data-testid=answer]`, before);
    await expectVisibleText(w.page, `${row} td`, prompt);
    await expectVisibleText(w.page, `${row} td`, IMG);
    await expectVisibleText(w.page, 'tr[data-testid=blog-row] td', `Title ${SCRIPT}`);
    await expectInert(w.page, '/compare');
    // A chat run and a templated completions run were measured differently: the gate refuses (409)
    // and the banner says why.
    await expectVisibleText(w.page, '[data-testid=gate-verdict]', 'measured differently');

    // /: the tags as groups (open the table view) and in the tag filter; the charts draw them on canvas.
    expect(await visit(w, d, '/')).toBe('trend');
    await w.page.locator('[data-testid="trend-bio_accuracy"] details summary').click();
    const groups = (await readRows(w.page, '[data-testid="trend-bio_accuracy"] tr[data-testid=trend-row]')).map((r) => r.cells[2]);
    expect(groups).toEqual([`mix=${IMG}`, `mix=${SCRIPT}`]);
    await expectVisibleText(w.page, '[data-testid="trend-bio_accuracy"] tr[data-testid=trend-row] td', `mix=${IMG}`);
    expect(await w.page.locator('[data-testid=tag-filter] option').allTextContents()).toEqual(expect.arrayContaining([`mix=${IMG}`, `mix=${SCRIPT}`, `${SCRIPT}=key`]));
    await expectInert(w.page, '/');
    // Filtered by that tag through the URL: the select shows it, and the one checkpoint remains.
    await visit(w, d, `/?tag=${encodeURIComponent(`mix=${IMG}`)}`);
    expect(await w.page.locator('[data-testid=tag-filter]').inputValue()).toBe(`mix=${IMG}`);
    expect((await readRows(w.page, '[data-testid="trend-bio_accuracy"] tr[data-testid=trend-row]')).map((r) => r.attrs['data-checkpoint'])).toEqual(['xss-a']);
    await expectInert(w.page, '/?tag=…');

    expect(w.log.requests.filter((u) => /\/x$/.test(new URL(u).pathname)), 'an <img src=x> was never requested').toEqual([]);
    expectClean(w.log, d, [{ status: 409, path: '/api/gate' }]);
  });

  it('every page URL is a deep link that survives a reload with its query-driven state', async () => {
    const s = await seedDashboard();
    const base = s.latest.base!;
    const head = s.latest['bio-2000']!;
    const w = await openPage(browser());
    const check = async (path: string, view: string, state: (page: Page) => Promise<void>) => {
      expect(await visit(w, s.d, path), path).toBe(view);
      await state(w.page);
      const res = await w.page.reload();
      expect(res?.status(), `reload ${path}`).toBe(200);
      expect(await waitReady(w.page), `reload ${path}`).toBe(view);
      expect(w.page.url()).toBe(`${s.d.url}${path}`);
      await state(w.page);
    };

    await check('/', 'trend', async (p) => {
      expect(await p.locator('figure[data-testid^="trend-"]').count()).toBe(4);
    });
    await check('/?metric=known_accuracy&colour=mix', 'trend', async (p) => {
      expect(await p.$$eval('figure[data-testid^="trend-"]', (els) => els.map((e) => e.getAttribute('data-testid')))).toEqual(['trend-known_accuracy']);
      expect(await valuesOf(p.locator('[data-testid=metric-picker] input:checked'))).toEqual(['known_accuracy']);
      expect(await p.locator('[data-testid=colour-by]').inputValue()).toBe('mix');
    });
    await check('/?metric=known_accuracy&colour=&x=hallucination_rate&y=known_accuracy&tag=mix%3Dblog-only', 'trend', async (p) => {
      expect(await p.locator('[data-testid=colour-by]').inputValue()).toBe('');
      expect(await p.locator('[data-testid=tradeoff-x]').inputValue()).toBe('hallucination_rate');
      expect(await p.locator('[data-testid=tradeoff-y]').inputValue()).toBe('known_accuracy');
      expect(await p.locator('[data-testid=tag-filter]').inputValue()).toBe('mix=blog-only');
      expect((await readRows(p, 'tr[data-testid=tradeoff-row]')).map((r) => r.attrs['data-checkpoint']).sort()).toEqual(['blog-1000', 'blog-2000']);
    });
    await check(`/runs/${head}?set=known&outcome=pass`, 'run', async (p) => {
      expect(await p.locator('[data-testid=status]').first().textContent()).toBe('completed');
      expect(await p.locator('tr[data-testid=run-metric-row]').count()).toBeGreaterThan(0);
      expect(await p.locator('[data-testid=items-set]').inputValue()).toBe('known');
      expect(await p.locator('[data-testid=items-outcome]').inputValue()).toBe('pass');
      const passing = s.d.store.results.list(head).filter((r) => r.set === 'known' && r.passed === true).map((r) => `known/${r.itemId}`);
      expect((await readRows(p, 'tr[data-testid=item-row]')).map((r) => r.attrs['data-item'])).toEqual(passing);
    });
    await check(`/compare?base=${base}&head=${head}&outcome=forgotten`, 'compare', async (p) => {
      expect(await p.locator('[data-testid=filter-outcome]').inputValue()).toBe('forgotten');
      expect(await p.locator('[data-testid=pick-base]').inputValue()).toBe(String(base));
      expect(await p.locator('[data-testid=pick-head]').inputValue()).toBe(String(head));
      const outcomes = await p.locator('tr[data-testid=flip-row]').evaluateAll((els) => els.map((e) => e.getAttribute('data-outcome')));
      expect(outcomes.length).toBeGreaterThan(0);
      expect(new Set(outcomes)).toEqual(new Set(['forgotten']));
    });
    await check('/compare', 'compare', async (p) => {
      // The gate's default head (the newest checkpoint by step), as GET /api/gate picks it.
      expect(await p.locator('[data-testid=pick-head]').inputValue()).toBe(String((await apiGet(s.d, '/api/gate')).body.head.runId));
    });
    await check('/checkpoints/new', 'register', async (p) => {
      expect(await p.locator('form[data-testid=register-form]').isVisible()).toBe(true);
    });
    expectClean(w.log, s.d);
  });

  it('unknown paths: /api/nope is a JSON 404, a page path that does not exist is a 404 or the not-found view, a missing run is said so', async () => {
    const s = await seedDashboard();
    const w = await openPage(browser());
    const api = await w.page.goto(`${s.d.url}/api/nope`);
    expect(api?.status()).toBe(404);
    expect(api?.headers()['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse((await api?.text()) ?? '')).toMatchObject({ error: expect.stringContaining('/api/nope') });
    // Under /api/ nothing is ever the page, whatever the path looks like.
    for (const path of ['/api/runs/1/nope', '/api/compare/x', '/api/']) {
      const res = await fetch(`${s.d.url}${path}`);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect(await res.text(), path).not.toContain('<html');
    }

    const page = await w.page.goto(`${s.d.url}/nothing-here`);
    if (page?.status() === 200) expect(await waitReady(w.page)).toBe('not-found');
    else expect(page?.status()).toBe(404);

    // A run that does not exist, and a run id that is not one: a message in the run view, not a broken page.
    expect(await visit(w, s.d, '/runs/999')).toBe('run');
    expect(await w.page.locator('[data-testid=empty-state]').textContent()).toContain('999');
    expect(await visit(w, s.d, '/runs/abc')).toBe('run');
    expect(await w.page.locator('[data-testid=empty-state]').isVisible()).toBe(true);
    expect(await w.page.locator('[data-testid=view-error]').count()).toBe(0);
    expectClean(w.log, s.d, [{ status: 404, path: '/api/nope' }, { status: 404, path: '/nothing-here' }, { status: 404, path: '/api/runs/999' }]);
  });

  it('a tour of every view by its links makes no request to another origin, no failed request and no page error, without page loads', async () => {
    const s = await seedDashboard();
    const w: WatchedPage = await openPage(browser());
    expect(await visit(w, s.d, '/')).toBe('trend');
    await setMarker(w.page);
    const go = async (click: () => Promise<void>, view: string, path: RegExp) => {
      await click();
      await w.page.waitForURL(path);
      expect(await waitReady(w.page)).toBe(view);
    };

    // Latest runs → a run → its comparison with the baseline → back → the nav links.
    await w.page.waitForSelector('table[data-testid=latest-runs]');
    await go(() => w.page.locator(`table[data-testid=latest-runs] a[href="/runs/${s.newest}"]`).first().click(), 'run', new RegExp(`/runs/${s.newest}$`));
    await go(() => w.page.locator('[data-testid=compare-link]').click(), 'compare', new RegExp(`/compare\\?head=${s.newest}$`));
    expect(await w.page.locator('[data-testid=pick-base]').inputValue()).toBe(String(s.latest.base));
    await go(() => w.page.locator('[data-testid=permalink]').click(), 'compare', /\/compare\?base=\d+&head=\d+$/);
    await go(() => w.page.locator('nav a[href="/checkpoints/new"]').click(), 'register', /\/checkpoints\/new$/);
    await go(() => w.page.locator('nav a[href="/compare"]').click(), 'compare', /\/compare$/);
    await go(() => w.page.goBack().then(() => undefined), 'register', /\/checkpoints\/new$/);
    await go(() => w.page.locator('header a.brand').click(), 'trend', new RegExp(`^${s.d.url}/$`));
    // A run link in a trend table (the table view is a <details>: open it first).
    await w.page.locator('[data-testid="trend-bio_accuracy"] details summary').click();
    const runId = s.latest['blog-1000']!;
    await go(() => w.page.locator(`[data-testid="trend-bio_accuracy"] tr[data-checkpoint="blog-1000"] a[href="/runs/${runId}"]`).click(), 'run', new RegExp(`/runs/${runId}$`));
    expect(await getMarker(w.page), 'every step stayed in one page').toBe(1);
    // Every page URL carries the policy that forbids inline script and other origins.
    for (const path of ['/', `/runs/${runId}`, '/compare', '/checkpoints/new']) {
      const csp = (await fetch(`${s.d.url}${path}`)).headers.get('content-security-policy') ?? '';
      expect(csp, path).toMatch(/script-src 'self'(;|$)/);
      expect(csp, path).toMatch(/default-src 'self'/);
      expect(csp, path).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    }
    expect(w.log.requests.length).toBeGreaterThan(10);
    expectClean(w.log, s.d);
  });
  it('marks the very text of each matched keyword and forbidden string, also after characters whose lower case is longer', async () => {
    const e = await startEndpoint(() => ({ content: 'İİİİ İstanbul: he works at TEK, was born in 营口, lives in paris.' }));
    const d = await startDashboard({ 'evalsets/bio.jsonl': `${JSON.stringify({ id: 'q', prompt: 'who?', keywords: ['tek', ['Paris', '巴黎'], 'HSBC'], forbidden: ['营口'] })}\n` });
    d.store.checkpoints.add({ name: 'c', baseUrl: e.url, model: 'm', step: 1 });
    const runId = await completeRun(d, 'c', ['bio']);
    const w = await openPage(browser());
    expect(await visit(w, d, `/runs/${runId}`)).toBe('run');
    const marks = await w.page.$$eval('[data-testid=item-row] [data-testid=answer] mark', (els) => els.map((m) => [m.className, m.textContent]));
    expect(marks).toEqual([['hit', 'TEK'], ['forbidden', '营口'], ['hit', 'paris']]);
    const chips = await w.page.$$eval('[data-testid=item-row] .marks li', (els) => els.map((m) => m.textContent));
    expect(chips).toEqual(['✓ tek', '✓ Paris', '✗ HSBC', '⚠ 营口']);
    expectClean(w.log, d);
  });
  it('a hand-edited link with an unknown metric or a malformed tag says what is wrong and offers the way back', async () => {
    const d = await startDashboard({ 'evalsets/bio.jsonl': `${JSON.stringify({ id: 'q', prompt: 'who?', keywords: ['x'] })}\n` });
    d.store.checkpoints.add({ name: 'c', baseUrl: 'http://127.0.0.1:9/v1', model: 'm', step: 1 });
    const w = await openPage(browser());
    for (const [path, text] of [['/?metric=vibes', 'unknown metric "vibes"'], ['/?tag==x', 'querystring/tag']] as const) {
      expect(await visit(w, d, path)).toBe('trend');
      expect(await w.page.textContent('[data-testid=trend-error]'), path).toContain(text);
      expect(await w.page.getAttribute('[data-testid=empty-state] a', 'href'), path).toBe('/');
    }
    expectClean(w.log, d, [{ status: 400, path: '/api/trend' }]);
  });
  it('"Skip to content" moves the keyboard focus to the view', async () => {
    const d = await startDashboard({ 'evalsets/bio.jsonl': `${JSON.stringify({ id: 'q', prompt: 'who?', keywords: ['x'] })}\n` });
    const w = await openPage(browser());
    expect(await visit(w, d, '/checkpoints/new')).toBe('register');
    await w.page.focus('a.skip');
    await w.page.keyboard.press('Enter');
    await w.page.waitForFunction('document.activeElement && document.activeElement.id === "view"', null, { timeout: 2000 });
    expectClean(w.log, d);
  });
});
