import { parseEvalSetText } from '../../server/evalsets/parse-file.js';
import type { EvalItem, EvalSet } from '../../server/evalsets/types.js';
import { scoreAnswer } from '../../server/scoring/score-item.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { summarizeRun } from '../../server/runs/summary.js';
import type { Store } from '../../server/store/open.js';
import type { Checkpoint, NewCheckpoint, RunParams } from '../../server/store/types.js';

export interface SyntheticRun {
  checkpoint: string;
  step?: number | null;
  /** Pass (true) or fail (false) per keyword item q0…qN-1 of the set. */
  outcomes: boolean[];
  set?: string;
  /** Items whose result is an error instead of an answer. */
  errored?: number[];
  /** Changes item ids/content from this index on (to test changed eval sets). */
  prompt?: (i: number) => string;
  /** Generation parameters other than the defaults. */
  params?: Partial<RunParams>;
  /** Each item's tags (e.g. in_train); none by default. Tags are not part of an item's content hash. */
  tags?: (i: number) => string[];
  /** The checkpoint's own tags (run=…) and base checkpoint, when this run registers it. */
  register?: Pick<NewCheckpoint, 'tags' | 'base'>;
}

function checkpointFor(store: Store, name: string, step: number | null, register: SyntheticRun['register'] = {}): Checkpoint {
  return store.checkpoints.find(name) ?? store.checkpoints.add({ name, baseUrl: 'http://127.0.0.1:9/v1', model: name, step, ...register });
}

/**
 * Writes a completed run with the given per-item outcomes straight into a real store: the
 * same rows a real run writes, without an endpoint, so hundreds of gate trials stay fast.
 */
export function syntheticRun(store: Store, s: SyntheticRun): number {
  const set = s.set ?? 'bio';
  const prompt = s.prompt ?? ((i: number) => `question ${i}`);
  const lines = s.outcomes.map((_, i) => JSON.stringify({ id: `q${i}`, prompt: prompt(i), keywords: ['yes'], ...(s.tags !== undefined ? { tags: s.tags(i) } : {}) })).join('\n');
  const evalSet = parseEvalSetText(lines, `${set}.jsonl`, set).set;
  const c = checkpointFor(store, s.checkpoint, s.step ?? null, s.register);
  const runId = createRun(store, c, [evalSet], { ...DEFAULT_PARAMS, ...s.params });
  const errored = new Set(s.errored ?? []);
  store.db.transaction(() => {
    s.outcomes.forEach((pass, i) => {
      const error = errored.has(i);
      store.results.insert({
        runId, set, itemId: `q${i}`, sample: 0, prompt: prompt(i), answer: error ? null : pass ? 'yes, it is' : 'no idea',
        reasoning: null, scores: error ? null : { keyword: { value: pass ? 1 : 0, explanation: '' } }, score: error ? null : pass ? 1 : 0,
        hallucinated: error ? null : false, passed: error ? null : pass, error: error ? 'HTTP 500' : null, attempts: 1,
        latencyMs: 1, promptTokens: 1, completionTokens: 1, finishReason: 'stop',
      });
    });
  })();
  store.runs.finish(runId, 'completed', summarizeRun(store, runId));
  return runId;
}

/**
 * A completed run of keyword items q0…qN-1 with several samples each (`passes[i][k]`: item i's
 * sample k passed), at the given temperature: what `run --samples K --temperature T` stores.
 */
export function sampledRun(store: Store, checkpoint: string, passes: readonly boolean[][], temperature = 0.7): number {
  const lines = passes.map((_, i) => JSON.stringify({ id: `q${i}`, prompt: `question ${i}`, keywords: ['yes'] })).join('\n');
  const evalSet = parseEvalSetText(lines, 'bio.jsonl', 'bio').set;
  const runId = createRun(store, checkpointFor(store, checkpoint, null), [evalSet], { ...DEFAULT_PARAMS, samples: passes[0]?.length ?? 1, temperature });
  store.db.transaction(() => {
    passes.forEach((samples, i) => samples.forEach((pass, sample) => {
      store.results.insert({
        runId, set: 'bio', itemId: `q${i}`, sample, prompt: `question ${i}`, answer: pass ? 'yes, it is' : 'no idea', reasoning: null,
        scores: { keyword: { value: pass ? 1 : 0, explanation: '' } }, score: pass ? 1 : 0, hallucinated: false, passed: pass, error: null,
        attempts: 1, latencyMs: 1, promptTokens: 1, completionTokens: 1, finishReason: 'stop',
      });
    }));
  })();
  store.runs.finish(runId, 'completed', summarizeRun(store, runId));
  return runId;
}

/** `n` outcomes with exactly `passing` passes, shuffled by `random`. */
export function outcomesWith(n: number, passing: number, random: () => number): boolean[] {
  const out = Array.from({ length: n }, (_, i) => i < passing);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Binomial(n, p) draw. */
export function binomial(n: number, p: number, random: () => number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (random() < p) k++;
  return k;
}

/**
 * A head run's outcomes from a base: `drop` passing items made failing, then noise: each
 * direction flips Binomial(n, rate) items at random (so the true rate does not change).
 */
export function perturb(base: boolean[], random: () => number, opts: { drop?: number; noise?: number } = {}): boolean[] {
  const head = [...base];
  /** Flips `k` random items that were `want` in `pool` (so a flip is never undone in the same step). */
  const flip = (pool: readonly boolean[], want: boolean, k: number) => {
    const idx = pool.map((v, i) => (v === want ? i : -1)).filter((i) => i >= 0);
    for (let t = 0; t < k && idx.length > 0; t++) {
      const j = Math.floor(random() * idx.length);
      head[idx[j]!] = !want;
      idx.splice(j, 1);
    }
  };
  flip(base, true, opts.drop ?? 0);
  const rate = opts.noise ?? 0;
  const worse = binomial(base.length, rate, random);
  const better = binomial(base.length, rate, random);
  const afterDrop = [...head];
  flip(afterDrop, true, worse);
  flip(afterDrop, false, better);
  return head;
}

/**
 * A completed run of real eval sets whose answers come from `answer` (text, scored by the real
 * scorers), written straight into a real store: for gates over keyword and blog items alike.
 */
export function answeredRun(store: Store, s: { checkpoint: string; step?: number | null; register?: SyntheticRun['register'] }, sets: readonly EvalSet[], answer: (item: EvalItem) => string): number {
  const runId = createRun(store, checkpointFor(store, s.checkpoint, s.step ?? null, s.register), sets, DEFAULT_PARAMS);
  store.db.transaction(() => {
    for (const item of sets.flatMap((set) => set.items)) {
      const text = answer(item);
      const sc = scoreAnswer(item, text);
      store.results.insert({
        runId, set: item.set, itemId: item.id, sample: 0, prompt: item.prompt, answer: text, reasoning: null, scores: sc.scores, score: sc.score,
        hallucinated: sc.hallucinated, passed: sc.passed, error: null, attempts: 1, latencyMs: 1, promptTokens: 1, completionTokens: 1, finishReason: 'stop',
      });
    }
  })();
  store.runs.finish(runId, 'completed', summarizeRun(store, runId));
  return runId;
}

/** An answer stating every keyword group of a keyword item (its first alternative), or a blog item's reference post. */
export function rightAnswer(item: EvalItem): string {
  if (item.kind !== 'keyword') return item.reference;
  return `Well: ${item.keywords.map((k) => (typeof k === 'string' ? k : k[0]!)).join('; ')}.`;
}
