import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseEvalSetText } from '../../server/evalsets/parse-file.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import type { Store } from '../../server/store/open.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { post, testApp, waitForStatus } from '../helpers/server.js';

/** A running run of `n` keyword items whose first `stored` have results (answers `answer(i)`); returns its id. */
function partialRun(store: Store, n: number, stored: number, answer: (i: number) => string): number {
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ id: `q${i}`, prompt: `question ${i}`, keywords: ['yes'] })).join('\n');
  const set = parseEvalSetText(lines, 'bio.jsonl', 'bio').set;
  const c = store.checkpoints.add({ name: `c${n}`, baseUrl: 'http://127.0.0.1:9/v1', model: 'm', step: null });
  const runId = createRun(store, c, [set], DEFAULT_PARAMS);
  store.db.transaction(() => {
    for (let i = 0; i < stored; i++) storeResult(store, runId, i, answer(i));
  })();
  return runId;
}

function storeResult(store: Store, runId: number, i: number, answer: string): void {
  store.results.insert({
    runId, set: 'bio', itemId: `q${i}`, sample: 0, prompt: `question ${i}`, answer, reasoning: null, scores: { keyword: { value: 1, explanation: '' } },
    score: 1, hallucinated: false, passed: true, error: null, attempts: 1, latencyMs: 3, promptTokens: 1, completionTokens: 1, finishReason: 'stop',
  });
}

const lines = (body: string) => body.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('GET /api/runs/:id/results.jsonl', () => {
  it('sends every stored result once, as the paged route sends them and in its order, as a named download', async () => {
    const model = await endpoint(echo);
    const t = await testApp();
    const r = await post(t.app, '/api/checkpoints', { name: 'c', baseUrl: model.url, model: 'm', autoRun: true });
    expect(r.statusCode, r.body).toBe(201);
    const id = r.json().run.id as number;
    await waitForStatus(t.app, id, ['completed']);
    const paged = (await t.app.inject({ method: 'GET', url: `/api/runs/${id}/results?limit=1000` })).json();
    const res = await t.app.inject({ method: 'GET', url: `/api/runs/${id}/results.jsonl` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="run-${id}-results.jsonl"`);
    expect(res.body.endsWith('\n')).toBe(true);
    expect(paged.total).toBeGreaterThan(3);
    expect(lines(res.body)).toEqual(paged.results);
    // Listed in the API docs.
    const docs = (await t.app.inject({ method: 'GET', url: '/api/docs/json' })).json();
    expect(docs.paths['/api/runs/{id}/results.jsonl'].get.summary).toMatch(/JSON Lines, streamed/);
  });

  it('404s with the usual error body for an unknown run; an empty run is an empty file', async () => {
    const t = await testApp();
    const res = await t.app.inject({ method: 'GET', url: '/api/runs/999/results.jsonl' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual((await t.app.inject({ method: 'GET', url: '/api/runs/999' })).json());
    expect(res.json()).toMatchObject({ error: 'no run with id 999', code: 'NOT_FOUND' });
    const id = partialRun(t.store, 3, 0, () => '');
    const empty = await t.app.inject({ method: 'GET', url: `/api/runs/${id}/results.jsonl` });
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toBe('');
  });

  it("removes the server's secrets from a streamed body too", async () => {
    const TOKEN = 'tg-jsonl-token-0123456789abcdef';
    const t = await testApp({ token: TOKEN });
    const id = partialRun(t.store, 600, 600, (i) => (i === 550 ? `the token is ${TOKEN}` : `answer ${i}`));
    const res = await t.app.inject({ method: 'GET', url: `/api/runs/${id}/results.jsonl`, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(TOKEN);
    const got = lines(res.body);
    expect(got).toHaveLength(600);
    expect(got[550]!.answer).toBe('the token is [redacted]');
  });

  it('streams a running run from the store: a slow reader holds no connection busy, and a result stored mid-download is sent', async () => {
    const t = await testApp();
    const N = 10_000;
    const long = 'x'.repeat(2_000);
    // Every item but the last has a result; ~20 MB of JSON, more than loopback buffers hold.
    const id = partialRun(t.store, N, N - 1, (i) => `answer ${i} ${long}`);
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(`${address}/api/runs/${id}/results.jsonl`, (res) => {
        const parts: Buffer[] = [];
        let paused = false;
        res.on('data', (b: Buffer) => {
          parts.push(b);
          if (paused) return;
          paused = true;
          // The first bytes came before the server had read the run's end: stop reading, store the
          // last result meanwhile (the runner can write: the stream holds no open statement), go on.
          res.pause();
          setTimeout(() => {
            storeResult(t.store, id, N - 1, 'stored while the download was under way');
            res.resume();
          }, 200);
        });
        res.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    const got = lines(body);
    expect(got).toHaveLength(N);
    expect(new Set(got.map((r) => r.id)).size).toBe(N);
    expect(got.at(-1)).toMatchObject({ id: `q${N - 1}`, answer: 'stored while the download was under way' });
  }, 60_000);
});
