import { describe, expect, it } from 'vitest';
import { echo, endpoint } from '../helpers/endpoint.js';
import { JSON_TYPE, post, testApp, waitForStatus } from '../helpers/server.js';
import { jsonl } from '../helpers/tmp.js';
import { PASS_DEFINITION } from '../../server/scoring/pass.js';
import { METRIC_GROUPS, METRIC_SETS, metricDef } from '../../server/scoring/metric-registry.js';

// Every state-changing request says it is JSON, a bodyless one too (the server refuses anything else): `post` sends it.

describe('API: health, docs and headers', () => {
  it('answers health, serves the OpenAPI docs, and sets security headers on the page', async () => {
    const { app } = await testApp();
    const health = await app.inject({ method: 'GET', url: '/api/health' });
    expect(health.json()).toEqual({ ok: true, version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    const docs = await app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(docs.statusCode).toBe(200);
    expect(Object.keys(docs.json().paths)).toEqual(expect.arrayContaining(['/api/checkpoints', '/api/runs', '/api/runs/{id}/events', '/api/compare', '/api/trend']));
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).not.toMatch(/<script>(?!<\/script>)/); // no inline script
  });

  it('limits body size', async () => {
    const { app } = await testApp();
    const r = await post(app, '/api/checkpoints', { name: 'x', baseUrl: 'http://h/v1', model: 'm', promptTemplate: 'x'.repeat(2 * 1024 * 1024) });
    expect(r.statusCode).toBe(413);
  });
});

describe('API: checkpoints', () => {
  it('registers, lists, gets, patches and deletes', async () => {
    const { app } = await testApp({ keyEnvs: ['VLLM_KEY'] });
    const created = await post(app, '/api/checkpoints', { name: 'sft-1', baseUrl: 'http://127.0.0.1:8000/v1', model: 'qwen', step: 100, tags: { mix: 'a' }, apiKeyEnv: 'VLLM_KEY' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'sft-1', step: 100, api: 'chat', tags: { mix: 'a' }, apiKeyEnv: 'VLLM_KEY', isBaseline: false });
    expect((await post(app, '/api/checkpoints', { name: 'sft-1', baseUrl: 'http://h/v1', model: 'm' })).statusCode).toBe(409);
    await post(app, '/api/checkpoints', { name: 'sft-2', baseUrl: 'http://h/v1', model: 'm', step: 50 });
    const list = (await app.inject({ method: 'GET', url: '/api/checkpoints' })).json();
    expect(list.checkpoints.map((c: { name: string }) => c.name)).toEqual(['sft-2', 'sft-1']);
    expect((await app.inject({ method: 'GET', url: '/api/checkpoints/sft-1' })).json().model).toBe('qwen');
    expect((await app.inject({ method: 'GET', url: '/api/checkpoints/nope' })).statusCode).toBe(404);

    const patched = await app.inject({ method: 'PATCH', url: '/api/checkpoints/sft-1', payload: { step: 200, baseline: true } });
    expect(patched.json()).toMatchObject({ step: 200, isBaseline: true });
    await app.inject({ method: 'PATCH', url: '/api/checkpoints/sft-2', payload: { baseline: true } });
    expect((await app.inject({ method: 'GET', url: '/api/checkpoints/sft-1' })).json().isBaseline).toBe(false);

    expect((await app.inject({ method: 'DELETE', url: '/api/checkpoints/sft-2', headers: JSON_TYPE })).statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/api/checkpoints/sft-2' })).statusCode).toBe(404);
  });

  it.each([
    [{ baseUrl: 'http://h/v1', model: 'm' }, 'body: "name" is required'],
    [{ name: 'has space', baseUrl: 'http://h/v1', model: 'm' }, 'body/name must match pattern'],
    [{ name: 'x', baseUrl: 'not a url', model: 'm' }, 'body/baseUrl must match'],
    [{ name: 'x', baseUrl: 'ftp://h/v1', model: 'm' }, 'body/baseUrl must match pattern'],
    [{ name: 'x', baseUrl: 'http://h/v1', model: '' }, 'body/model must NOT have fewer than 1 characters'],
    [{ name: 'x', baseUrl: 'http://h/v1', model: 'm', step: -1 }, 'body/step must be >= 0'],
    [{ name: 'x', baseUrl: 'http://h/v1', model: 'm', step: 1.5 }, 'body/step must be integer'],
    [{ name: 'x', baseUrl: 'http://h/v1', model: 'm', step: '5' }, 'body/step must be integer'],
    [{ name: 'x', baseUrl: 'http://h/v1', model: 'm', api: 'rest' }, 'body/api'],
    [{ name: 'x', baseUrl: 'http://h/v1', model: 'm', apiKeyEnv: 'sk-123' }, 'body/apiKeyEnv must match pattern'],
    [{ name: 'x', baseUrl: 'http://h/v1', model: 'm', tags: { a: 1 } }, 'body/tags/a must be string'],
    [{ name: 'x', baseUrl: 'http://h/v1', model: 'm', autoRun: 'yes' }, 'body/autoRun must be boolean'],
    [{ name: 'x', baseUrl: 'http://h/v1', model: 'm', stepp: 3 }, 'body: unknown field "stepp"'],
    [{ name: 'x', baseUrl: 'http://h/v1', model: 'm', apiKey: 'sk-live-123' }, 'body/apiKey: keys are never sent to tunegate; pass apiKeyEnv'],
    [{ name: 'x', baseUrl: 'http://h/v1', model: 'm', judge: { spec: 'gpt-4' } }, 'is not a judge'],
    [{ name: 'x', baseUrl: 'http://h/v1', model: 'm', autoRun: true, evalsets: ['../etc/passwd'] }, 'evalsets: unknown eval set "../etc/passwd" (available: bio, blog)'],
  ])('400 for %j', async (payload, message) => {
    const { app } = await testApp();
    const r = await post(app, '/api/checkpoints', payload);
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toContain(message);
    expect((await app.inject({ method: 'GET', url: '/api/checkpoints' })).json().checkpoints).toEqual([]);
  });

  it('refuses to delete a checkpoint with runs unless force=true', async () => {
    const e = await endpoint(echo);
    const { app } = await testApp();
    const r = await post(app, '/api/checkpoints', { name: 'c', baseUrl: e.url, model: 'm', autoRun: true });
    await waitForStatus(app, r.json().run.id, ['completed']);
    const refused = await app.inject({ method: 'DELETE', url: '/api/checkpoints/c', headers: JSON_TYPE });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toContain('has 1 runs; delete with force=true');
    expect((await app.inject({ method: 'DELETE', url: '/api/checkpoints/c?force=true', headers: JSON_TYPE })).statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/api/runs' })).json().runs).toEqual([]);
  });
});

describe('API: runs', () => {
  it('queues a run (202), executes it, and serves status, metrics, paged results and outcome filters', async () => {
    const e = await endpoint(echo);
    const { app } = await testApp();
    await post(app, '/api/checkpoints', { name: 'c', baseUrl: e.url, model: 'm', step: 1 });
    const q = await post(app, '/api/runs', { checkpoint: 'c', evalsets: ['bio'], concurrency: 2 });
    expect(q.statusCode).toBe(202);
    // The scripted endpoint lists no models: the run is queued with a warning that says so.
    expect(q.json()).toEqual({ id: 1, status: 'queued', warnings: [expect.stringMatching(/does not list its models \(GET \/v1\/models answered an empty list\); the model name "m" was not verified/)] });
    const run = await waitForStatus(app, 1, ['completed']);
    expect(run).toMatchObject({ runId: 1, checkpoint: 'c', metrics: { bio_accuracy: 2 / 3 }, progress: { done: 3, total: 3, errors: 0 } });
    expect(run.provenance.evalsets.map((s: { name: string }) => s.name)).toEqual(['bio']);
    const page = (await app.inject({ method: 'GET', url: '/api/runs/1/results?limit=2&offset=1' })).json();
    expect(page).toMatchObject({ total: 3, limit: 2, offset: 1 });
    expect(page.results.map((r: { id: string }) => r.id)).toEqual(['q2', 'q3']);
    const fails = (await app.inject({ method: 'GET', url: '/api/runs/1/results?outcome=fail' })).json();
    expect(fails.results.map((r: { id: string }) => r.id)).toEqual(['q3']);
    expect(fails.results[0]).toMatchObject({ set: 'bio', answer: 'answer to: question three', passed: false });
    expect((await app.inject({ method: 'GET', url: '/api/runs/1/results?outcome=pass' })).json().total).toBe(2);
    expect((await app.inject({ method: 'GET', url: '/api/runs/1/results?outcome=maybe' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/api/runs/99' })).statusCode).toBe(404);
  });

  it.each([
    [{ checkpoint: 'ghost' }, 'body/checkpoint: no checkpoint named "ghost"'],
    [{ checkpoint: 'c', evalsets: ['bio', 'nope'] }, 'evalsets: unknown eval set "nope" (available: bio, blog)'],
    [{ checkpoint: 'c', temperature: 3 }, 'body/temperature must be <= 2'],
    [{ checkpoint: 'c', samples: 0 }, 'body/samples must be >= 1'],
    [{ checkpoint: 'c', concurrency: 'many' }, 'body/concurrency must be integer'],
    [{ checkpoint: 'c', timeout: 0 }, 'body/timeout must be >= 0.001'],
    [{ checkpoint: 'c', judge: { spec: 'anthropic:m' } }, 'ANTHROPIC_API_KEY'],
    [{ checkpoint: 'c', colour: 'red' }, 'body: unknown field "colour"'],
  ])('400 for %j', async (payload, message) => {
    const { app } = await testApp();
    await post(app, '/api/checkpoints', { name: 'c', baseUrl: 'http://127.0.0.1:1/v1', model: 'm' });
    const r = await post(app, '/api/runs', payload);
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toContain(message);
    expect((await app.inject({ method: 'GET', url: '/api/runs' })).json().runs).toEqual([]);
  });

  it('pages runs newest first with a cursor and filters by checkpoint and status', async () => {
    const e = await endpoint(echo);
    const { app } = await testApp();
    await post(app, '/api/checkpoints', { name: 'a', baseUrl: e.url, model: 'm' });
    await post(app, '/api/checkpoints', { name: 'b', baseUrl: e.url, model: 'm2' });
    for (const c of ['a', 'a', 'b']) await post(app, '/api/runs', { checkpoint: c, evalsets: ['bio'] });
    for (const id of [1, 2, 3]) await waitForStatus(app, id, ['completed']);
    const first = (await app.inject({ method: 'GET', url: '/api/runs?limit=2' })).json();
    expect(first.runs.map((r: { runId: number }) => r.runId)).toEqual([3, 2]);
    expect(first.nextCursor).toBe(2);
    const second = (await app.inject({ method: 'GET', url: `/api/runs?limit=2&cursor=${first.nextCursor}` })).json();
    expect(second).toMatchObject({ runs: [{ runId: 1 }], nextCursor: null });
    expect((await app.inject({ method: 'GET', url: '/api/runs?checkpoint=b' })).json().runs.map((r: { runId: number }) => r.runId)).toEqual([3]);
    expect((await app.inject({ method: 'GET', url: '/api/runs?status=queued' })).json().runs).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/api/runs?status=bogus' })).statusCode).toBe(400);
  });

  it('cancels a running run, keeps its results, and resumes it to completion without duplicates', async () => {
    const e = await endpoint(echo, { latencyMs: 60 });
    const files = { 'evalsets/bio.jsonl': Array.from({ length: 30 }, (_, i) => JSON.stringify({ id: `q${i}`, prompt: `question ${i}`, keywords: [`question ${i}`] })).join('\n') };
    const { app, store } = await testApp({ files });
    await post(app, '/api/checkpoints', { name: 'c', baseUrl: e.url, model: 'm' });
    await post(app, '/api/runs', { checkpoint: 'c', concurrency: 2 });
    await waitForStatus(app, 1, ['running']);
    while (store.results.counts(1).results < 4) await new Promise((r) => setTimeout(r, 10));
    expect((await post(app, '/api/runs/1/cancel')).statusCode).toBe(202);
    const cancelled = await waitForStatus(app, 1, ['cancelled']);
    expect(cancelled.progress.done).toBeGreaterThanOrEqual(4);
    expect(cancelled.progress.done).toBeLessThan(30);
    expect((await post(app, '/api/runs/1/cancel')).statusCode).toBe(409);
    expect((await post(app, '/api/runs/1/resume', {})).statusCode).toBe(202);
    const done = await waitForStatus(app, 1, ['completed']);
    expect(done.progress).toEqual({ done: 30, total: 30, errors: 0 });
    expect(store.results.list(1)).toHaveLength(30);
    const again = await post(app, '/api/runs/1/resume', {});
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toContain('nothing left to run');
  });

  it('resumes a failed run whose items are all stored: it ends completed without sending a completion again', async () => {
    const e = await endpoint(echo);
    const { app, store } = await testApp();
    await post(app, '/api/checkpoints', { name: 'c', baseUrl: e.url, model: 'm' });
    await post(app, '/api/runs', { checkpoint: 'c', evalsets: ['bio'] });
    await waitForStatus(app, 1, ['completed']);
    const sent = e.requests.length;
    // What an earlier version left when its last write met another process's lock.
    store.runs.finish(1, 'failed', null, 'database is locked');
    const resumed = await post(app, '/api/runs/1/resume', {});
    expect(resumed.statusCode).toBe(202);
    const done = await waitForStatus(app, 1, ['completed', 'failed']);
    expect(done).toMatchObject({ status: 'completed', error: null, progress: { done: 3, total: 3, errors: 0 } });
    expect(e.requests.length).toBe(sent);
    expect((await post(app, '/api/runs/1/resume', {})).statusCode).toBe(409);
  });
});

describe('API: compare and trend', () => {
  it('compares two runs (deltas and flips with both answers) and charts a trend by step', async () => {
    const good = await endpoint(echo);
    const bad = await endpoint((req) => ({ content: req.userText === 'question one' ? 'no idea' : `answer to: ${req.userText}` }));
    const { app } = await testApp();
    await post(app, '/api/checkpoints', { name: 'late', baseUrl: bad.url, model: 'm', step: 2000, tags: { mix: 'v1' } });
    await post(app, '/api/checkpoints', { name: 'early', baseUrl: good.url, model: 'm', step: 1000, tags: { mix: 'v1' } });
    await post(app, '/api/checkpoints', { name: 'other', baseUrl: good.url, model: 'm2', step: 500, tags: { mix: 'v2' } });
    for (const c of ['early', 'late', 'other']) await post(app, '/api/runs', { checkpoint: c, evalsets: ['bio'] });
    for (const id of [1, 2, 3]) await waitForStatus(app, id, ['completed']);

    const cmp = (await app.inject({ method: 'GET', url: '/api/compare?base=1&head=2' })).json();
    expect(cmp.metrics.bio_accuracy.base).toBeCloseTo(2 / 3, 12);
    expect(cmp.metrics.bio_accuracy.head).toBeCloseTo(1 / 3, 12);
    expect(cmp.metrics.bio_accuracy.delta).toBeCloseTo(-1 / 3, 12);
    expect(cmp.items).toMatchObject({ compared: 3, changedContent: 0 });
    expect(cmp.flips).toEqual([{
      set: 'bio', id: 'q1', prompt: 'question one', tags: [], category: null, from: 'pass', to: 'fail', drop: 1,
      base: { answer: 'answer to: question one', sample: 0, score: 1, marks: { keywords: [{ alternatives: ['question one'], matched: 'question one' }], forbidden: [] } },
      head: { answer: 'no idea', sample: 0, score: 0, marks: { keywords: [{ alternatives: ['question one'], matched: null }], forbidden: [] } },
    }]);
    // q1 forgotten, q2 stayed right, q3 stayed wrong (its keyword is never in the echo).
    expect(cmp.transitions).toEqual({ bio: { stayedRight: 1, learned: 0, forgotten: 1, stayedWrong: 1, unscored: 0 } });
    expect(cmp.metrics.bio_accuracy).toMatchObject({ baseN: 3, headN: 3, baseCi: [expect.any(Number), expect.any(Number)] });
    expect((await app.inject({ method: 'GET', url: '/api/compare?base=1' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/api/compare?base=1&head=42' })).statusCode).toBe(404);

    const tr = (await app.inject({ method: 'GET', url: '/api/trend?metric=bio_accuracy&metric=hallucination_rate&tag=mix=v1' })).json();
    expect(tr.series.map((s: { metric: string }) => s.metric)).toEqual(['bio_accuracy', 'hallucination_rate']);
    expect(tr.series[0].points.map((p: { checkpoint: string; step: number; runId: number; n: number }) => [p.checkpoint, p.step, p.runId, p.n])).toEqual([['early', 1000, 1, 3], ['late', 2000, 2, 3]]);
    expect(tr.series[0].points[1].value).toBeCloseTo(1 / 3, 12);
    expect(tr.series[0]).toMatchObject({ label: 'Bio accuracy', direction: 'higher', range: [0, 1] });
    expect(tr.series[0].points[1]).toMatchObject({ tags: { mix: 'v1' }, baseline: false, method: 'wilson' });
    // Wilson's interval for 1 of 3, as published tables give it.
    expect(tr.series[0].points[1].ci[0]).toBeCloseTo(0.0615, 3);
    expect(tr.series[0].points[1].ci[1]).toBeCloseTo(0.7923, 3);
    const all = (await app.inject({ method: 'GET', url: '/api/trend?metric=bio_accuracy' })).json();
    expect(all.series[0].points.map((p: { checkpoint: string }) => p.checkpoint)).toEqual(['other', 'early', 'late']);
    expect((await app.inject({ method: 'GET', url: '/api/trend' })).statusCode).toBe(400);
    for (const inherited of ['set:constructor', 'set:__proto__', 'set:toString']) {
      const r = await app.inject({ method: 'GET', url: `/api/trend?metric=${inherited}` });
      expect(r.statusCode, inherited).toBe(200);
      expect(r.json().series[0].points.every((p: { value: unknown; n: number }) => p.value === null && p.n === 0), inherited).toBe(true);
    }
    for (const bad of ['__proto__', 'constructor', 'bio', 'blog_nonsense']) {
      const r = await app.inject({ method: 'GET', url: `/api/trend?metric=${bad}` });
      expect(r.statusCode, bad).toBe(400);
      expect(r.json().error).toContain(`unknown metric "${bad}"`);
    }
    const perSet = (await app.inject({ method: 'GET', url: '/api/trend?metric=set:bio' })).json();
    expect(perSet.series[0].points.map((p: { value: number }) => p.value)).toEqual([expect.closeTo(2 / 3, 12), expect.closeTo(2 / 3, 12), expect.closeTo(1 / 3, 12)]);

    // Without base: the gate's default reference. Nothing is flagged and no checkpoint has a base
    // or a run= tag: none (never the previous step), and the 404 says how to get one.
    const none = await app.inject({ method: 'GET', url: '/api/compare?head=2' });
    expect(none.statusCode).toBe(404);
    expect(none.json().error).toContain('no reference to gate against');
    expect(none.json().error).toContain('tunegate checkpoint baseline NAME');
    await app.inject({ method: 'PATCH', url: '/api/checkpoints/other', payload: { baseline: true } });
    const vsBaseline = (await app.inject({ method: 'GET', url: '/api/compare?head=2' })).json();
    expect([vsBaseline.base.runId, vsBaseline.head.runId]).toEqual([3, 2]);
    expect(vsBaseline.reference).toEqual({ kind: 'baseline', why: 'the flagged baseline checkpoint' });
    expect((await app.inject({ method: 'GET', url: '/api/trend?metric=bio_accuracy' })).json().series[0].points[0]).toMatchObject({ checkpoint: 'other', baseline: true });
  });
});

describe('API: auth', () => {
  it('with TUNEGATE_TOKEN, non-GET routes need the bearer token; GETs stay open', async () => {
    const { app } = await testApp({ token: 's3cret-token' });
    const body = { name: 'c', baseUrl: 'http://h/v1', model: 'm' };
    expect((await post(app, '/api/checkpoints', body)).statusCode).toBe(401);
    expect((await post(app, '/api/checkpoints', body, { authorization: 'Bearer wrong' })).statusCode).toBe(401);
    expect((await post(app, '/api/checkpoints', body, { authorization: 's3cret-token' })).statusCode).toBe(401);
    expect((await post(app, '/api/checkpoints', body, { authorization: 'Bearer s3cret-token' })).statusCode).toBe(201);
    expect((await app.inject({ method: 'DELETE', url: '/api/checkpoints/c' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/checkpoints' })).statusCode).toBe(200);
  });

  it('without a token, writes are open (the server then only binds loopback)', async () => {
    const { app } = await testApp();
    expect((await post(app, '/api/checkpoints', { name: 'c', baseUrl: 'http://h/v1', model: 'm' })).statusCode).toBe(201);
  });
});

describe('API: what the dashboard lists', () => {
  it('GET /api/evalsets lists the offered sets with kinds, counts and hashes; a broken file is listed with its error, not the server path', async () => {
    const files = {
      'evalsets/bio.jsonl': jsonl({ id: 'q1', prompt: 'p', keywords: ['k'] }, { id: 'q2', prompt: 'p2', keywords: ['k'] }),
      'evalsets/blog.jsonl': jsonl({ id: 'b1', title: 't', reference: 'r' }),
      'evalsets/broken.jsonl': '{"id": "x", "prompt": "p"}\n',
    };
    const { app, dir } = await testApp({ files });
    const r = (await app.inject({ method: 'GET', url: '/api/evalsets' })).json();
    expect(r.evalsets).toEqual([
      { name: 'bio', hash: expect.stringMatching(/^[0-9a-f]{64}$/), items: 2, keyword: 2, blog: 0, warnings: [] },
      { name: 'blog', hash: expect.any(String), items: 1, keyword: 0, blog: 1, warnings: [] },
      { name: 'broken', error: expect.stringContaining('broken.jsonl:1') },
    ]);
    expect(JSON.stringify(r)).not.toContain(dir);
  });

  it('GET /api/metrics is the registry plus set:NAME for every set a stored run used', async () => {
    const e = await endpoint(echo);
    const { app } = await testApp();
    const body = (await app.inject({ method: 'GET', url: '/api/metrics' })).json();
    const before = body.metrics;
    expect(body.pass).toBe(PASS_DEFINITION);
    // The registry's named sets, every one of them (a set the response schema omits would be dropped).
    expect(body.sets).toEqual(METRIC_SETS);
    // The metric picker's named groups, in order, and each metric's (a field the schema omitted would be dropped).
    expect(body.groups).toEqual(METRIC_GROUPS);
    for (const m of body.metrics as Array<{ name: string; group: string }>) expect(m.group, m.name).toBe(metricDef(m.name)!.group);
    // Which items each metric counts is part of the registry the page reads.
    expect(before.find((m: { name: string }) => m.name === 'bio_accuracy').items).toEqual({ kind: 'keyword', family: 'bio', set: null, withForbidden: false, category: null, inTrain: null, value: 'score' });
    expect(before.find((m: { name: string }) => m.name === 'hallucination_rate').items).toMatchObject({ kind: 'keyword', withForbidden: true, value: 'hallucinated' });
    expect(before.map((m: { name: string }) => m.name)).toEqual(expect.arrayContaining(['bio_accuracy', 'hallucination_rate', 'known_accuracy', 'blog_quality', 'blog_chrf', 'blog_perplexity']));
    expect(before.find((m: { name: string }) => m.name === 'hallucination_rate')).toMatchObject({ direction: 'lower', range: [0, 1], proportion: true });
    expect(before.find((m: { name: string }) => m.name === 'blog_chrf')).toMatchObject({ direction: 'higher', range: [0, 100] });
    expect(before.some((m: { name: string }) => m.name.startsWith('set:'))).toBe(false);
    await post(app, '/api/checkpoints', { name: 'c', baseUrl: e.url, model: 'm', autoRun: true });
    await waitForStatus(app, 1, ['completed']);
    const after = (await app.inject({ method: 'GET', url: '/api/metrics' })).json().metrics;
    expect(after.filter((m: { name: string }) => m.name.startsWith('set:')).map((m: { name: string }) => m.name)).toEqual(['set:bio', 'set:blog']);
    expect(after.find((m: { name: string }) => m.name === 'set:bio').items).toMatchObject({ set: 'bio', family: null });
    expect(after.find((m: { name: string }) => m.name === 'set:bio').group).toBe('sets');
  });

  it('run bodies carry every metric n and interval; keyword results carry their marks', async () => {
    const e = await endpoint((req) => ({ content: req.userText === 'question two' ? 'question two, born in Yingkou' : `answer to: ${req.userText}` }));
    const { app } = await testApp();
    await post(app, '/api/checkpoints', { name: 'c', baseUrl: e.url, model: 'm', autoRun: true });
    const run = await waitForStatus(app, 1, ['completed']);
    expect(run.stats.bio_accuracy).toEqual({ n: 3, ci: [expect.any(Number), expect.any(Number)], method: 'wilson' });
    expect(run.sets.bio.stats.score).toEqual(run.stats.bio_accuracy);
    const results = (await app.inject({ method: 'GET', url: '/api/runs/1/results?set=bio' })).json().results;
    expect(results.find((r: { id: string }) => r.id === 'q2').marks).toEqual({
      keywords: [{ alternatives: ['question two'], matched: 'question two' }],
      forbidden: [{ text: 'Yingkou', found: true }],
    });
    const blogRow = (await app.inject({ method: 'GET', url: '/api/runs/1/results?set=blog' })).json().results[0];
    expect(blogRow).toMatchObject({ kind: 'blog', reference: 'answer to: WAL mode' });
    expect(blogRow.marks).toBeUndefined();
  });

  it('run bodies count answers cut off at max tokens, per run and per set, with the note; the API docs describe the count', async () => {
    const e = await endpoint((req) => (req.userText === 'WAL mode' ? { content: 'answer to: WAL', finishReason: 'length' } : echo(req)));
    const { app } = await testApp();
    await post(app, '/api/checkpoints', { name: 'c', baseUrl: e.url, model: 'm', autoRun: true });
    const run = await waitForStatus(app, 1, ['completed']);
    expect(run.counts).toEqual({ items: 4, results: 4, errors: 0, missing: 0, truncated: 1 });
    expect(run.sets.bio.truncated).toBe(0);
    expect(run.sets.blog.truncated).toBe(1);
    expect(run.notes).toEqual([expect.stringMatching(/^set blog: 1 of 1 answers \(100%\) were cut off at max tokens/)]);
    const listed = (await app.inject({ method: 'GET', url: '/api/runs' })).json().runs[0];
    expect(listed.counts.truncated).toBe(1);
    const docs = JSON.stringify((await app.inject({ method: 'GET', url: '/api/docs/json' })).json().paths['/api/runs/{id}']);
    expect(docs).toContain('answered results cut off at max tokens');
  });

  it('page URLs answer the page (reload works on each); /api/* never does', async () => {
    const { app } = await testApp();
    for (const url of ['/', '/runs/7', '/compare', '/compare?base=1&head=2', '/checkpoints/new']) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-type'], url).toContain('text/html');
      expect(r.body, url).toContain('<main id="view"');
      expect(r.headers['content-security-policy'], url).toContain("script-src 'self'");
    }
    for (const url of ['/api/nope', '/api/runs/1/nope', '/api/']) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(404);
      expect(r.json().code, url).toBe('NOT_FOUND');
    }
    const js = await app.inject({ method: 'GET', url: '/app.js', headers: { 'accept-encoding': 'br' } });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-encoding']).toBe('br');
    expect(js.headers['content-type']).toContain('javascript');
  });
});

describe('API: compare with several samples', () => {
  it('a forgotten item shows a failing sample as its evidence, so the answer agrees with the verdict', async () => {
    const good = await endpoint((req) => ({ content: `answer to: ${req.userText}` }));
    // Right on even seeds, wrong on odd ones: sample 0 passes, sample 1 fails.
    const flaky = await endpoint((req) => ({ content: Number(req.body.seed) % 2 === 0 ? `answer to: ${req.userText}` : 'no idea at all' }));
    const { app } = await testApp();
    await post(app, '/api/checkpoints', { name: 'before', baseUrl: good.url, model: 'm', step: 1 });
    await post(app, '/api/checkpoints', { name: 'after', baseUrl: flaky.url, model: 'm', step: 2 });
    for (const c of ['before', 'after']) await post(app, '/api/runs', { checkpoint: c, evalsets: ['bio'], samples: 2, seed: 0 });
    for (const id of [1, 2]) await waitForStatus(app, id, ['completed']);
    const cmp = (await app.inject({ method: 'GET', url: '/api/compare?base=1&head=2' })).json();
    const q1 = cmp.flips.find((f: { id: string }) => f.id === 'q1');
    expect(q1).toMatchObject({ from: 'pass', to: 'fail', head: { answer: 'no idea at all', sample: 1, score: 0.5 } });
    expect(q1.head.marks.keywords).toEqual([{ alternatives: ['question one'], matched: null }]);
    expect(q1.base).toMatchObject({ answer: 'answer to: question one', sample: 0, score: 1 });
  });
});
