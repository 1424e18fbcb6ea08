/*
 * Real-browser tests of the dashboard: Debian's chromium driven by playwright-core, against the
 * real app listening on 127.0.0.1 (temp SQLite file, real queue), fed by the real runner talking
 * to a scripted OpenAI-compatible endpoint on loopback. Nothing of ours is mocked.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { buildApp } from '../../server/app.js';
import { serverEnv } from '../../server/config.js';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { RunQueue } from '../../server/queue/run-queue.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { executeRun } from '../../server/runner/execute-run.js';
import { startScriptedEndpoint, type Responder, type ScriptedEndpoint } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { openStore, type Store } from '../../server/store/open.js';
import { packagePath } from '../../server/paths.js';
import type { RunParams } from '../../server/store/types.js';
import { tempDir, writeFiles } from './tmp.js';

// ---------------------------------------------------------------------------------------------
// Chromium: present, or skipped with a reason (locally), or a failure (CI installs it).

/** Debian's chromium; TUNEGATE_TEST_CHROMIUM points elsewhere (also how the skip and CI paths are checked). */
export const CHROMIUM_PATH = process.env.TUNEGATE_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);
const inCi = (process.env.CI ?? '') !== '' && process.env.CI !== 'false' && process.env.CI !== '0';
/** Skip only off CI: in CI a missing browser must fail the suite, not hide it. */
export const skipBrowserTests = !hasChromium && !inCi;
const SKIP_REASON = `${CHROMIUM_PATH} not found (apt-get install chromium); skipped because CI is not set (in CI they fail)`;

/**
 * `describe` for browser tests: one chromium for the block (launched before its tests, closed
 * after), handed to them as `browser()`. Skipped with a clear reason when chromium is missing off CI.
 */
export function describeBrowser(name: string, fn: (browser: () => Browser) => void): void {
  if (skipBrowserTests) console.warn(`[tests/web] ${name}: ${SKIP_REASON}`);
  describe.skipIf(skipBrowserTests)(skipBrowserTests ? `${name} (skipped: ${SKIP_REASON})` : name, () => {
    let browser: Browser | undefined;
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
    });
    fn(() => {
      if (browser === undefined) throw new Error('chromium is not running');
      return browser;
    });
  });
}

/** Launches headless chromium on a closed network (no sandbox: tests run as root). Throws in CI when it is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!hasChromium) throw new Error(`${CHROMIUM_PATH} is missing: CI must install chromium (apt-get install chromium) for the dashboard tests`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

// ---------------------------------------------------------------------------------------------
// Resources closed after each test, in dependency order: pages, then apps, then endpoints.

const pages: Page[] = [];
const dashboards: Dashboard[] = [];
const endpoints: ScriptedEndpoint[] = [];

afterEach(async () => {
  while (pages.length > 0) await pages.pop()!.close().catch(() => undefined);
  while (dashboards.length > 0) {
    const d = dashboards.pop()!;
    await d.queue.shutdown();
    // The pages are gone, but the shared context may keep (or have preconnected) sockets to this
    // app; they would hold close() open until chromium drops them.
    const closed = d.app.close();
    d.app.server.closeAllConnections();
    await closed;
    d.store.close();
  }
  while (endpoints.length > 0) await endpoints.pop()!.close();
});

/** A scripted OpenAI-compatible endpoint on loopback, closed after the test. */
export async function startEndpoint(respond: Responder, opts: { latencyMs?: number } = {}): Promise<ScriptedEndpoint> {
  const e = await startScriptedEndpoint({ respond, ...opts });
  endpoints.push(e);
  return e;
}

// ---------------------------------------------------------------------------------------------
// The app on a real port.

