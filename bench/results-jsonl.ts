import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../server/app.js';
import { serverEnv } from '../server/config.js';
import { parseEvalSetText } from '../server/evalsets/parse-file.js';
import { RunQueue } from '../server/queue/run-queue.js';
import { createRun, DEFAULT_PARAMS } from '../server/runner/create-run.js';
import { openStore } from '../server/store/open.js';

/**
 * GET /api/runs/:id/results.jsonl on a run of N results (default 10,000) with answers of CHARS
 * characters (default 2,000): the time to the first byte and to the last, the bytes, and the
 * server's resident memory (this process: the app runs in it) above what it held before, sampled
 * every 5 ms, against building the same lines as one string (what an unstreamed route would do).
 * Usage: npm run bench:results-jsonl -- [N] [CHARS]
 */
const N = Number(process.argv[2] ?? 10_000);
const CHARS = Number(process.argv[3] ?? 2_000);

const dir = mkdtempSync(join(tmpdir(), 'tunegate-bench-jsonl-'));
const store = openStore(join(dir, 'bench.db'));
const lines = Array.from({ length: N }, (_, i) => JSON.stringify({ id: `q${i}`, prompt: `question ${i}`, keywords: ['yes'] })).join('\n');
const set = parseEvalSetText(lines, 'bio.jsonl', 'bio').set;
const c = store.checkpoints.add({ name: 'bench', baseUrl: 'http://127.0.0.1:9/v1', model: 'm', step: null });
const runId = createRun(store, c, [set], DEFAULT_PARAMS);
const answer = 'yes, '.repeat(Math.ceil(CHARS / 5)).slice(0, CHARS);
store.db.transaction(() => {
  for (let i = 0; i < N; i++) {
    store.results.insert({
      runId, set: 'bio', itemId: `q${i}`, sample: 0, prompt: `question ${i}`, answer, reasoning: null, scores: { keyword: { value: 1, explanation: '' } },
      score: 1, hallucinated: false, passed: true, error: null, attempts: 1, latencyMs: 3, promptTokens: 1, completionTokens: 1, finishReason: 'stop',
    });
  }
})();
const env = serverEnv({}, { keyEnvs: [] });
const queue = new RunQueue({ store, env });
const app = await buildApp({ store, queue, env, evalsetsDir: dir });
await app.listen({ host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/runs/${runId}/results.jsonl`;

/** Peak resident memory above the start while `fn` runs (MB). */
async function peakAbove<T>(fn: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  globalThis.gc?.();
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 5);
  const value = await fn();
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { value, peakMb: (peak - start) / 1e6 };
}

// Warm once (prepared statements, JIT), then measure.
const download = () => new Promise<{ firstMs: number; totalMs: number; bytes: number; lines: number }>((resolve, reject) => {
  const t0 = performance.now();
  let first = 0;
  let bytes = 0;
  let nl = 0;
  request(url, (res) => {
    res.on('data', (b: Buffer) => {
      if (bytes === 0) first = performance.now() - t0;
      bytes += b.length;
      for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) nl++;
    });
    res.on('end', () => resolve({ firstMs: first, totalMs: performance.now() - t0, bytes, lines: nl }));
    res.on('error', reject);
  }).on('error', reject).end();
});
await download();
const streamed = await peakAbove(download);
if (streamed.value.lines !== N) throw new Error(`expected ${N} lines, got ${streamed.value.lines}`);
// The same lines built as one string, as an unstreamed route would hold them.
const inMemory = await peakAbove(async () => {
  const res = await app.inject({ method: 'GET', url: `/api/runs/${runId}/results?limit=1000` });
  const one = res.body.length; // one page of 1000, for scale
  const all = store.results.list(runId).map((r) => JSON.stringify(r)).join('\n');
  return { bytes: all.length + one };
});
const mb = (b: number) => (b / 1e6).toFixed(1);
console.log(`results.jsonl: ${N} results of ${CHARS}-character answers, ${mb(streamed.value.bytes)} MB`);
console.log(`  streamed: first byte ${streamed.value.firstMs.toFixed(0)} ms, all ${streamed.value.totalMs.toFixed(0)} ms, peak RSS +${streamed.peakMb.toFixed(0)} MB`);
console.log(`  built as one string instead: peak RSS +${inMemory.peakMb.toFixed(0)} MB`);
await queue.shutdown();
await app.close();
store.close();
rmSync(dir, { recursive: true, force: true });
