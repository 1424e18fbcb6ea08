import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { testApp } from '../helpers/server.js';
import { answeredRun, rightAnswer } from '../helpers/synthetic.js';

const SHIPPED = loadEvalSets(['bio.jsonl', 'refusal.jsonl', 'known.jsonl', 'blog.jsonl'], join(import.meta.dirname, '../../evalsets'));

describe('GET /api/plan', () => {
  it('answers the plan of a run, and 400 naming the field for detect outside (0, 1] or power outside (0, 1), 404 for an unknown run', async () => {
    const { app, store } = await testApp();
    const head = answeredRun(store, { checkpoint: 'head', step: 2 }, SHIPPED, rightAnswer);
    const ok = await app.inject({ method: 'GET', url: `/api/plan?run=${head}&detect=1&power=0.5` });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ runId: head, detect: 1, power: 0.5, noise: { kind: 'run-only' } });
    expect(ok.json().metrics.find((m: { metric: string }) => m.metric === 'bio_accuracy')).toMatchObject({ n: 14, itemsNeeded: 'already' });
    for (const [q, field] of [['detect=0', 'detect'], ['detect=1.01', 'detect'], ['power=1', 'power'], ['power=-0.5', 'power'], ['power=abc', 'power']]) {
      const r = await app.inject({ method: 'GET', url: `/api/plan?run=${head}&${q}` });
      expect(r.statusCode, q).toBe(400);
      expect(r.body, q).toContain(field);
    }
    expect((await app.inject({ method: 'GET', url: '/api/plan' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/api/plan?run=99' })).statusCode).toBe(404);
  });
});