export interface Dashboard {
  /** http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  app: FastifyInstance;
  store: Store;
  queue: RunQueue;
  dir: string;
  evalsetsDir: string;
}

/** How a dashboard is served: with a token (writes need it), and reads too with `protectReads`. */
export interface DashboardOptions {
  token?: string;
  protectReads?: boolean;
}

/** The real app on a temp database listening on 127.0.0.1:0, offering `files` (evalsets/NAME.jsonl); closed after the test. */
export async function startDashboard(files: Record<string, string>, opts: DashboardOptions = {}): Promise<Dashboard> {
  const page = packagePath('web', 'dist', 'index.html');
  if (!existsSync(page)) throw new Error(`${page} is missing: run \`npm run build\` first (npm test does)`);
  const dir = tempDir('tunegate-web-');
  writeFiles(dir, files);
  const store = openStore(join(dir, 'dashboard.db'));
  const env = serverEnv({}, { keyEnvs: [] });
  const queue = new RunQueue({ store, env });
  const evalsetsDir = join(dir, 'evalsets');
  const app = await buildApp({ store, queue, env, evalsetsDir, token: opts.token, protectReads: opts.protectReads });
  const d: Dashboard = { url: '', app, store, queue, dir, evalsetsDir };
  dashboards.push(d);
  await app.listen({ host: '127.0.0.1', port: 0 });
  d.url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return d;
}

/**
 * Creates a run of a registered checkpoint over the dashboard's eval sets and executes it with
 * the real runner, to the end. Returns the run id.
 */
export async function completeRun(d: Dashboard, checkpoint: string, sets: readonly string[], params: Partial<RunParams> = {}): Promise<number> {
  const c = d.store.checkpoints.get(checkpoint);
  const loaded = loadEvalSets(sets.map((s) => `${s}.jsonl`), d.evalsetsDir);
  const runId = createRun(d.store, c, loaded, { ...DEFAULT_PARAMS, concurrency: 16, retries: 0, ...params });
  const r = await executeRun({ store: d.store, runId, env: {}, backoff: { baseMs: 5, maxMs: 20, maxRetryAfterMs: 100 } });
  if (r.status !== 'completed') throw new Error(`seed run ${runId} of ${checkpoint} ended ${r.status}`);
  return runId;
}

/** GET a JSON API path of the dashboard (from Node, not the page). */
export async function apiGet<T = any>(d: Dashboard, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${d.url}${path}`, { headers: { accept: 'application/json' } });
  return { status: res.status, body: (await res.json()) as T };
}

export async function apiSend<T = any>(d: Dashboard, method: string, path: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${d.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

// ---------------------------------------------------------------------------------------------
// A watched page: every request, failed response, page error, console error and CSP violation.

export interface PageLog {
  requests: string[];
  /** Responses with status >= 400. */
  failures: Array<{ url: string; status: number }>;
  /** Requests that never got a response (aborted event streams are listed too). */
  requestFailures: Array<{ url: string; error: string }>;
  pageErrors: string[];
  consoleErrors: string[];
  /** securitypolicyviolation events, from every document the page loaded. */
  cspViolations: string[];
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  log: PageLog;
}

const CSP_TAG = '__tunegate_csp_violation__';

/** A screen to test on: the viewport and the colour scheme the browser prefers. */
export interface Screen {
  width: number;
  height: number;
  colorScheme: 'light' | 'dark';
}

/** The desktop default every test used before screens mattered. */
export const DEFAULT_SCREEN: Screen = { width: 1024, height: 768, colorScheme: 'light' };
/** The four screens the dashboard must serve: a phone (390 px) and a desktop (1440 px), each light and dark. */
export const SCREENS: readonly Screen[] = [
  { width: 390, height: 844, colorScheme: 'light' },
  { width: 390, height: 844, colorScheme: 'dark' },
  { width: 1440, height: 900, colorScheme: 'light' },
  { width: 1440, height: 900, colorScheme: 'dark' },
];
/** "390×844 dark": a screen's name in test titles and messages. */
export const screenName = (s: Screen) => `${s.width}×${s.height} ${s.colorScheme}`;

/**
 * One context per browser and screen (a test file's), made on first use: the dashboard keeps
 * nothing in cookies or storage, and every test's app listens on its own port, so tests share
 * nothing through it. A new context costs a renderer start (~0.5 s on two cores); a page does not.
 */
const sharedContexts = new WeakMap<Browser, Map<string, Promise<BrowserContext>>>();

function contextOf(browser: Browser, screen: Screen): Promise<BrowserContext> {
  let byScreen = sharedContexts.get(browser);
  if (byScreen === undefined) sharedContexts.set(browser, (byScreen = new Map()));
  const key = screenName(screen);
  let c = byScreen.get(key);
  if (c === undefined) {
    c = (async () => {
      const context = await browser.newContext({ viewport: { width: screen.width, height: screen.height }, colorScheme: screen.colorScheme, deviceScaleFactor: 1 });
      // Runs before the page's own scripts in every document (not subject to the page's CSP).
      await context.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => console.warn(${JSON.stringify(CSP_TAG)} + ' ' + e.violatedDirective + ' ' + e.blockedURI), true);`);
      return context;
    })();
    byScreen.set(key, c);
  }
  return c;
}

/** A fresh page (on `screen`: the default 1024×768 light) whose traffic and errors are recorded; closed after the test. */
export async function openPage(browser: Browser, screen: Screen = DEFAULT_SCREEN): Promise<WatchedPage> {
  const context = await contextOf(browser, screen);
  const page = await context.newPage();
  pages.push(page);
  const log: PageLog = { requests: [], failures: [], requestFailures: [], pageErrors: [], consoleErrors: [], cspViolations: [] };
  page.on('request', (r) => log.requests.push(r.url()));
  page.on('response', (r) => {
    if (r.status() >= 400) log.failures.push({ url: r.url(), status: r.status() });
  });
  page.on('requestfailed', (r) => log.requestFailures.push({ url: r.url(), error: r.failure()?.errorText ?? '' }));
  page.on('pageerror', (e) => log.pageErrors.push(String(e)));
  page.on('console', (m) => {
    const text = m.text();
    if (text.startsWith(CSP_TAG)) log.cspViolations.push(text.slice(CSP_TAG.length + 1));
    else if (m.type() === 'error') log.consoleErrors.push(text);
  });
  return { page, context, log };
}

