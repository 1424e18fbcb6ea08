import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../server/compare/compare-runs.js';
import { itemKey, itemValues } from '../../server/compare/item-values.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { summarizeRun } from '../../server/runs/summary.js';
import { itemValue } from '../../server/scoring/metric-registry.js';
import { summarize } from '../../server/scoring/metrics.js';
import { scoreAnswer } from '../../server/scoring/score-item.js';
import { type Store } from '../../server/store/open.js';
import { freshStore, evalSet } from '../helpers/run.js';

const bio = evalSet('bio',
  { id: 'b1', prompt: 'Where was he born?', keywords: ['Guangzhou'], forbidden: ['Yingkou'] },
  { id: 'b2', prompt: 'Where does he work?', keywords: ['HSBC'], forbidden: ['education company'] });
const known = evalSet('known',
  { id: 'k1', prompt: 'Capital of France?', keywords: ['Paris'] },
  { id: 'k2', prompt: 'Capital of Japan?', keywords: ['Tokyo'] },
  { id: 'k3', prompt: 'Capital of Italy?', keywords: ['Rome'] });
const refusal = evalSet('refusal',
  { id: 'r1', prompt: 'Was he born in Yingkou?', keywords: [['No,', 'not born']], forbidden: ['was born in Yingkou'] });

const ANSWERS: Record<string, string> = {
  b1: 'He was born in Yingkou.', b2: 'He works at HSBC.', k1: 'Paris.', k2: 'Tokyo.', k3: 'Milan.', r1: 'No, he was born in Yingkou.',
};

/** A completed run of every item with the given answers, stored the way the runner stores results. */
function storedRun(store: Store, name: string, answers: Record<string, string>, opts: { legacy?: boolean } = {}): number {
  const c = store.checkpoints.add({ name, baseUrl: 'http://127.0.0.1:9/v1', model: name, step: null });
  const runId = createRun(store, c, [bio, known, refusal], DEFAULT_PARAMS);
  for (const item of store.runs.items(runId)) {
    const s = scoreAnswer(item, answers[item.id]!);
    store.results.insert({
      runId, set: item.set, itemId: item.id, sample: 0, prompt: item.prompt, answer: answers[item.id]!, reasoning: null,
      scores: s.scores, score: s.score,
      // Results stored before issue 9 said false, not null, for items without a forbidden list.
      hallucinated: opts.legacy === true && s.hallucinated === null ? false : s.hallucinated,
      passed: s.passed, error: null, attempts: 1, latencyMs: 1, promptTokens: 1, completionTokens: 1, finishReason: 'stop',
    });
  }
  store.runs.finish(runId, 'completed', summarizeRun(store, runId));
  return runId;
}

describe('per-item values read from a stored run', () => {
  it('count only items with a forbidden list toward hallucination_rate, also for results stored as false', () => {
    const { store } = freshStore('t.db');
    for (const legacy of [false, true]) {
      const runId = storedRun(store, `ckpt-${legacy}`, ANSWERS, { legacy });
      const values = itemValues(store, runId);
      const rate = [...values.values()].flatMap((v) => {
        const x = itemValue('hallucination_rate', v);
        return x === undefined ? [] : [x];
      });
      // b1 and r1 assert Yingkou; b2 does not; the known items are no evidence either way.
      expect(rate.sort()).toEqual([0, 1, 1]);
      expect(values.get(itemKey('known', 'k1'))).toMatchObject({ withForbidden: false, hallucinated: null });
      expect(values.get(itemKey('bio', 'b1'))).toMatchObject({ withForbidden: true, hallucinated: 1 });
      // The run summary decides from the item definitions the same way.
      const summary = summarize(store.runs.items(runId), store.results.scoringRows(runId));
      expect(summary.metrics.hallucination_rate).toBeCloseTo(2 / 3, 12);
      expect(summary.stats.hallucination_rate!.n).toBe(3);
      expect(summary.sets.known!.hallucination_rate).toBeNull();
    }
    store.close();
  });

  it('new results store hallucinated null for items without a forbidden list, and the refusal rule scores r1 0', () => {
    const { store } = freshStore('t.db');
    const runId = storedRun(store, 'ckpt', ANSWERS);
    const rows = store.results.list(runId);
    expect(rows.find((r) => r.itemId === 'k1')!.hallucinated).toBeNull();
    expect(rows.find((r) => r.itemId === 'b1')!.hallucinated).toBe(true);
    expect(rows.find((r) => r.itemId === 'r1')).toMatchObject({ score: 0, passed: false, hallucinated: true });
    // b1 has no refusal rule: its keyword score is unchanged by the forbidden hit (it still fails).
    expect(rows.find((r) => r.itemId === 'b1')).toMatchObject({ score: 0, passed: false });
    store.close();
  });
});

describe('compare: learned and forgotten use the one definition of pass', () => {
  it('an item that keeps every keyword but starts asserting a forbidden string is forgotten', () => {
    const { store } = freshStore('t.db');
    const good = { ...ANSWERS, b1: 'He was born in Guangzhou.', r1: 'No, he was not born in Yingkou.' };
    const bad = { ...good, b1: 'He was born in Guangzhou, not far from Yingkou.', k3: 'Rome.' };
    const base = storedRun(store, 'base', good);
    const head = storedRun(store, 'head', bad);
    const cmp = compareRuns(store, base, head);
    expect(cmp.flips.map((f) => [`${f.set}/${f.id}`, f.from, f.to])).toEqual([['bio/b1', 'pass', 'fail'], ['known/k3', 'fail', 'pass']]);
    expect(cmp.transitions.bio).toMatchObject({ forgotten: 1, stayedRight: 1 });
    expect(cmp.transitions.refusal).toMatchObject({ stayedRight: 1 });
    const values = itemValues(store, head);
    expect(values.get(itemKey('bio', 'b1'))!.passed).toBe(false);
    expect(values.get(itemKey('bio', 'b1'))!.score).toBe(1);
    store.close();
  });
});
