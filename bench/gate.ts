import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEvalSetText } from '../server/evalsets/parse-file.js';
import { gate } from '../server/gate/gate-head.js';
import { createRun, DEFAULT_PARAMS } from '../server/runner/create-run.js';
import { summarizeRun } from '../server/runs/summary.js';
import { seededRandom } from '../server/stats/random.js';
import { openStore } from '../server/store/open.js';

/**
 * Cost of one gate decision: two stored runs of N keyword items each (4 keywords per item, so
 * scores are fractional and the paired bootstrap with 10,000 resamples runs), gated on
 * bio_accuracy and hallucination_rate (the latter binary: exact sign test).
 * Usage: npm run bench:gate -- [N…]
 */
const sizes = process.argv.slice(2).map(Number);
const dir = mkdtempSync(join(tmpdir(), 'tunegate-bench-gate-'));
const store = openStore(join(dir, 'gate.db'));
const random = seededRandom(1);

function run(name: string, n: number): number {
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ id: `q${i}`, prompt: `q${i}`, keywords: ['a', 'b', 'c', 'd'], forbidden: ['x'] }));
  const set = parseEvalSetText(lines.join('\n'), 'bio.jsonl', 'bio').set;
  const c = store.checkpoints.add({ name, baseUrl: 'http://127.0.0.1:9/v1', model: name });
  const id = createRun(store, c, [set], DEFAULT_PARAMS);
  store.db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const score = Math.floor(random() * 5) / 4;
      store.results.insert({
        runId: id, set: 'bio', itemId: `q${i}`, sample: 0, prompt: `q${i}`, answer: 'a', reasoning: null, scores: {}, score,
        hallucinated: random() < 0.1, passed: score === 1, error: null, attempts: 1, latencyMs: 1, promptTokens: 1, completionTokens: 1, finishReason: 'stop',
      });
    }
  })();
  store.runs.finish(id, 'completed', summarizeRun(store, id));
  return id;
}

for (const n of sizes.length > 0 ? sizes : [100, 1000, 10_000]) {
  const b = run(`b${n}`, n);
  const h = run(`h${n}`, n);
  gate(store, h, b, { metrics: ['bio_accuracy'] }); // warm up
  const t0 = performance.now();
  gate(store, h, b, { metrics: ['bio_accuracy', 'hallucination_rate'] });
  console.log(`| ${n} items | ${(performance.now() - t0).toFixed(0)} ms |`);
}
store.close();
rmSync(dir, { recursive: true, force: true });
