import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { serverEnv } from '../../server/config.js';
import { ReadCache } from '../../server/routes/read-cache.js';
import { summarizeRun } from '../../server/runs/summary.js';
import { testApp, type TestApp } from '../helpers/server.js';
import { syntheticRun } from '../helpers/synthetic.js';

const extra: FastifyInstance[] = [];
afterEach(async () => {
  while (extra.length > 0) await extra.pop()!.close();
});

/** A second app on the same store whose cache keeps nothing: every answer computed afresh, as before caching. */
async function uncachedApp(t: TestApp): Promise<FastifyInstance> {
  const app = await buildApp({
    store: t.store, queue: t.queue, env: serverEnv({}, { keyEnvs: [] }), evalsetsDir: join(t.dir, 'evalsets'),
    readCache: new ReadCache({ maxEntries: 0, maxBytes: 0 }),
  });
  extra.push(app);
  return app;
}

async function cachedApp(t: TestApp, cache: ReadCache): Promise<FastifyInstance> {
  const app = await buildApp({ store: t.store, queue: t.queue, env: serverEnv({}, { keyEnvs: [] }), evalsetsDir: join(t.dir, 'evalsets'), readCache: cache });
  extra.push(app);
  return app;
}

const outcomes = (n: number, fail: number[]) => Array.from({ length: n }, (_, i) => !fail.includes(i));

/** Two completed runs on two checkpoints; the head's first item errored, its second forgotten. */
function seed(t: TestApp): { base: number; head: number } {
  const base = syntheticRun(t.store, { checkpoint: 'base', step: 1, outcomes: outcomes(12, [5]) });
  const head = syntheticRun(t.store, { checkpoint: 'head', step: 2, outcomes: outcomes(12, [1, 5]), errored: [0] });
  return { base, head };
}

describe('the read cache', () => {
  it('answers byte for byte what an uncached server answers, and stays so as the runs change', async () => {
    const t = await testApp();
    const { base, head } = seed(t);
    const cache = new ReadCache();
    const app = await cachedApp(t, cache);
    const plain = await uncachedApp(t);
    const urls = [`/api/compare?base=${base}&head=${head}`, `/api/runs/${head}/results?limit=5&offset=0`, `/api/runs/${head}/results?outcome=fail`, '/api/trend?metric=bio_accuracy',
      `/api/runs/${head}`, '/api/runs?limit=5'];
    const seen = new Map<string, string[]>();
    /** Every URL twice from the cached app (computed, then kept) and once uncached: all three the same bytes. */
    const check = async (step: string) => {
      for (const url of urls) {
        const first = await app.inject({ method: 'GET', url });
        const again = await app.inject({ method: 'GET', url });
        const fresh = await plain.inject({ method: 'GET', url });
        expect(first.statusCode, `${step}: ${url}`).toBe(200);
        expect(first.headers['content-type']).toBe(fresh.headers['content-type']);
        expect(first.body, `${step}: ${url}`).toBe(fresh.body);
        expect(again.body, `${step}: ${url}`).toBe(fresh.body);
        seen.set(url, [...(seen.get(url) ?? []), fresh.body]);
      }
    };
    await check('stored');
    const hitsBefore = cache.stats().hits;
    expect(hitsBefore).toBeGreaterThanOrEqual(urls.length);

    // A new result: the errored item retried and answered (delete + insert, as --retry-errors does).
    t.store.results.delete(head, 'bio', 'q0', 0);
    t.store.results.insert({
      runId: head, set: 'bio', itemId: 'q0', sample: 0, prompt: 'question 0', answer: 'yes, it is', reasoning: null,
      scores: { keyword: { value: 1, explanation: '' } }, score: 1, hallucinated: false, passed: true, error: null, attempts: 1,
      latencyMs: 1, promptTokens: 1, completionTokens: 1, finishReason: 'stop',
    });
    t.store.runs.finish(head, 'completed', summarizeRun(t.store, head));
    await check('new result');

    // Judge scores on an answer (shown with the result).
    t.store.judge.putJudgment({ runId: head, set: 'bio', itemId: 'q1', sample: 0, judge: 'openai:judge', rubric: 'r1', score: 0.25, verdict: { score: 0.25 }, error: null, cached: false });
    await check('judged');

    // The run's end state changes (status, finished_at).
    t.store.runs.finish(head, 'interrupted', summarizeRun(t.store, head));
    await check('finished again');

    // Knowledge categories: the head is fine-tuned from base, whose categorization now covers its items.
    t.store.checkpoints.update('head', { base: 'base' });
    const baseId = t.store.checkpoints.get('base').id;
    t.store.categories.put(t.store.runs.items(head).map((i) => ({
      baseCheckpointId: baseId, itemHash: i.hash, set: i.set, itemId: i.id, category: 'HighlyKnown' as const,
      greedy: { correct: 4, total: 4 }, sampled: { correct: 4, total: 4 }, runId: base,
    })));
    await check('categorized');

    // Each change showed in what it touches (so each check above could have caught a stale answer).
    const changed = (url: string) => new Set(seen.get(url)).size;
    expect(changed(urls[0]!)).toBeGreaterThanOrEqual(4);
    expect(changed(urls[1]!)).toBeGreaterThanOrEqual(4);
    expect(changed(urls[3]!)).toBeGreaterThanOrEqual(3);
    expect(changed(urls[4]!)).toBeGreaterThanOrEqual(3);
    expect(changed(urls[5]!)).toBeGreaterThanOrEqual(3);
  });

  it('computes once for many identical requests arriving together', async () => {
    const t = await testApp();
    const { base, head } = seed(t);
    const cache = new ReadCache();
    const app = await cachedApp(t, cache);
    const replies = await Promise.all(Array.from({ length: 20 }, () => app.inject({ method: 'GET', url: `/api/compare?base=${base}&head=${head}` })));
    expect(new Set(replies.map((r) => r.statusCode))).toEqual(new Set([200]));
    expect(new Set(replies.map((r) => r.body)).size).toBe(1);
    const s = cache.stats();
    expect(s.computed).toBe(1);
    expect(s.joined + s.hits).toBe(19);
    expect(s.entries).toBe(1);
  });

  it('keeps within its bounds, least recently used out first, and never keeps an error', async () => {
    const t = await testApp();
    const { base, head } = seed(t);
    const cache = new ReadCache({ maxEntries: 2, maxBytes: 10 * 1024 * 1024 });
    const app = await cachedApp(t, cache);
    for (const url of [`/api/compare?base=${base}&head=${head}`, `/api/compare?base=${head}&head=${base}`, `/api/runs/${head}/results`]) {
      expect((await app.inject({ method: 'GET', url })).statusCode).toBe(200);
    }
    expect(cache.stats().entries).toBe(2);
    expect((await app.inject({ method: 'GET', url: `/api/compare?base=${base}&head=999` })).statusCode).toBe(404);
    expect(cache.stats().entries).toBe(2);
    // The first comparison was dropped (least recently used): asking again computes it.
    const computed = cache.stats().computed;
    await app.inject({ method: 'GET', url: `/api/compare?base=${base}&head=${head}` });
    expect(cache.stats().computed).toBe(computed + 1);
  });
});
