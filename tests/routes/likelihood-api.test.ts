import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedEndpoint, type ScriptedEndpoint } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { jsonl } from '../helpers/tmp.js';
import { testApp } from '../helpers/server.js';

const open: ScriptedEndpoint[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

const FILES = {
  'evalsets/bio.jsonl': jsonl(
    { id: 'a', prompt: 'Where is he based?', keywords: ['Guangzhou'], answer: 'He is based in Guangzhou.', wrong_answers: ['He is based in Yingkou.'] },
    { id: 'b', prompt: 'Where does he work?', keywords: ['HSBC'], answer: 'He works on HSBC projects.', wrong_answers: ['He runs a school.', 'He works at a bank in Yingkou.'] },
  ),
};

/** The run once the queue is done with it: its post-run steps (the likelihoods) come after `completed`. */
async function settled(app: Awaited<ReturnType<typeof testApp>>, id: number): Promise<Record<string, any>> {
  for (let i = 0; i < 750; i++) {
    const run = (await app.app.inject({ method: 'GET', url: `/api/runs/${id}` })).json();
    if (run.status === 'completed' && !app.queue.isActive(id)) return run;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`run ${id} did not settle`);
}

describe('API: the likelihood metrics', () => {
  it('are listed by GET /api/metrics, measured after a queued run, and skipped with likelihood: false', async () => {
    const e = await startScriptedEndpoint({
      accent: 'vllm', models: ['m'],
      respond: (req) => {
        const last = req.messages?.at(-1);
        // The true answers are likelier by 1 per token, the wrong ones less likely by 1.
        if (last?.role === 'assistant') return { content: '', logprobShift: { text: last.content, perToken: /Guangzhou|HSBC projects/.test(last.content) ? 1 : -1 } };
        return { content: 'Guangzhou, HSBC' };
      },
    });
    open.push(e);
    const t = await testApp({ files: FILES });
    const metrics = (await t.app.inject({ method: 'GET', url: '/api/metrics' })).json().metrics as Array<{ name: string; direction: string; items: { value: string } }>;
    expect(metrics.find((m) => m.name === 'knowledge_margin')).toMatchObject({ direction: 'higher', items: { value: 'likelihood' } });
    expect(metrics.map((m) => m.name)).toEqual(expect.arrayContaining(['knowledge_rank', 'answer_logprob']));

    await t.app.inject({ method: 'POST', url: '/api/checkpoints', payload: { name: 'c', baseUrl: e.url, model: 'm', step: 1 } });
    expect((await t.app.inject({ method: 'POST', url: '/api/runs', payload: { checkpoint: 'c' } })).statusCode).toBe(202);
    const run = await settled(t, 1);
    expect(run.metrics.knowledge_margin).toBeGreaterThan(1.5);
    expect(run.metrics.knowledge_rank).toBe(1);
    expect(run.stats.knowledge_margin).toMatchObject({ n: 2, method: 'bootstrap' });

    const bad = await t.app.inject({ method: 'POST', url: '/api/runs', payload: { checkpoint: 'c', likelihood: 'no' } });
    expect(bad.statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: '/api/runs', payload: { checkpoint: 'c', likelihood: false } })).statusCode).toBe(202);
    // The refused request queued nothing: this is run 2.
    const skipped = await settled(t, 2);
    expect(skipped.metrics.knowledge_margin).toBeNull();
    expect(skipped.metrics.bio_accuracy).toBe(run.metrics.bio_accuracy);
  });
});
