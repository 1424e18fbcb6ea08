/*
 * Every page on a phone (390×844) and a desktop (1440×900), each in light and dark (issue 23, must
 * hold 2): no horizontal page scroll, every chart inside the screen, every data table inside it or
 * scrolling in its own box; text readable on its background (WCAG AA) in both schemes; in dark the
 * page is dark and the charts are drawn in the dark theme (light ticks, visible grid, nothing black).
 * One seeded dashboard for the whole file, one context per screen, soft assertions so one run
 * names every page that fails.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { gate } from '../../server/gate/gate-head.js';
import { htmlReport } from '../../server/gate/html-report.js';
import { readReportBundle } from '../../server/gate/report-bundle.js';
import { reportData } from '../../server/gate/report-data.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { executeRun } from '../../server/runner/execute-run.js';
import { describeBrowser, openPage, SCREENS, screenName, startDashboard, startEndpoint, waitReady, type Screen, type WatchedPage } from '../helpers/browser.js';
import { contrast, luminance, parseColour } from '../helpers/colours.js';
import { FILES, SETS, seedDashboard } from './seed.js';

/** What the page measures of itself (the tests' tsconfig has no DOM library: the script is a string). */
interface Layout {
  innerWidth: number;
  scrollWidth: number;
  /** Outermost elements whose right edge is past the screen and that no scrolling box holds. */
  overflowing: string[];
  canvases: Array<{ left: number; right: number; width: number }>;
  tables: Array<{ name: string; right: number; fits: boolean; scrolls: boolean }>;
  background: string;
  text: string;
  /** Text whose contrast with its background is below AA (4.5:1, 3:1 for large text). */
  lowContrast: string[];
}

const MEASURE = `(() => {
  const vw = window.innerWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + (el.dataset.testid ? '[' + el.dataset.testid + ']' : '');
  const scrolls = (el) => { const o = getComputedStyle(el).overflowX; return o === 'auto' || o === 'scroll'; };
  const held = (el) => { for (let p = el.parentElement; p; p = p.parentElement) if (scrolls(p)) return true; return false; };
  const overflowing = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= vw + 0.5 || held(el)) continue;
    const parent = el.parentElement;
    if (parent && parent.getBoundingClientRect().right > vw + 0.5 && !held(parent)) continue;
    overflowing.push(name(el) + ' right=' + Math.round(r.right));
  }
  const canvases = [...document.querySelectorAll('canvas')].map((c) => { const r = c.getBoundingClientRect(); return { left: r.left, right: r.right, width: r.width }; });
  const tables = [...document.querySelectorAll('table.data')].filter((t) => t.getBoundingClientRect().width > 0).map((t) => ({
    name: name(t) + ' "' + (t.caption ? t.caption.textContent.slice(0, 40) : '') + '"',
    right: t.getBoundingClientRect().right, fits: t.scrollWidth <= t.clientWidth + 1, scrolls: scrolls(t),
  }));
  const bgOf = (el) => {
    for (let e = el; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor; if (!/^rgba\\(\\d+, \\d+, \\d+, 0\\)$|^transparent$/.test(c)) return c; }
    return 'rgb(255, 255, 255)';
  };
  const faded = (el) => { for (let e = el; e; e = e.parentElement) if (Number(getComputedStyle(e).opacity) < 1) return true; return false; };
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || seen.has(el) || n.textContent.trim() === '' || el.closest('canvas, noscript, option, .skip, [hidden]')) continue;
    seen.add(el);
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || faded(el)) continue;
    const s = getComputedStyle(el);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
    texts.push({ what: name(el) + ' "' + n.textContent.trim().slice(0, 30) + '"', color: s.color, bg: bgOf(el), large });
  }
  return { innerWidth: vw, scrollWidth: document.documentElement.scrollWidth, overflowing, canvases, tables,
    background: bgOf(document.body), text: getComputedStyle(document.body).color, texts };
})()`;

/** The page's layout and text colours; the contrast is judged here, with the tests' colour helpers. */
async function measure(page: Page): Promise<Layout> {
  const m = (await page.evaluate(MEASURE)) as Omit<Layout, 'lowContrast'> & { texts: Array<{ what: string; color: string; bg: string; large: boolean }> };
  const lowContrast = m.texts.flatMap((t) => {
    const bg = parseColour(t.bg);
    const ratio = contrast(t.color, bg.a < 1 ? { ...bg, a: 1 } : bg);
    return ratio < (t.large ? 3 : 4.5) ? [`${t.what}: ${t.color} on ${t.bg} = ${ratio.toFixed(2)}`] : [];
  });
  return { ...m, lowContrast };
}