/** Waits until the router has rendered a view; returns its name (trend, run, compare, register, not-found). */
export async function waitReady(page: Page, timeout = 15_000): Promise<string> {
  const view = await page.waitForSelector('#view[data-ready] > div.view', { timeout });
  return (await view.getAttribute('data-view')) ?? '';
}

/** Opens `path` of the dashboard and waits for its view. */
export async function visit(w: WatchedPage, d: Dashboard, path: string): Promise<string> {
  const res = await w.page.goto(`${d.url}${path}`);
  expect(res?.status(), `GET ${path}`).toBe(200);
  return waitReady(w.page);
}

/**
 * The page stayed on its own origin, no same-origin request failed (except `allow`: status and
 * path prefix of failures a test provoked), no uncaught error, no CSP violation, no console error.
 */
export function expectClean(log: PageLog, d: Dashboard, allow: Array<{ status: number; path: string }> = []): void {
  const origin = new URL(d.url).origin;
  const foreign = log.requests.filter((u) => !u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).origin !== origin);
  expect(foreign, 'requests to another origin').toEqual([]);
  const unexpected = log.failures.filter((f) => !allow.some((a) => a.status === f.status && new URL(f.url).pathname.startsWith(a.path)));
  expect(unexpected, 'failed same-origin requests').toEqual([]);
  // An event stream closed by leaving its view is aborted by design; anything else is a failure.
  const broken = log.requestFailures.filter((f) => !(f.error === 'net::ERR_ABORTED' && /\/api\/runs\/\d+\/events$/.test(f.url)));
  expect(broken, 'requests that failed').toEqual([]);
  expect(log.pageErrors, 'uncaught page errors').toEqual([]);
  expect(log.cspViolations, 'CSP violations (something tried to run)').toEqual([]);
  // Chromium logs each failed response as a console error: those are judged by status above.
  const consoleErrors = log.consoleErrors.filter((t) => !t.startsWith('Failed to load resource: the server responded with a status of'));
  expect(consoleErrors, 'console errors').toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// Reading the page.

/** The trimmed text of each cell of each row matching `rowSelector`, with the row's attributes. */
export async function readRows(page: Page, rowSelector: string): Promise<Array<{ attrs: Record<string, string>; cells: string[] }>> {
  return page.$$eval(rowSelector, (rows) => rows.map((r) => ({
    attrs: Object.fromEntries([...r.attributes].map((a) => [a.name, a.value])),
    cells: [...r.querySelectorAll(':scope > td')].map((td) => (td.textContent ?? '').trim()),
  })));
}

/** The little of a canvas that the pixel checks read (the tests' tsconfig has no DOM lib). */
export interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number>; width: number; height: number } } | null;
  getBoundingClientRect(): { width: number; height: number };
}

/** Pixels of a canvas that are not transparent and not white (a blank canvas has none). */
export async function paintedPixels(page: Page, canvasSelector: string): Promise<number> {
  return page.$eval(canvasSelector, (canvas: CanvasLike) => {
    const ctx = canvas.getContext('2d');
    if (ctx === null || canvas.width === 0 || canvas.height === 0) return 0;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 0 && !(data[i]! > 245 && data[i + 1]! > 245 && data[i + 2]! > 245)) n++;
    return n;
  });
}

/** Sets `window.__marker = 1`: still there later means no page load happened in between. */
export const setMarker = (page: Page): Promise<unknown> => page.evaluate('window.__marker = 1');
/** `window.__marker` of the current document (undefined after a page load). */
export const getMarker = (page: Page): Promise<unknown> => page.evaluate('window.__marker');

/** The `value` of every element a locator matches (inputs, selects). */
export const valuesOf = (locator: Locator): Promise<string[]> => locator.evaluateAll((els: Array<{ value: string }>) => els.map((e) => e.value));

/** A value as the page must show a 0–1 metric: three decimals, '–' when missing. */
export const fmt3 = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : v.toFixed(3));
/** An interval as the page must show it: [lo, hi] with three decimals. */
export const fmtCi3 = (ci: readonly [number, number] | null | undefined): string => (ci === null || ci === undefined ? 'no interval' : `[${fmt3(ci[0])}, ${fmt3(ci[1])}]`);
