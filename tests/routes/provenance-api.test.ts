import { describe, expect, it } from 'vitest';
import { runMismatches } from '../../server/compare/provenance-diff.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { post, testApp, waitForStatus } from '../helpers/server.js';


describe('API: provenance', () => {
  it('compare lists how two runs were measured differently, and warns about them and a changed system_fingerprint', async () => {
    const a = await endpoint(echo, { systemFingerprint: 'fp_a' });
    const b = await endpoint(echo, { systemFingerprint: 'fp_b' });
    const { app, store } = await testApp();
    await post(app, '/api/checkpoints', { name: 'early', baseUrl: a.url, model: 'm', step: 1 });
    await post(app, '/api/checkpoints', { name: 'late', baseUrl: b.url, model: 'm', step: 2 });
    await post(app, '/api/runs', { checkpoint: 'early' });
    await post(app, '/api/runs', { checkpoint: 'late', temperature: 0.7, maxTokens: 64 });
    for (const id of [1, 2]) await waitForStatus(app, id, ['completed']);
    // Both runs judged, with different rubric versions.
    for (const [runId, rubric] of [[1, 'blog-v1'], [2, 'blog-v2']] as const) {
      store.judge.putJudgment({ runId, set: 'blog', itemId: 'p1', sample: 0, judge: 'anthropic:j', rubric, score: 0.5, verdict: null, error: null, cached: false });
    }

    const cmp = (await app.inject({ method: 'GET', url: '/api/compare?base=1&head=2' })).json();
    expect(cmp.mismatches.map((m: { field: string; base: string; head: string }) => [m.field, m.base, m.head])).toEqual([
      ['temperature', '0', '0.7'],
      ['maxTokens.keyword', '512', '64'],
      ['maxTokens.blog', '1024', '64'],
      ['judgeRubric', 'blog-v1', 'blog-v2'],
    ]);
    expect(cmp.warnings).toEqual(expect.arrayContaining([
      'temperature differs: 0 in baseline run 1, 0.7 in head run 2',
      expect.stringMatching(/^system_fingerprint differs: fp_a in baseline run 1, fp_b in head run 2/),
    ]));
    expect(runMismatches(store, 1, 2)).toEqual(cmp.mismatches);
    // Runs measured alike: nothing.
    expect((await app.inject({ method: 'GET', url: '/api/compare?base=1&head=1' })).json()).toMatchObject({ mismatches: [], warnings: [] });

    const run = (await app.inject({ method: 'GET', url: '/api/runs/2' })).json();
    expect(run.provenance.reported).toEqual({ models: ['m'], systemFingerprints: ['fp_b'] });
    expect(run.provenance).toHaveProperty('revision');
  });

  it('refuses to resume a run scored by other scorer versions (409 PROVENANCE_MISMATCH) and leaves it as it was', async () => {
    const e = await endpoint(echo);
    const { app, store } = await testApp();
    await post(app, '/api/checkpoints', { name: 'c', baseUrl: e.url, model: 'm', autoRun: true });
    await waitForStatus(app, 1, ['completed']);
    store.db.prepare(`DELETE FROM results WHERE run_id = 1 AND item_id = 'q3'`).run();
    store.db.prepare(`UPDATE runs SET status = 'interrupted', provenance = json_set(provenance, '$.scorers.blog', '0') WHERE id = 1`).run();
    const sent = e.requests.length;
    const r = await post(app, '/api/runs/1/resume', {});
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'PROVENANCE_MISMATCH', error: expect.stringContaining('run 1 was scored with blog v0; this tunegate scores blog v1') });
    expect(store.runs.get(1).status).toBe('interrupted');
    expect(e.requests.length).toBe(sent);
  });
});
