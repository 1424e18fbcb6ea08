import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { DEMO_CHECKPOINTS, demoAnswer, type DemoProfile } from '../server/demo/script.js';
import { loadEvalSets, resolveEvalsetPaths } from '../server/evalsets/load.js';
import { startServer } from '../server/main.js';
import { packagePath } from '../server/paths.js';
import { createRun, DEFAULT_PARAMS } from '../server/runner/create-run.js';
import { summarizeRun } from '../server/runs/summary.js';
import { scoreAnswer } from '../server/scoring/score-item.js';
import { trendWindow, type TrendOptions } from '../server/compare/trend.js';
import { CHOSEN_METRIC_SETS } from '../server/shared/metric-sets.js';
import { TREND_MAX_POINTS, TREND_WINDOW } from '../server/shared/trend-window.js';
import { openStore } from '../server/store/open.js';
import type { RunSummary } from '../server/scoring/metrics.js';

/**
 * The dashboard at a team's scale: CHECKPOINTS checkpoints in training runs of 100 saves each
 * (tagged run=train-K; the data mix alternates per training run), each with RUNS completed runs
 * of the shipped eval sets, answered by the demo's scripted profiles and scored by the real
 * scorers. Measures, in headless Chromium (Debian's, /usr/bin/chromium), cold (a new browser
 * context each time): the first painted chart on `/` and the time until each page is interactive
 * (its view's data-ready) on `/`, `/compare`, `/runs/ID` and `/checkpoints/new`, what each page
 * downloads (transfer sizes, compressed), and GET /api/trend's server time (first request: not
 * cached) with the points it returned. Usage: npm run bench:dashboard [CHECKPOINTS] [RUNS]
 */
const checkpoints = Number(process.argv[2] ?? 300);
const runsEach = Number(process.argv[3] ?? 2);
const SAVES = 100;
const dir = mkdtempSync(join(tmpdir(), 'tunegate-bench-dashboard-'));
const dbPath = join(dir, 'bench.db');

const shipped = packagePath('evalsets');
const sets = loadEvalSets(resolveEvalsetPaths([shipped], process.cwd(), shipped), process.cwd());
const items = sets.flatMap((s) => s.items);

const t0 = performance.now();
const store = openStore(dbPath);
const profiles = DEMO_CHECKPOINTS.filter((p) => p.step > 0);
// Each profile's answers are scored once; every run answered like it stores the same rows and summary.
const scored = new Map<DemoProfile, Array<{ item: (typeof items)[number]; answer: string; s: ReturnType<typeof scoreAnswer> }>>();
const summaries = new Map<DemoProfile, RunSummary>();
const answers = (like: DemoProfile) => scored.get(like) ?? scored.set(like, items.map((item) => {
  const answer = demoAnswer(like, item);
  return { item, answer, s: scoreAnswer(item, answer) };
})).get(like)!;
// One transaction for the whole seed (the repositories' statements are prepared once).
store.db.transaction(() => {
  for (let i = 0; i < checkpoints; i++) {
    const trainingRun = Math.floor(i / SAVES);
    const save = i % SAVES;
    // Mix by training run's parity, training progress by the save's place in its run.
    const like: DemoProfile = profiles[(trainingRun % 2) * 3 + Math.min(2, Math.floor((3 * save) / SAVES))]!;
    const c = store.checkpoints.add({
      name: `train-${trainingRun}-${save}`, baseUrl: 'http://127.0.0.1:9/v1', model: `m-${i}`, step: save * 100,
      tags: { run: `train-${trainingRun}`, mix: trainingRun % 2 === 0 ? 'blog-only' : 'bio-v2', lr: '1e-5' },
    });
    for (let r = 0; r < runsEach; r++) {
      const runId = createRun(store, c, sets, DEFAULT_PARAMS);
      for (const { item, answer, s } of answers(like)) {
        store.results.insert({
          runId, set: item.set, itemId: item.id, sample: 0, prompt: item.prompt, answer, reasoning: null, scores: s.scores, score: s.score,
          hallucinated: s.hallucinated, passed: s.passed, error: null, attempts: 1, latencyMs: 10, promptTokens: 10, completionTokens: 50, finishReason: 'stop',
        });
      }
      const summary = summaries.get(like) ?? summaries.set(like, summarizeRun(store, runId)).get(like)!;
      store.runs.finish(runId, 'completed', summary);
    }
  }
  store.checkpoints.update('train-0-0', { baseline: true });
})();
const lastRun = store.runs.list({ status: 'completed', limit: 1 })[0]!.id;
const seedS = (performance.now() - t0) / 1000;
// The trend query alone (no HTTP, no cache), as the page asks for it and over every training run: median of 5 after one warm-up.
const metrics = [...new Set([...CHOSEN_METRIC_SETS.charted, ...CHOSEN_METRIC_SETS.tradeoff])];
const TREND_QUERIES: Array<[string, TrendOptions]> = [
  ['default (window 10, maxPoints 400)', { window: TREND_WINDOW, maxPoints: TREND_MAX_POINTS }],
  ['window=0', { window: 0, maxPoints: TREND_MAX_POINTS }],
  ['window=0&maxPoints=0', { window: 0, maxPoints: 0 }],
];
const trendQuery = TREND_QUERIES.map(([query, opts]) => {
  const times: number[] = [];
  let returned = 0;
  for (let i = 0; i < 6; i++) {
    const t = performance.now();
    const r = trendWindow(store, metrics, opts);
    JSON.stringify(r); // the route serializes it too
    if (i > 0) times.push(performance.now() - t);
    returned = r.window.returned;
  }
  return { query, medianMs: Math.round([...times].sort((a, b) => a - b)[2]!), returned };
});
store.close();

