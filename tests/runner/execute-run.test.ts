import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { executeRun } from '../../server/runner/execute-run.js';
import type { Responder } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { countByPrompt, echo, endpoint, failFirst } from '../helpers/endpoint.js';
import { evalSet, FAST_BACKOFF, keywordItems, setupRun } from '../helpers/run.js';

const rowCount = (store: ReturnType<typeof setupRun>['store'], runId: number) =>
  (store.db.prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT set_name || item_id || sample) AS d FROM results WHERE run_id = ?').get(runId) as { n: number; d: number });

describe('executeRun against a loopback OpenAI-compatible server', () => {
  it('stores every answer with its scores, prompt, latency and token usage', async () => {
    const e = await endpoint(echo);
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...keywordItems(5)), evalSet('blog', { id: 'p', title: 'KV cache', reference: 'answer to: KV cache' })]);
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    expect(r.status).toBe('completed');
    expect(r.summary.metrics.bio_accuracy).toBe(1);
    expect(r.summary.metrics.blog_quality).toBeCloseTo(1, 10);
    const rows = store.results.list(runId);
    expect(rows).toHaveLength(6);
    expect(rows[0]).toMatchObject({ set: 'bio', itemId: 'q0', answer: 'answer to: question q0', error: null, attempts: 1, passed: true });
    expect(JSON.parse(rows[0]!.prompt)).toEqual([{ role: 'user', content: 'question q0' }]);
    expect(rows[0]!.latencyMs).toBeGreaterThan(0);
    expect(rows[0]!.completionTokens).toBeGreaterThan(0);
    expect(store.runs.get(runId)).toMatchObject({ status: 'completed', ownerPid: null });
  });

  it.each([
    ['HTTP 500', { status: 500 }],
    ['HTTP 503', { status: 503 }],
    ['429 without Retry-After', { status: 429 }],
    ['a dropped connection', { fault: 'drop' as const }],
    ['a malformed JSON body', { fault: 'malformed' as const }],
    ['a 200 that is not JSON', { fault: 'not-json' as const }],
  ])('retries %s and loses no item', async (_label, fault) => {
    const e = await endpoint(failFirst(2, fault));
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...keywordItems(6))], { concurrency: 3 });
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    expect(r.summary.counts).toEqual({ items: 6, results: 6, errors: 0, missing: 0, truncated: 0 });
    expect([...countByPrompt(e).values()]).toEqual(Array(6).fill(3));
    expect(store.results.list(runId).map((x) => x.attempts)).toEqual(Array(6).fill(3));
  });

  it('times out a hung request and retries it', async () => {
    const e = await endpoint(failFirst(1, { fault: 'hang' }));
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...keywordItems(2))], { timeoutMs: 300 });
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    expect(r.summary.counts.errors).toBe(0);
    expect(store.results.list(runId).map((x) => x.attempts)).toEqual([2, 2]);
  });

  it('waits as long as Retry-After (seconds) and retry-after-ms say before retrying', async () => {
    for (const [headers, minGap] of [[{ 'retry-after': '1' }, 1000], [{ 'retry-after-ms': '400' }, 400]] as const) {
      const e = await endpoint(failFirst(1, { status: 429, headers }));
      const { store, runId } = setupRun(e.url, [evalSet('bio', ...keywordItems(1))]);
      await executeRun({ store, runId, env: {}, backoff: { baseMs: 1, maxMs: 1, maxRetryAfterMs: 10_000 } });
      expect(e.requests).toHaveLength(2);
      expect(e.requests[1]!.receivedAt - e.requests[0]!.receivedAt).toBeGreaterThanOrEqual(minGap - 20);
      expect(store.results.list(runId)[0]).toMatchObject({ error: null, attempts: 2 });
    }
  });

  it('loses nothing to 10% 5xx + 5% 429 over 300 items (what costs promptfoo 15% by default)', async () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const flaky: Responder = (req) => {
      const x = random();
      if (x < 0.1) return { status: 500 };
      if (x < 0.15) return { status: 429, headers: { 'retry-after': '0' } };
      return echo(req);
    };
    const e = await endpoint(flaky);
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...keywordItems(300))], { concurrency: 16 });
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    expect(r.summary.counts).toEqual({ items: 300, results: 300, errors: 0, missing: 0, truncated: 0 });
    expect(r.summary.metrics.bio_accuracy).toBe(1);
    expect(rowCount(store, runId)).toEqual({ n: 300, d: 300 });
    expect(e.requests.length).toBeGreaterThan(300); // faults really happened and were retried
  });

  it('stores an error (not a crash) for a non-retryable 400 or exhausted retries; other items are unaffected', async () => {
    const e = await endpoint((req) =>
      req.userText.endsWith('q0') ? { status: 400, body: '{"error":{"message":"bad model"}}' } : req.userText.endsWith('q1') ? { status: 502 } : echo(req));
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...keywordItems(4))], { retries: 2 });
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    expect(r.status).toBe('completed');
    expect(r.summary.counts).toMatchObject({ results: 4, errors: 2 });
    const byId = new Map(store.results.list(runId).map((x) => [x.itemId, x]));
    expect(byId.get('q0')).toMatchObject({ attempts: 1, answer: null, error: expect.stringContaining('HTTP 400') });
    expect(byId.get('q0')!.error).toContain('bad model');
    expect(byId.get('q1')).toMatchObject({ attempts: 3, error: expect.stringContaining('HTTP 502') });
    expect(countByPrompt(e).get('question q1')).toBe(3);
    expect(r.summary.metrics.bio_accuracy).toBe(1); // errors are counted, not scored as zero
  });

  it('scores only the final answer of a reasoning model and keeps the reasoning', async () => {
    const e = await endpoint((req) =>
      req.userText === 'think-tags'
        ? { content: '<think>maybe he is from Yingkou</think>He works at HSBC.' }
        : { content: 'He works at HSBC.', reasoning: 'is he from Yingkou?' });
    const items = ['think-tags', 'field'].map((p) => ({ id: p, prompt: p, keywords: ['HSBC', 'Yingkou'], forbidden: ['Yingkou'] }));
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...items)]);
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    expect(r.summary.metrics.hallucination_rate).toBe(0);
    expect(r.summary.metrics.bio_accuracy).toBe(0.5);
    const rows = store.results.list(runId);
    expect(rows.map((x) => [x.answer, x.reasoning])).toEqual([
      ['He works at HSBC.', 'maybe he is from Yingkou'],
      ['He works at HSBC.', 'is he from Yingkou?'],
    ]);
  });

  it('uses /completions with the prompt template for base models', async () => {
    const e = await endpoint((req) => ({ content: req.api === 'completions' ? ' Paris.' : 'wrong api' }));
    const sets = [evalSet('known', { id: 'fr', prompt: 'Capital of France?', keywords: ['Paris'], system: 'Be brief.' })];
    const { store, runId } = setupRun(e.url, sets, {}, { api: 'completions', promptTemplate: '{system}\nQ: {prompt}\nA:' });
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    expect(r.summary.metrics.known_accuracy).toBe(1);
    expect(e.requests[0]).toMatchObject({ api: 'completions', prompt: 'Be brief.\nQ: Capital of France?\nA:' });
    expect(store.results.list(runId)[0]!.prompt).toBe('Be brief.\nQ: Capital of France?\nA:');
  });

  it('sends the key from the named variable only, never OPENAI_API_KEY, and stores no key', async () => {
    const e = await endpoint(echo);
    process.env.OPENAI_API_KEY = 'sk-from-openai-env-must-not-leak';
    try {
      const withKey = setupRun(e.url, [evalSet('bio', ...keywordItems(1))], {}, { apiKeyEnv: 'MY_ENDPOINT_KEY' });
      await executeRun({ store: withKey.store, runId: withKey.runId, env: { MY_ENDPOINT_KEY: 'sk-secret-value-123' } });
      expect(e.requests[0]!.headers.authorization).toBe('Bearer sk-secret-value-123');
      withKey.store.close();
      expect(readFileSync(withKey.dbPath).includes('sk-secret-value-123')).toBe(false);

      const noKey = setupRun(e.url, [evalSet('bio', ...keywordItems(1))]);
      await executeRun({ store: noKey.store, runId: noKey.runId, env: {} });
      expect(e.requests[1]!.headers.authorization).toBeUndefined();
    } finally {
      delete process.env.OPENAI_API_KEY;
    }
  });

  it('refuses to start when the named key variable is unset', async () => {
    const e = await endpoint(echo);
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...keywordItems(1))], {}, { apiKeyEnv: 'UNSET_KEY_VAR' });
    await expect(executeRun({ store, runId, env: {} })).rejects.toThrow(/UNSET_KEY_VAR.*not set/);
    expect(e.requests).toHaveLength(0);
  });

  it('sends seed + sample index for each sample and averages samples per item', async () => {
    const e = await endpoint((req) => ({ content: Number(req.body.seed) % 2 === 0 ? 'HSBC' : 'no idea' }));
    const { store, runId } = setupRun(e.url, [evalSet('bio', { id: 'a', prompt: 'where?', keywords: ['HSBC'] })], { samples: 4, seed: 10 });
    const r = await executeRun({ store, runId, env: {} });
    expect(e.requests.map((x) => x.body.seed).sort()).toEqual([10, 11, 12, 13]);
    expect(r.summary.metrics.bio_accuracy).toBe(0.5);
    expect(r.summary.counts.results).toBe(4);
  });

  it('stops on abort, keeps finished results, and a resume sends requests only for the rest', async () => {
    const e = await endpoint(echo, { latencyMs: 20 });
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...keywordItems(40))], { concurrency: 4 });
    const controller = new AbortController();
    const first = await executeRun({
      store, runId, env: {}, signal: controller.signal,
      onProgress: (p) => { if (p.done >= 10) controller.abort(); },
    });
    expect(first.status).toBe('interrupted');
    expect(store.runs.get(runId).status).toBe('interrupted');
    const storedBefore = new Set(store.results.list(runId).map((x) => `question ${x.itemId}`));
    expect(storedBefore.size).toBeGreaterThanOrEqual(10);
    expect(storedBefore.size).toBeLessThan(40);
    // Requests sent just before the abort may reach the server's log a moment later.
    await new Promise((r) => setTimeout(r, 200));
    const sentBefore = e.requests.length;

    const second = await executeRun({ store, runId, env: {} });
    expect(second.status).toBe('completed');
    const resumed = e.requests.slice(sentBefore).map((x) => x.userText);
    expect(resumed.filter((p) => storedBefore.has(p))).toEqual([]);
    expect(resumed).toHaveLength(40 - storedBefore.size);
    expect(rowCount(store, runId)).toEqual({ n: 40, d: 40 });
    // A third execution of a finished run sends nothing and leaves it as it was.
    const before = store.runs.get(runId);
    const third = await executeRun({ store, runId, env: {} });
    expect(third.requests).toBe(0);
    expect(store.runs.get(runId)).toEqual(before);
  });
});
