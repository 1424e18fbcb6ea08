import { describe, expect, it } from 'vitest';
import { gate } from '../../server/gate/gate-head.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { summarizeRun } from '../../server/runs/summary.js';
import { scoreAnswer } from '../../server/scoring/score-item.js';
import { type Store } from '../../server/store/open.js';
import { freshStore, evalSet } from '../helpers/run.js';

const ITEMS = Array.from({ length: 20 }, (_, i) => ({
  id: `f${i}`, prompt: `Where is fact ${i}?`, keywords: [`place-${i}`], answer: `Fact ${i} is at place-${i}.`, wrong_answers: [`Fact ${i} is elsewhere.`],
}));
const bio = evalSet('bio', ...ITEMS);

/** A completed run: every answer right, and (unless null) each item's knowledge_margin as given. */
function run(store: Store, name: string, margin: ((i: number) => number) | null): number {
  const c = store.checkpoints.add({ name, baseUrl: 'http://127.0.0.1:9/v1', model: name, step: null });
  const runId = createRun(store, c, [bio], DEFAULT_PARAMS);
  store.runs.items(runId).forEach((item, i) => {
    const answer = `place-${i}`;
    const s = scoreAnswer(item, answer);
    store.results.insert({
      runId, set: item.set, itemId: item.id, sample: 0, prompt: item.prompt, answer, reasoning: null, scores: s.scores, score: s.score,
      hallucinated: s.hallucinated, passed: s.passed, error: null, attempts: 1, latencyMs: 1, promptTokens: 1, completionTokens: 1, finishReason: 'stop',
    });
    if (margin === null) return;
    const m = margin(i);
    for (const [metric, value] of [['knowledge_margin', m], ['knowledge_rank', m > 0 ? 1 : 0], ['answer_logprob', -1 + m / 2]] as const) {
      store.results.addScore({ runId, set: item.set, itemId: item.id, sample: 0 }, metric, { value, explanation: 'test', candidates: 'same' });
    }
  });
  store.runs.finish(runId, 'completed', summarizeRun(store, runId));
  return runId;
}

describe('the gate on the likelihood metrics', () => {
  it('gates knowledge_margin by default when both runs have it: a spread-out loss fails, answers unchanged', () => {
    const { store } = freshStore('t.db');
    const base = run(store, 'base', (i) => 0.8 + 0.05 * (i % 5));
    const head = run(store, 'head', (i) => 0.8 + 0.05 * (i % 5) - 0.1 - 0.02 * (i % 3));
    const r = gate(store, head, base);
    const v = r.metrics.find((m) => m.metric === 'knowledge_margin')!;
    expect(v).toMatchObject({ verdict: 'regression', direction: 'higher', n: 20 });
    expect(r.metrics.find((m) => m.metric === 'bio_accuracy')!.verdict).toBe('pass');
    expect(r.verdict).toBe('regression');
    // knowledge_rank and answer_logprob only on request.
    expect(r.metrics.map((m) => m.metric)).not.toContain('knowledge_rank');
    const asked = gate(store, head, base, { metrics: ['knowledge_rank', 'answer_logprob'] });
    expect(asked.metrics.map((m) => m.metric)).toEqual(['knowledge_rank', 'answer_logprob']);
  });

  it('a change within the tolerance (log-probability per token) passes; no likelihoods, no such metric', () => {
    const { store } = freshStore('t.db');
    const base = run(store, 'base', (i) => 0.5 + 0.01 * i);
    const head = run(store, 'head', (i) => 0.5 + 0.01 * i - 0.01);
    expect(gate(store, head, base).metrics.find((m) => m.metric === 'knowledge_margin')!.verdict).toBe('pass');
    const plainBase = run(store, 'plain-base', null);
    const plainHead = run(store, 'plain-head', null);
    expect(gate(store, plainHead, plainBase).metrics.map((m) => m.metric)).not.toContain('knowledge_margin');
  });
});
