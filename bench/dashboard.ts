import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { DEMO_CHECKPOINTS, demoAnswer, type DemoProfile } from '../server/demo/script.js';
import { loadEvalSets, resolveEvalsetPaths } from '../server/evalsets/load.js';
import { startServer } from '../server/main.js';
import { packagePath } from '../server/paths.js';
import { createRun, DEFAULT_PARAMS } from '../server/runner/create-run.js';
import { summarizeRun } from '../server/runs/summary.js';
import { scoreAnswer } from '../server/scoring/score-item.js';
import { openStore } from '../server/store/open.js';

/**
 * The dashboard with many checkpoints: CHECKPOINTS checkpoints (two data mixes, steps 0…), each
 * with RUNS completed runs of the shipped eval sets, answered by the demo's scripted profiles and
 * scored by the real scorers. Measures, in headless Chromium (Debian's, /usr/bin/chromium), the
 * time from navigation to the first painted chart on `/` (cold: a new browser context each time),
 * and what the page downloads. Usage: npm run bench:dashboard [CHECKPOINTS] [RUNS]
 */
const checkpoints = Number(process.argv[2] ?? 300);
const runsEach = Number(process.argv[3] ?? 2);
const dir = mkdtempSync(join(tmpdir(), 'tunegate-bench-dashboard-'));
const dbPath = join(dir, 'bench.db');

const shipped = packagePath('evalsets');
const sets = loadEvalSets(resolveEvalsetPaths([shipped], process.cwd(), shipped), process.cwd());
const items = sets.flatMap((s) => s.items);

const t0 = performance.now();
const store = openStore(dbPath);
const profiles = DEMO_CHECKPOINTS.filter((p) => p.step > 0);
for (let i = 0; i < checkpoints; i++) {
  // Interpolate the demo's profiles: mix by parity, training progress by index.
  const like: DemoProfile = profiles[(i % 2) * 3 + Math.min(2, Math.floor((3 * i) / checkpoints))]!;
  const c = store.checkpoints.add({ name: `ckpt-${i}`, baseUrl: 'http://127.0.0.1:9/v1', model: `m-${i}`, step: i * 100, tags: { mix: i % 2 === 0 ? 'blog-only' : 'bio-v2', lr: '1e-5' } });
  for (let r = 0; r < runsEach; r++) {
    const runId = createRun(store, c, sets, DEFAULT_PARAMS);
    store.db.transaction(() => {
      for (const item of items) {
        const answer = demoAnswer(like, item);
        const s = scoreAnswer(item, answer);
        store.results.insert({
          runId, set: item.set, itemId: item.id, sample: 0, prompt: item.prompt, answer, reasoning: null, scores: s.scores, score: s.score,
          hallucinated: s.hallucinated, passed: s.passed, error: null, attempts: 1, latencyMs: 10, promptTokens: 10, completionTokens: 50, finishReason: 'stop',
        });
      }
    })();
    store.runs.finish(runId, 'completed', summarizeRun(store, runId));
  }
}
store.checkpoints.update('ckpt-0', { baseline: true });
store.close();
const seedS = (performance.now() - t0) / 1000;

const server = await startServer({ host: '127.0.0.1', port: 0, dbPath, evalsetsDir: shipped, env: {}, logger: false });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
});

// WARM=1: one request to the API first, so the first sample measures the browser's cold start alone.
if (process.env.WARM !== undefined) await fetch(`${server.url}/api/trend?metric=bio_accuracy&metric=blog_quality&metric=hallucination_rate&metric=known_accuracy`).then((r) => r.text());

interface Sample { firstChartMs: number; bytes: number; byType: Record<string, number>; timing: Record<string, [number, number]> }
const samples: Sample[] = [];
try {
  for (let i = 0; i < 7; i++) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => performance.getEntriesByName('tunegate:first-chart').length > 0, null, { timeout: 30_000 });
    await page.waitForSelector('#view[data-ready]');
    await page.waitForLoadState('networkidle');
    // Runs in the page (DOM types, not Node's), so it is given as source text.
    samples.push(await page.evaluate<Sample>(`(() => {
      const mark = performance.getEntriesByName('tunegate:first-chart')[0];
      const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
      const byType = {};
      const timing = {};
      for (const e of entries) {
        const path = new URL(e.name).pathname;
        const key = path.startsWith('/api/') ? path : path.split('/').pop() || 'index.html';
        byType[key] = (byType[key] ?? 0) + e.transferSize;
        timing[key] = [Math.round(e.startTime), Math.round(e.responseEnd)];
      }
      return { firstChartMs: mark.startTime, bytes: entries.reduce((s, e) => s + e.transferSize, 0), byType, timing };
    })()`));
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
  if (process.env.KEEP_DB === undefined) rmSync(dir, { recursive: true, force: true });
  else console.error(`database kept: ${dbPath}`);
}

const sorted = samples.map((s) => s.firstChartMs).sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)]!;
const last = samples.at(-1)!;
const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
console.log(JSON.stringify({ checkpoints, runsEach, seedS: Number(seedS.toFixed(1)), firstChartMs: samples.map((s) => Math.round(s.firstChartMs)), medianMs: Math.round(median), bytes: last.bytes, byType: last.byType, timing: last.timing }));
console.log(`| ${checkpoints} × ${runsEach} | ${Math.round(sorted[0]!)}–${Math.round(sorted.at(-1)!)} ms (median ${Math.round(median)} ms) | ${kb(last.bytes)} |`);
for (const [k, v] of Object.entries(last.byType).sort((a, b) => b[1] - a[1])) console.log(`|   ${k} | ${kb(v)} |`);
