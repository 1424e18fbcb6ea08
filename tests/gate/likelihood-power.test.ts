/**
 * Issue 20's "Done when": on a 20-item set, a true 10-point average loss of knowledge spread over
 * the items is caught by the default gate through knowledge_margin in at least 80% of seeded
 * trials, where bio_accuracy alone catches it in fewer than 25% and knowledge_rank alone in fewer
 * than half; under no change the whole default gate fails in at most 5%.
 *
 * The checkpoints are the scripted endpoint's latent-knowledge model (scripted-endpoint/
 * latent-knowledge.ts): each item has a knowledge strength per checkpoint, each scored token its
 * noise, each checkpoint a style shift. The real default gate decides on runs stored in a real
 * SQLite file. Every trial goes through the real path: the runner and the likelihood pipeline
 * (`measureLikelihoods`, as `runPostSteps` calls it) against vLLM's accent on loopback with
 * `--api completions`. A second test checks that path against the model computed without HTTP
 * (the same answers and per-item likelihood metrics for the same seeds), so the figures are the
 * model's and not an artefact of the transport.
 */
import { describe, expect, it } from 'vitest';
import { gate } from '../../server/gate/gate-head.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { executeRun } from '../../server/runner/execute-run.js';
import { summarizeRun } from '../../server/runs/summary.js';
import { runPostSteps } from '../../server/pipeline/post-run.js';
import { answersRight, candidateShift, latentKnowledgeResponder, type LatentCheckpoint, type LatentItem } from '../../server/scripted-endpoint/latent-knowledge.js';
import { fakeLogprob, fakeTokens, startScriptedEndpoint } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { knowledgeScores, meanLogprob } from '../../server/scoring/likelihood.js';
import { scoreAnswer } from '../../server/scoring/score-item.js';
import { normalCdf, wilsonInterval } from '../../server/stats/interval.js';
import { seededRandom, standardNormal } from '../../server/stats/random.js';
import { type Store } from '../../server/store/open.js';
import { freshStore, evalSet } from '../helpers/run.js';

const N = 20;
const WRONG = 3;
const TRIALS = 100;
/** Trials whose endpoint runs are checked against the model computed without HTTP. */
const CHECKED = 3;
/** Trials measured at once (one endpoint, one database). */
const AT_ONCE = 5;
/** Latent knowledge per item ~ N(MU, SD); a greedy answer is right when knowledge + decoding noise > 0. */
const MU = 1;
const SD = 1;
const GREEDY_NOISE = 0.3;
/** A candidate's log-probability per token: its wording's own ~ N(0, WORDING_SD), ±knowledge/2, a style shift per checkpoint, and each token's noise. */
const WORDING_SD = 0.7;
const STYLE_SD = 0.3;
const TOKEN_SD = 1;
const TEMPLATE = 'Q: {prompt}\nA:';

/** Each candidate is about 12 of the endpoint's tokens. */
const ROWS = Array.from({ length: N }, (_, i) => ({
  id: `f${i}`, prompt: `Where is fact ${i} kept?`, keywords: [`place-${i}`], answer: `Fact ${i} is kept at place-${i} in town.`,
  wrong_answers: Array.from({ length: WRONG }, (_, j) => `Fact ${i} is kept at wrong-${j} in town.`),
}));
const SET = evalSet('bio', ...ROWS);
const ITEMS: LatentItem[] = ROWS.map((r, i) => ({ prompt: r.prompt, answer: r.answer, wrongAnswers: r.wrong_answers, right: `It is place-${i}.`, wrong: 'I am not sure.' }));

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

/** One trial's three checkpoints: the baseline, one that lost `delta` of every item's knowledge, and one that changed nothing but its style. */
function trial(seed: number, delta: number): { base: LatentCheckpoint; lost: LatentCheckpoint; same: LatentCheckpoint } {
  const r = seededRandom(seed);
  const strength = ITEMS.map(() => MU + SD * standardNormal(r));
  const wording = ITEMS.map(() => Array.from({ length: 1 + WRONG }, () => WORDING_SD * standardNormal(r)));
  const checkpoint = (loss: number): LatentCheckpoint => ({
    seed: Math.floor(r() * 2 ** 31), strength: strength.map((k) => k - loss), wording, style: STYLE_SD * standardNormal(r), tokenSd: TOKEN_SD, greedySd: GREEDY_NOISE,
  });
  return { base: checkpoint(0), lost: checkpoint(delta), same: checkpoint(0) };
}

