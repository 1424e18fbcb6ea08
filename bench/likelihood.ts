import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEvalSetText } from '../server/evalsets/parse-file.js';
import { measureLikelihoods } from '../server/pipeline/likelihood.js';
import { createRun, DEFAULT_PARAMS } from '../server/runner/create-run.js';
import { startScriptedEndpoint } from '../server/scripted-endpoint/scripted-endpoint.js';
import { openStore } from '../server/store/open.js';

/**
 * Cost of the likelihood metrics after a run: N keyword items with an answer and W wrong answers,
 * measured against a loopback endpoint in vLLM's accent that answers every request after L ms,
 * at concurrency C, for a completions and a chat checkpoint. Requests per item: 1 + W (completions),
 * 2 + W (chat: the prefix too). The floor is requests·L/C.
 * Usage: npm run bench:likelihood -- [N C L_MS W]
 */
const [n = 200, concurrency = 8, latencyMs = 20, wrong = 3] = process.argv.slice(2).map(Number);
const dir = mkdtempSync(join(tmpdir(), 'tunegate-bench-likelihood-'));
const store = openStore(join(dir, 'bench.db'));
const lines = Array.from({ length: n }, (_, i) => JSON.stringify({
  id: `q${i}`, prompt: `Where is fact number ${i} kept?`, keywords: [`place-${i}`], answer: `Fact number ${i} is kept at place-${i}.`,
  wrong_answers: Array.from({ length: wrong }, (_, j) => `Fact number ${i} is kept at another place, number ${j}.`),
}));
const set = parseEvalSetText(lines.join('\n'), 'bio.jsonl', 'bio').set;
const endpoint = await startScriptedEndpoint({ respond: () => ({ content: '' }), accent: 'vllm', models: ['m'], latencyMs, record: false });

for (const api of ['completions', 'chat'] as const) {
  const c = store.checkpoints.add({ name: api, baseUrl: endpoint.url, model: 'm', api });
  const runId = createRun(store, c, [set], { ...DEFAULT_PARAMS, concurrency });
  store.db.transaction(() => {
    for (const item of set.items) {
      store.results.insert({
        runId, set: 'bio', itemId: item.id, sample: 0, prompt: 'p', answer: 'a', reasoning: null, scores: {}, score: 0, hallucinated: null, passed: false,
        error: null, attempts: 1, latencyMs: 1, promptTokens: 1, completionTokens: 1, finishReason: 'stop',
      });
    }
  })();
  const t0 = performance.now();
  const r = await measureLikelihoods(store, runId, {}, { concurrency, timeoutMs: 60_000 });
  const wall = performance.now() - t0;
  const floor = (r.requests * latencyMs) / concurrency;
  console.log(`| ${api} | ${n} | ${wrong} | ${concurrency} | ${latencyMs} ms | ${(r.requests / n).toFixed(0)} | ${(wall / n).toFixed(2)} ms | ${(wall / 1000).toFixed(2)} s | ${(floor / 1000).toFixed(2)} s | ${(wall / floor).toFixed(3)}× |${r.skipped !== null ? ` skipped: ${r.skipped}` : ''}`);
}
await endpoint.close();
store.close();
rmSync(dir, { recursive: true, force: true });