/** Pixels of the page's charts: opaque black, opaque in the page's text colour, and faint grid ink (white when dark, black when light). */
interface Ink { black: number; text: number; faintWhite: number; faintBlack: number }

const INK = (selector: string, text: string) => `(() => {
  const [tr, tg, tb] = ${JSON.stringify(text)}.match(/\\d+/g).map(Number);
  const out = { black: 0, text: 0, faintWhite: 0, faintBlack: 0 };
  for (const c of document.querySelectorAll(${JSON.stringify(selector)})) {
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
      if (a > 230 && Math.max(r, g, b) < 20) out.black++;
      if (a > 230 && Math.abs(r - tr) <= 10 && Math.abs(g - tg) <= 10 && Math.abs(b - tb) <= 10) out.text++;
      if (a >= 15 && a <= 90 && Math.min(r, g, b) > 200) out.faintWhite++;
      if (a >= 15 && a <= 90 && Math.max(r, g, b) < 40) out.faintBlack++;
    }
  }
  return out;
})()`;

/** The ink of the canvases matching `selector`, judged against the page's text colour. */
async function ink(page: Page, selector = 'canvas'): Promise<Ink> {
  const text = (await page.evaluate('getComputedStyle(document.body).color')) as string;
  return page.evaluate(INK(selector, text)) as Promise<Ink>;
}

interface Target { name: string; url: string; view: string; charts: number }

describeBrowser('every page at 390 and 1440 px, light and dark, in chromium', (browser) => {
  it('no page scrolls sideways, charts and tables stay on screen, text is readable; dark pages are dark with charts drawn dark', async () => {
    const s = await seedDashboard();
    const { d } = s;
    // A run whose every request is refused: failed, with its error on its page.
    const refusing = await startEndpoint(() => ({ status: 400 }));
    d.store.checkpoints.add({ name: 'sft-refused-by-a-server-with-a-long-unbroken-name-0123456789abcdef', baseUrl: refusing.url, model: 'm', step: 4000, tags: { mix: 'bio-v2' } });
    const sets = loadEvalSets(SETS.map((x) => `${x}.jsonl`), d.evalsetsDir);
    const failed = createRun(d.store, d.store.checkpoints.get('sft-refused-by-a-server-with-a-long-unbroken-name-0123456789abcdef'), sets, { ...DEFAULT_PARAMS, retries: 0 });
    await executeRun({ store: d.store, runId: failed, env: {}, backoff: { baseMs: 5, maxMs: 20, maxRetryAfterMs: 100 } });
    expect(d.store.runs.get(failed).status).toBe('failed');
    // A run held by this process that nothing executes: the page follows it live.
    d.store.checkpoints.add({ name: 'bio-4000', baseUrl: refusing.url, model: 'm', step: 4000, tags: { mix: 'bio-v2' } });
    const running = createRun(d.store, d.store.checkpoints.get('bio-4000'), sets, DEFAULT_PARAMS, 'running');
    const base = s.latest.base!;
    const head = s.latest['bio-2000']!;
    const empty = await startDashboard(FILES);
    // The HTML report of a pair, written as the CLI writes it (same store, same bundle).
    const file = join(d.dir, 'report.html');
    writeFileSync(file, htmlReport(reportData(d.store, base, head, gate(d.store, head, base)), readReportBundle()));

    const targets: Target[] = [
      { name: '/', url: `${d.url}/`, view: 'trend', charts: 5 },
      { name: '/ (empty)', url: `${empty.url}/`, view: 'trend', charts: 0 },
      { name: '/compare (a pair)', url: `${d.url}/compare?base=${base}&head=${head}`, view: 'compare', charts: 1 },
      { name: '/compare (empty)', url: `${empty.url}/compare`, view: 'compare', charts: 0 },
      { name: '/runs/ID (completed)', url: `${d.url}/runs/${head}`, view: 'run', charts: 0 },
      { name: '/runs/ID (running)', url: `${d.url}/runs/${running}`, view: 'run', charts: 0 },
      { name: '/runs/ID (failed)', url: `${d.url}/runs/${failed}`, view: 'run', charts: 0 },
      { name: '/checkpoints/new', url: `${d.url}/checkpoints/new`, view: 'register', charts: 0 },
      { name: 'not found', url: `${empty.url}/`, view: 'not-found', charts: 0 },
      { name: 'HTML report', url: pathToFileURL(file).href, view: 'report', charts: 1 },
    ];

    const pages = new Map<string, WatchedPage>();
    for (const screen of SCREENS) {
      const w = await openPage(browser(), screen);
      pages.set(screenName(screen), w);
      for (const t of targets) {
        const where = `${t.name} at ${screenName(screen)}`;
        await w.page.goto(t.url);
        let view = await waitReady(w.page);
        if (t.view === 'not-found') {
          // The server answers unknown paths 404; the page's own router shows this view on a link to one.
          await w.page.evaluate("history.pushState(null, '', '/nothing-here'); dispatchEvent(new PopStateEvent('popstate'))");
          await w.page.waitForFunction("document.querySelector('#view[data-ready] > div.view[data-view=\"not-found\"]') !== null");
          view = 'not-found';
        }
        expect(view, where).toBe(t.view);
        await checkPage(w.page, screen, t, where);
      }
    }
    for (const [name, w] of pages) {
      expect(w.log.pageErrors, name).toEqual([]);
      expect(w.log.cspViolations, name).toEqual([]);
      expect(w.log.consoleErrors.filter((e) => !e.startsWith('Failed to load resource')), name).toEqual([]);
    }

    // The scheme changes while a page is open: its charts are drawn again in the new colours.
    const w = await openPage(browser(), SCREENS.find((x) => x.colorScheme === 'light' && x.width > 1000)!);
    await w.page.goto(`${d.url}/?metric=bio_accuracy`);
    await waitReady(w.page);
    const chart = '[data-testid="trend-bio_accuracy"] canvas';
    expect((await ink(w.page, chart)).black, 'light: the baseline ring is black').toBeGreaterThan(0);
    await w.page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(async () => (await ink(w.page, chart)).faintWhite, { message: 'dark: the grid is redrawn faint white' }).toBeGreaterThan(100);
    const redrawn = await ink(w.page, chart);
    expect([redrawn.black, redrawn.text > 200], 'dark: nothing black, text in the dark page\'s text colour').toEqual([0, true]);
  });
});