const ARMS = ['base', 'lost', 'same'] as const;
const PARAMS = { ...DEFAULT_PARAMS, concurrency: N };

function addCheckpoint(store: Store, name: string, baseUrl: string) {
  return store.checkpoints.add({ name, baseUrl, model: name, step: null, api: 'completions', promptTemplate: TEMPLATE });
}

/**
 * What the endpoint answers, computed from the model without HTTP, stored as a completed run: the
 * greedy answer, and each candidate's mean log-probability per token after the prompt (its tokens
 * are those of " candidate", the prompt ending in "A:"), scored as the pipeline scores them.
 */
function computedRun(store: Store, name: string, knowledge: LatentCheckpoint): number {
  const runId = createRun(store, addCheckpoint(store, name, 'http://127.0.0.1:9/v1'), [SET], PARAMS);
  store.runs.items(runId).forEach((item, i) => {
    const answer = answersRight(knowledge, i) ? ITEMS[i]!.right : ITEMS[i]!.wrong;
    const s = scoreAnswer(item, answer);
    store.results.insert({
      runId, set: item.set, itemId: item.id, sample: 0, prompt: item.prompt, answer, reasoning: null, scores: s.scores, score: s.score,
      hallucinated: s.hallucinated, passed: s.passed, error: null, attempts: 1, latencyMs: 1, promptTokens: 1, completionTokens: 1, finishReason: 'stop',
    });
    const [a, ...wrong] = [ITEMS[i]!.answer, ...ITEMS[i]!.wrongAnswers].map((c, j) => {
      const shift = candidateShift(knowledge, i, j);
      return meanLogprob(fakeTokens(` ${c}`).map((t, n) => fakeLogprob(t) + (shift.perToken + shift.tokenNoise(n))))!;
    });
    for (const [metric, value] of Object.entries(knowledgeScores(a!, wrong))) {
      if (value !== null) store.results.addScore({ runId, set: item.set, itemId: item.id, sample: 0 }, metric, { value, explanation: 'computed', candidates: 'c' });
    }
  });
  store.runs.finish(runId, 'completed', summarizeRun(store, runId));
  return runId;
}

/** Per item: the answer and its likelihood metrics, as stored. */
function stored(store: Store, runId: number) {
  return store.results.list(runId).map((r) => {
    const scores = r.scores as Record<string, { value: number }>;
    return { id: r.itemId, answer: r.answer, margin: scores.knowledge_margin?.value, rank: scores.knowledge_rank?.value, logprob: scores.answer_logprob?.value };
  }).sort((x, y) => x.id.localeCompare(y.id));
}

/** The latent-knowledge endpoint in vLLM's accent, and a checkpoint served on it run and measured as `tunegate run --api completions` does. */
async function serveLatent() {
  const served = new Map<string, LatentCheckpoint>();
  const models: string[] = [];
  const endpoint = await startScriptedEndpoint({ respond: latentKnowledgeResponder(ITEMS, served), accent: 'vllm', models, record: false });
  return {
    async measured(store: Store, name: string, knowledge: LatentCheckpoint): Promise<number> {
      served.set(name, knowledge);
      models.push(name);
      const runId = createRun(store, addCheckpoint(store, name, endpoint.url), [SET], PARAMS);
      expect((await executeRun({ store, runId, env: {} })).status).toBe('completed');
      expect((await runPostSteps(store, runId, {})).likelihood).toEqual({ measured: N, requests: N * (1 + WRONG), skipped: null });
      return runId;
    },
    close: () => endpoint.close(),
  };
}

