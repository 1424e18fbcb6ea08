/**
 * Issue 20's "Done when": on a 20-item set, a true 10-point average loss of knowledge spread over
 * the items is caught by the default gate through knowledge_margin in at least 80% of seeded
 * trials, where bio_accuracy alone catches it in fewer than 25% and knowledge_rank alone in fewer
 * than half; under no change the whole default gate fails in at most 5%. The real gate decides,
 * on runs stored in a real SQLite file; the log-probabilities are simulated and scored by the same
 * pure functions the pipeline uses (scoring/likelihood.ts). The rates are in the README.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gate } from '../../server/gate/decide.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { summarizeRun } from '../../server/runs/summary.js';
import { knowledgeScores } from '../../server/scoring/likelihood.js';
import { scoreAnswer } from '../../server/scoring/score-item.js';
import { normalCdf } from '../../server/stats/interval.js';
import { seededRandom } from '../../server/stats/random.js';
import { openStore, type Store } from '../../server/store/open.js';
import { evalSet } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const N = 20;
const WRONG = 3;
const TRIALS = 100;
/** Latent knowledge per item ~ N(MU, SD); a greedy answer is right when knowledge + decoding noise > 0. */
const MU = 1;
const SD = 1;
const GREEDY_NOISE = 0.3;
/** A candidate's mean log-probability per token: its sentence's own likelihood ~ N(0, SENTENCE_SD), ±knowledge/2, a style shift per checkpoint, and the mean of TOKENS tokens' noise. */
const SENTENCE_SD = 0.7;
const STYLE_SD = 0.3;
const TOKEN_SD = 1;
const TOKENS = 12;

const ITEMS = Array.from({ length: N }, (_, i) => ({
  id: `f${i}`, prompt: `Where is fact ${i}?`, keywords: [`place-${i}`], answer: `Fact ${i} is at place-${i}.`,
  wrong_answers: Array.from({ length: WRONG }, (_, j) => `Fact ${i} is at wrong-${j}.`),
}));
const SET = evalSet('bio', ...ITEMS);

/** The knowledge shift that lowers expected greedy accuracy by `drop` over the item distribution. */
function shiftFor(drop: number): number {
  const scale = Math.hypot(SD, GREEDY_NOISE);
  const accuracy = (delta: number) => normalCdf((MU - delta) / scale);
  let lo = 0;
  let hi = 5;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (accuracy(0) - accuracy(mid) < drop) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

interface World {
  knowledge: number[];
  /** Each item's candidates' own likelihood: [answer, ...wrong]. */
  sentence: number[][];
}

function world(r: () => number): World {
  return {
    knowledge: ITEMS.map(() => MU + SD * normal(r)),
    sentence: ITEMS.map(() => Array.from({ length: 1 + WRONG }, () => SENTENCE_SD * normal(r))),
  };
}

let runs = 0;
/** A checkpoint that lost `delta` of every item's knowledge, stored as a completed run with its answers and likelihood metrics. */
function checkpoint(store: Store, w: World, delta: number, r: () => number): number {
  const c = store.checkpoints.add({ name: `c${++runs}`, baseUrl: 'http://127.0.0.1:9/v1', model: 'm', step: null });
  const runId = createRun(store, c, [SET], DEFAULT_PARAMS);
  const style = STYLE_SD * normal(r);
  store.runs.items(runId).forEach((item, i) => {
    const k = w.knowledge[i]! - delta;
    const answer = k + GREEDY_NOISE * normal(r) > 0 ? `It is place-${i}.` : 'I am not sure.';
    const s = scoreAnswer(item, answer);
    store.results.insert({
      runId, set: item.set, itemId: item.id, sample: 0, prompt: item.prompt, answer, reasoning: null, scores: s.scores, score: s.score,
      hallucinated: s.hallucinated, passed: s.passed, error: null, attempts: 1, latencyMs: 1, promptTokens: 1, completionTokens: 1, finishReason: 'stop',
    });
    const [a, ...wrong] = w.sentence[i]!.map((base, j) => base + style + (j === 0 ? k / 2 : -k / 2) + (TOKEN_SD / Math.sqrt(TOKENS)) * normal(r));
    const scores = knowledgeScores(a!, wrong);
    for (const [name, value] of Object.entries(scores)) {
      store.results.addScore({ runId, set: item.set, itemId: item.id, sample: 0 }, name, { value, explanation: 'simulated', candidates: 'c' });
    }
  });
  store.runs.finish(runId, 'completed', summarizeRun(store, runId));
  return runId;
}

describe('the default gate on a spread-out loss of knowledge (simulated log-probabilities)', () => {
  it('catches a 10-point loss through knowledge_margin, which 0/1 accuracy and knowledge_rank mostly miss; no change rarely fails', () => {
    const store = openStore(join(tempDir(), 'sim.db'));
    const delta = shiftFor(0.1);
    const caught = { margin: 0, bio: 0, rank: 0, falseAlarm: 0 };
    let observedDrop = 0;
    for (let t = 0; t < TRIALS; t++) {
      const r = seededRandom(1000 + t);
      const w = world(r);
      const base = checkpoint(store, w, 0, r);
      const lost = checkpoint(store, w, delta, r);
      const same = checkpoint(store, w, 0, r);
      const d = gate(store, lost, base);
      observedDrop += (d.metrics.find((m) => m.metric === 'bio_accuracy')!.delta ?? 0) / TRIALS;
      if (d.verdict === 'regression' && d.metrics.find((m) => m.metric === 'knowledge_margin')!.verdict === 'regression') caught.margin++;
      if (gate(store, lost, base, { metrics: ['bio_accuracy'] }).verdict === 'regression') caught.bio++;
      if (gate(store, lost, base, { metrics: ['knowledge_rank'] }).verdict === 'regression') caught.rank++;
      if (gate(store, same, base).verdict === 'regression') caught.falseAlarm++;
    }
    const rate = (k: number) => k / TRIALS;
    console.log(`likelihood power (${TRIALS} trials, ${N} items, loss ${observedDrop.toFixed(3)} accuracy): knowledge_margin ${rate(caught.margin)}, bio_accuracy alone ${rate(caught.bio)}, knowledge_rank alone ${rate(caught.rank)}; no change, whole default gate: ${rate(caught.falseAlarm)}`);
    expect(observedDrop).toBeLessThan(-0.07);
    expect(observedDrop).toBeGreaterThan(-0.13);
    expect(rate(caught.margin)).toBeGreaterThanOrEqual(0.8);
    expect(rate(caught.bio)).toBeLessThan(0.25);
    expect(rate(caught.rank)).toBeLessThan(0.5);
    expect(rate(caught.falseAlarm)).toBeLessThanOrEqual(0.05);
  }, 600_000);
});