/** The checks of one page on one screen (soft: every failing page is named in one run). */
async function checkPage(page: Page, screen: Screen, t: Target, where: string): Promise<void> {
  const m = await measure(page);
  expect.soft(m.scrollWidth, `${where}: page wider than the screen (${m.overflowing.join(', ')})`).toBeLessThanOrEqual(m.innerWidth);
  expect.soft(m.overflowing, `${where}: elements past the right edge`).toEqual([]);
  expect.soft(m.canvases.length, `${where}: charts`).toBe(t.charts);
  for (const c of m.canvases) {
    expect.soft(c.left >= 0 && c.right <= m.innerWidth + 0.5, `${where}: a chart at ${Math.round(c.left)}–${Math.round(c.right)} px`).toBe(true);
    expect.soft(c.width, `${where}: a chart's width`).toBeGreaterThan(Math.min(250, m.innerWidth / 2));
  }
  for (const tb of m.tables) {
    expect.soft(tb.right <= m.innerWidth + 0.5 && (tb.fits || tb.scrolls), `${where}: table ${tb.name} (right ${Math.round(tb.right)}, fits ${tb.fits}, scrolls ${tb.scrolls})`).toBe(true);
  }
  expect.soft(m.lowContrast, `${where}: text below AA contrast`).toEqual([]);

  const bg = parseColour(m.background);
  const fg = parseColour(m.text);
  const dark = screen.colorScheme === 'dark';
  expect.soft(luminance(bg) < 0.05, `${where}: background ${m.background} is ${dark ? 'dark' : 'light'}`).toBe(dark);
  expect.soft(luminance(fg) > 0.5, `${where}: text ${m.text} is ${dark ? 'light' : 'dark'}`).toBe(dark);
  expect.soft(contrast(fg, bg), `${where}: body text contrast`).toBeGreaterThanOrEqual(4.5);
  if (t.charts === 0) return;
  const i = await ink(page);
  // Tick labels, axis titles, legends and chart titles are in the page's text colour (readable: checked above).
  expect.soft(i.text, `${where}: chart text in the page's text colour`).toBeGreaterThan(200);
  if (dark) {
    // No black: the baseline ring, Pareto rings, whiskers and the palette's black are light on dark.
    expect.soft(i.black, `${where}: black pixels on a dark chart`).toBe(0);
    expect.soft(i.faintWhite, `${where}: grid lines, faint white`).toBeGreaterThan(100);
  } else {
    expect.soft(i.faintBlack, `${where}: grid lines, faint black`).toBeGreaterThan(100);
  }
}