describe('the default gate on a spread-out loss of knowledge (the scripted endpoint\'s latent-knowledge model)', () => {
  it('catches a 10-point loss through knowledge_margin, which 0/1 accuracy and knowledge_rank mostly miss; no change rarely fails', async () => {
    const served = await serveLatent();
    const { store } = freshStore('sim.db');
    const delta = shiftFor(0.1);
    const caught = { margin: 0, bio: 0, rank: 0, falseAlarm: 0 };
    let observedDrop = 0;
    try {
      for (let start = 0; start < TRIALS; start += AT_ONCE) {
        const batch = await Promise.all(Array.from({ length: Math.min(AT_ONCE, TRIALS - start) }, async (_, b) => {
          const t = start + b;
          const k = trial(1000 + t, delta);
          return Promise.all(ARMS.map((arm) => served.measured(store, `t${t}-${arm}`, k[arm]))) as Promise<[number, number, number]>;
        }));
        for (const [base, lost, same] of batch) {
          const d = gate(store, lost, base);
          observedDrop += (d.metrics.find((m) => m.metric === 'bio_accuracy')!.delta ?? 0) / TRIALS;
          if (d.verdict === 'regression' && d.metrics.find((m) => m.metric === 'knowledge_margin')!.verdict === 'regression') caught.margin++;
          if (gate(store, lost, base, { metrics: ['bio_accuracy'] }).verdict === 'regression') caught.bio++;
          if (gate(store, lost, base, { metrics: ['knowledge_rank'] }).verdict === 'regression') caught.rank++;
          if (gate(store, same, base).verdict === 'regression') caught.falseAlarm++;
        }
      }
    } finally {
      store.close();
      await served.close();
    }
    const rate = (k: number) => `${k / TRIALS} [${wilsonInterval(k, TRIALS).map((x) => x.toFixed(3)).join(', ')}]`;
    console.log(`likelihood power (${TRIALS} trials, ${N} items, loss ${observedDrop.toFixed(3)} accuracy; 95% Wilson intervals): knowledge_margin ${rate(caught.margin)}, `
      + `bio_accuracy alone ${rate(caught.bio)}, knowledge_rank alone ${rate(caught.rank)}; no change, whole default gate: ${rate(caught.falseAlarm)}`);
    expect(observedDrop).toBeLessThan(-0.07);
    expect(observedDrop).toBeGreaterThan(-0.13);
    expect(caught.margin / TRIALS).toBeGreaterThanOrEqual(0.8);
    expect(caught.bio / TRIALS).toBeLessThan(0.25);
    expect(caught.rank / TRIALS).toBeLessThan(0.5);
    expect(caught.falseAlarm / TRIALS).toBeLessThanOrEqual(0.05);
  }, 600_000);

  it('through the endpoint, the runner and the likelihood pipeline store exactly the answers and per-item metrics of the model computed without HTTP, for the same seeds', async () => {
    const served = await serveLatent();
    const { store } = freshStore('through.db');
    const delta = shiftFor(0.1);
    try {
      await Promise.all(Array.from({ length: CHECKED }, async (_, t) => {
        const k = trial(1000 + t, delta);
        await Promise.all(ARMS.map(async (arm) => {
          const real = stored(store, await served.measured(store, `t${t}-${arm}`, k[arm]));
          const computed = stored(store, computedRun(store, `computed-t${t}-${arm}`, k[arm]));
          expect(real.map((r) => r.answer)).toEqual(computed.map((r) => r.answer));
          expect(real.map((r) => r.rank)).toEqual(computed.map((r) => r.rank));
          real.forEach((r, i) => {
            expect(r.margin).toBeCloseTo(computed[i]!.margin!, 12);
            expect(r.logprob).toBeCloseTo(computed[i]!.logprob!, 12);
          });
        }));
      }));
      // The model is not trivially the same everywhere: answers and margins vary across items and arms.
      const lost = stored(store, store.runs.list().find((r) => r.checkpoint === 't0-lost')!.id);
      const base = stored(store, store.runs.list().find((r) => r.checkpoint === 't0-base')!.id);
      expect(new Set(base.map((r) => r.answer)).size).toBeGreaterThan(1);
      expect(lost.reduce((s, r, i) => s + r.margin! - base[i]!.margin!, 0) / N).toBeLessThan(0);
    } finally {
      store.close();
      await served.close();
    }
  }, 120_000);
});
