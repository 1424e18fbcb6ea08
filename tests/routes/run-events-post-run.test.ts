import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { endpoint } from '../helpers/endpoint.js';
import { postJson, serve } from '../helpers/server.js';
import { readSse } from '../helpers/sse.js';
import { jsonl } from '../helpers/tmp.js';

/** Four items, each with an answer and two wrong answers: a chat checkpoint costs 1 + 3 likelihood requests an item. */
const ITEMS = ['Guangzhou', 'Yingkou', 'Shenzhen', 'Dalian'].map((city, i) => ({
  id: `q${i}`, prompt: `Where is person ${i} based?`, keywords: [city],
  answer: `Person ${i} is based in ${city}.`, wrong_answers: [`Person ${i} is based in Paris.`, `Person ${i} is based in Lima.`],
}));

describe('run events: the steps after a run count toward its progress', () => {
  it('the likelihood requests arrive as progress events with phase "likelihood" before the stream\'s finished', async () => {
    // vLLM's chat prompt_logprobs; each likelihood request takes a while, so the phase is seen.
    const e = await endpoint((req) => {
      const last = req.messages?.at(-1);
      if (last?.role === 'assistant' || req.body.prompt_logprobs !== undefined) {
        return { content: '', delayMs: 40, ...(last?.role === 'assistant' ? { logprobShift: { text: last.content, perToken: /Paris|Lima/.test(last.content) ? -1 : 1 } } : {}) };
      }
      return { content: 'Guangzhou' };
    }, { flavour: 'vllm', models: ['m'] });
    const { server, dir } = await serve({ files: { 'evalsets/bio.jsonl': jsonl(...ITEMS) } });
    try {
      const post = (url: string, body: unknown) => postJson(`${server.url}${url}`, body);
      expect((await post('/api/checkpoints', { name: 'c', baseUrl: e.url, model: 'm' })).status).toBe(201);
      const queued = await post('/api/runs', { checkpoint: 'c', concurrency: 1 });
      expect(queued.status).toBe(202);
      const events = await readSse(`${server.url}/api/runs/1/events`, (ev) => ev.event === 'finished', 30_000);
      const finished = events.findIndex((ev) => ev.event === 'finished');
      expect(finished).toBe(events.length - 1);
      expect(events[finished]!.data.metrics.knowledge_margin).toBeGreaterThan(0);

      const phase = events.filter((ev) => ev.event === 'progress' && ev.data.phase === 'likelihood');
      expect(phase.length).toBeGreaterThanOrEqual(2);
      // Its own count: 4 items × (1 prefix + 3 candidates) requests, growing, never past the total.
      const done = phase.map((ev) => ev.data.phaseProgress.done as number);
      expect(phase.every((ev) => ev.data.phaseProgress.total === 16)).toBe(true);
      expect(done).toEqual([...done].sort((a, b) => a - b));
      expect(done.some((d) => d > 0 && d < 16)).toBe(true);
      // The run's own fields keep their meaning: results stored of items × samples.
      expect(phase.every((ev) => ev.data.done === 4 && ev.data.total === 4)).toBe(true);
      // After every item's result: the phase comes after the run's answers.
      const lastItem = events.map((ev) => ev.event).lastIndexOf('item');
      expect(events.indexOf(phase[0]!)).toBeGreaterThan(lastItem);

      // `run --server` follows the same events: the step on a line of its own, after the items'.
      const remote = await cli(['run', 'c', '--server', server.url, '--concurrency', '1'], { cwd: dir });
      expect(remote.code, remote.stderr).toBe(0);
      const lines = remote.stderr.split('\n').filter((l) => l.startsWith('progress:'));
      const steps = lines.filter((l) => /^progress: likelihood \d+\/16 requests \(\d+%\)/.test(l));
      expect(steps.length).toBeGreaterThanOrEqual(1);
      expect(lines.indexOf(steps[0]!)).toBeGreaterThan(lines.findIndex((l) => /^progress: 4\/4 /.test(l)));
    } finally {
      await server.close();
    }
  });
});
