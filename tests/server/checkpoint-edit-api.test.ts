/*
 * POST and PATCH /api/checkpoints check the endpoint before storing: a model it does not serve,
 * or a 404 model list on a URL without /v1 ("did you mean URL/v1?"), is a 400 naming the field.
 * PATCH changes the endpoint and model in place and keeps the runs. Real Fastify, real loopback
 * endpoints (vLLM-like: routes under /v1 only), a real SQLite file.
 */
import { describe, expect, it } from 'vitest';
import { echo, endpoint } from '../helpers/endpoint.js';
import { post, testApp, waitForStatus } from '../helpers/server.js';

const JSON_TYPE = { 'content-type': 'application/json' };
const hint = (root: string) => `${root} answers GET ${root}/models with 404 (not found): did you mean ${root}/v1?`;

async function served() {
  const e = await endpoint(echo, { accent: 'vllm', models: ['m'] });
  return { url: e.url, root: e.url.replace(/\/v1$/, '') };
}

describe('the endpoint check of POST and PATCH /api/checkpoints', () => {
  it('POST: a URL missing /v1 is 400 at body/baseUrl with the hint (with or without autoRun), a wrong model 400; nothing is stored', async () => {
    const e = await served();
    const { app, store } = await testApp();
    for (const autoRun of [false, true]) {
      const r = await post(app, '/api/checkpoints', { name: 'c', baseUrl: e.root, model: 'm', autoRun });
      expect(r.statusCode).toBe(400);
      expect(r.json().code).toBe('INVALID_INPUT');
      expect(r.json().error).toMatch(new RegExp(`^body/baseUrl: ${hint(e.root).replace(/[.?/()]/g, '\\$&')}`));
    }
    const wrong = await post(app, '/api/checkpoints', { name: 'c', baseUrl: e.url, model: 'nope' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().code).toBe('MODEL_NOT_SERVED');
    expect(store.checkpoints.list()).toEqual([]);
    // modelCheck: false registers it as given.
    expect((await post(app, '/api/checkpoints', { name: 'c', baseUrl: e.url, model: 'nope', modelCheck: false })).statusCode).toBe(201);
  });

  it('PATCH: a new base URL and model are checked like a registration, then stored; the runs stay', async () => {
    const a = await served();
    const b = await served();
    const { app, store } = await testApp();
    const created = await post(app, '/api/checkpoints', { name: 'c', baseUrl: a.url, model: 'm', autoRun: true, evalsets: ['bio'] });
    expect(created.statusCode, created.body).toBe(201);
    await waitForStatus(app, created.json().run.id, ['completed']);
    const patch = (payload: Record<string, unknown>) => app.inject({ method: 'PATCH', url: '/api/checkpoints/c', headers: JSON_TYPE, payload });

    const missing = await patch({ baseUrl: b.root });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.startsWith(`body/baseUrl: ${hint(b.root)}`)).toBe(true);
    expect((await patch({ model: 'nope' })).json().code).toBe('MODEL_NOT_SERVED');
    const credentials = await patch({ baseUrl: 'http://user:secret@127.0.0.1:1/v1' });
    expect(credentials.statusCode).toBe(400);
    expect(credentials.body).not.toContain('secret');
    expect(store.checkpoints.get('c').baseUrl).toBe(a.url);

    const moved = await patch({ baseUrl: b.url, model: 'm', step: 4 });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ baseUrl: b.url, baseUrls: [b.url], model: 'm', step: 4 });
    const runs = (await app.inject({ method: 'GET', url: '/api/runs' })).json().runs;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ checkpoint: 'c', status: 'completed' });
    // The run keeps the endpoint it recorded.
    expect(store.runs.get(runs[0].runId).provenance.endpoint.baseUrl).toBe(a.url);
  });
});