// The overload guard off: opening a large database (its integrity check) lags the event loop once, and a
// 503 to the first request would measure the guard, not the dashboard.
const server = await startServer({ host: '127.0.0.1', port: 0, dbPath, evalsetsDir: shipped, env: {}, logger: false, maxEventLoopDelay: 0 });

// GET /api/trend as the page asks for it (the charted metrics and the trade-off axes; default window), then every training run: first requests, so not cached.
const trendServer: Array<{ query: string; ms: number; returned: number; checkpoints: number; decimated: boolean; kb: number }> = [];
for (const extra of ['', '&window=0', '&window=0&maxPoints=0']) {
  const url = `${server.url}/api/trend?${metrics.map((m) => `metric=${m}`).join('&')}${extra}`;
  const t = performance.now();
  const res = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${text}`);
  const ms = performance.now() - t;
  const body = JSON.parse(text) as { window: { returned: number; checkpoints: number; decimated: boolean } };
  trendServer.push({ query: extra === '' ? 'default' : extra.slice(1), ms: Math.round(ms), returned: body.window.returned, checkpoints: body.window.checkpoints, decimated: body.window.decimated, kb: Math.round(text.length / 1024) });
}

const browser: Browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
});

interface Sample { firstChartMs: number | null; readyMs: number; bytes: number; byType: Record<string, number> }
const pages: Record<string, { path: string; loads: number }> = {
  '/': { path: '/', loads: 7 },
  '/compare': { path: '/compare', loads: 3 },
  '/runs/ID': { path: `/runs/${lastRun}`, loads: 3 },
  '/checkpoints/new': { path: '/checkpoints/new', loads: 3 },
};
const results: Record<string, Sample[]> = {};
try {
  for (const [name, { path, loads }] of Object.entries(pages)) {
    results[name] = [];
    for (let i = 0; i < loads; i++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${server.url}${path}`);
      await page.waitForSelector('#view[data-ready]', { timeout: 120_000 });
      const readyMs = await page.evaluate(() => performance.now());
      await page.waitForLoadState('networkidle');
      // Runs in the page (DOM types, not Node's), so it is given as source text.
      const s = await page.evaluate<Omit<Sample, 'readyMs'>>(`(() => {
        const mark = performance.getEntriesByName('tunegate:first-chart')[0];
        const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
        const byType = {};
        for (const e of entries) {
          const path = new URL(e.name).pathname;
          const key = path.startsWith('/api/') ? path : path.split('/').pop() || 'index.html';
          byType[key] = (byType[key] ?? 0) + e.transferSize;
        }
        return { firstChartMs: mark === undefined ? null : mark.startTime, bytes: entries.reduce((s, e) => s + e.transferSize, 0), byType };
      })()`);
      results[name]!.push({ ...s, readyMs });
      await context.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
  if (process.env.KEEP_DB === undefined) rmSync(dir, { recursive: true, force: true });
  else console.error(`database kept: ${dbPath}`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[]) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))} ms (median ${Math.round(median(xs))})`;
const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
console.log(JSON.stringify({ checkpoints, runsEach, seedS: Number(seedS.toFixed(1)), trendQuery, trendServer, results }));
console.log(`\n${checkpoints} × ${runsEach}: seeded in ${seedS.toFixed(1)} s`);
for (const t of trendQuery) console.log(`trend query ${t.query}: median ${t.medianMs} ms, ${t.returned} points`);
for (const t of trendServer) console.log(`GET /api/trend (${t.query}): ${t.ms} ms, ${t.returned} of ${t.checkpoints} points${t.decimated ? ' (decimated)' : ''}, ${t.kb} KB uncompressed`);
for (const [name, samples] of Object.entries(results)) {
  const charts = samples.flatMap((s) => (s.firstChartMs === null ? [] : [s.firstChartMs]));
  const last = samples.at(-1)!;
  console.log(`| ${name} | ${charts.length > 0 ? range(charts) : '–'} | ${range(samples.map((s) => s.readyMs))} | ${kb(last.bytes)} |`);
  for (const [k, v] of Object.entries(last.byType).sort((a, b) => b[1] - a[1])) console.log(`|   ${k} | ${kb(v)} |`);
}
