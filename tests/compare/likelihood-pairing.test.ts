import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../server/compare/compare-runs.js';
import { itemKey, itemValues, pairItems } from '../../server/compare/item-values.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { summarizeRun } from '../../server/runs/summary.js';
import { itemValue } from '../../server/scoring/metric-registry.js';
import { scoreAnswer } from '../../server/scoring/score-item.js';
import { type Store } from '../../server/store/open.js';
import { freshStore, evalSet } from '../helpers/run.js';

const bio = evalSet('bio',
  { id: 'b1', prompt: 'Where is he based?', keywords: ['Guangzhou'], answer: 'He is based in Guangzhou.', wrong_answers: ['He is based in Yingkou.'] },
  { id: 'b2', prompt: 'Where does he work?', keywords: ['HSBC'], answer: 'He works on HSBC projects.', wrong_answers: ['He runs an education company.'] });

/** A completed run whose items carry likelihood metrics measured on candidates `hashes[id]`. */
function run(store: Store, name: string, margins: Record<string, number>, hashes: Record<string, string>): number {
  const c = store.checkpoints.add({ name, baseUrl: 'http://127.0.0.1:9/v1', model: name, step: null });
  const runId = createRun(store, c, [bio], DEFAULT_PARAMS);
  for (const item of store.runs.items(runId)) {
    const s = scoreAnswer(item, 'Guangzhou HSBC');
    store.results.insert({
      runId, set: item.set, itemId: item.id, sample: 0, prompt: item.prompt, answer: 'Guangzhou HSBC', reasoning: null,
      scores: s.scores, score: s.score, hallucinated: s.hallucinated, passed: s.passed, error: null, attempts: 1, latencyMs: 1,
      promptTokens: 1, completionTokens: 1, finishReason: 'stop',
    });
    for (const [metric, value] of [['knowledge_margin', margins[item.id]!], ['knowledge_rank', margins[item.id]! > 0 ? 1 : 0], ['answer_logprob', -1]] as const) {
      store.results.addScore({ runId, set: item.set, itemId: item.id, sample: 0 }, metric, { value, explanation: 'test', candidates: hashes[item.id] });
    }
  }
  store.runs.finish(runId, 'completed', summarizeRun(store, runId));
  return runId;
}

describe('likelihood metrics pair only items measured on the same candidates', () => {
  it('reads them per item from the stored run, with the candidates\' hash', () => {
    const { store } = freshStore('t.db');
    const id = run(store, 'a', { b1: 0.5, b2: -0.25 }, { b1: 'h1', b2: 'h2' });
    const v = itemValues(store, id).get(itemKey('bio', 'b1'))!;
    expect(v).toMatchObject({ likelihood: { knowledge_margin: 0.5, knowledge_rank: 1, answer_logprob: -1 }, candidates: 'h1' });
    expect(itemValue('knowledge_margin', v)).toBe(0.5);
    expect(store.runs.get(id).summary!.metrics.knowledge_margin).toBeCloseTo(0.125, 12);
  });

  it('drops them from an item whose candidates changed, warns, and keeps the item for every other metric', () => {
    const { store } = freshStore('t.db');
    const base = run(store, 'base', { b1: 0.5, b2: 0.5 }, { b1: 'h1', b2: 'h2' });
    const head = run(store, 'head', { b1: -0.5, b2: -0.5 }, { b1: 'h1', b2: 'other' });
    const paired = pairItems(itemValues(store, base), itemValues(store, head));
    expect(paired.items.compared).toBe(2);
    const byId = new Map(paired.pairs.map((p) => [p.head.item.id, p]));
    expect(itemValue('knowledge_margin', byId.get('b1')!.head)).toBe(-0.5);
    expect(itemValue('knowledge_margin', byId.get('b2')!.head)).toBeUndefined();
    expect(itemValue('knowledge_margin', byId.get('b2')!.base)).toBeUndefined();
    expect(itemValue('bio_accuracy', byId.get('b2')!.head)).toBe(1);
    expect(paired.warnings).toContain("1 items' likelihood candidates (answer, wrong_answers) changed between the runs: their likelihood metrics are not compared");
    // compare lists the new metrics beside the others, with their n.
    const c = compareRuns(store, base, head);
    expect(c.metrics.knowledge_margin).toMatchObject({ base: 0.5, head: -0.5, baseN: 2, headN: 2 });
    expect(c.warnings.some((w) => w.includes('likelihood candidates'))).toBe(true);
  });
});
