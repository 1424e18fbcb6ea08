import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { plan } from '../../server/gate/plan.js';
import { itemsNeededSim, minDetectableDropSim, signTestP, simulatePower, type DiffModel } from '../../server/stats/power.js';
import { signFlipTest } from '../../server/stats/sign-flip.js';
import { testApp } from '../helpers/server.js';
import { answeredRun, rightAnswer } from '../helpers/synthetic.js';

const SHIPPED = loadEvalSets(['bio.jsonl', 'refusal.jsonl', 'known.jsonl', 'blog.jsonl'], join(import.meta.dirname, '../../evalsets'));
const LEVEL = 0.05 / 4;

/** Power checked on seeds the search never used: the figure must hold on fresh simulations. */
const fresh = (model: DiffModel, n: number, drop: number, tol: number) => simulatePower(model, n, drop, tol, LEVEL, { seed: 987 });

describe('plan: what the gate can see, by simulating its own test', () => {
  it("the closed-form sign test used for 0/1 differences is the gate's own sign-flip p-value", () => {
    for (const [worse, better, zeros] of [[0, 0, 3], [5, 0, 9], [7, 2, 5], [30, 25, 40], [3, 9, 0]] as const) {
      const d = [...Array<number>(worse).fill(1), ...Array<number>(better).fill(-1), ...Array<number>(zeros).fill(0)];
      expect(signTestP(worse, better), `${worse}/${better}`).toBeCloseTo(signFlipTest(d).pAbove(0), 12);
    }
  });

  it('the minimum detectable drop is detected ≈ 80% of the time by fresh simulations, and half of it markedly less', () => {
    const models: Array<[string, DiffModel, number]> = [
      ['0/1 scores with churn', { kind: 'binary', churn: 0.05 }, 60],
      ['continuous scores', { kind: 'resample', pool: Array.from({ length: 40 }, (_, i) => (i - 19.5) / 40) }, 30],
    ];
    for (const [name, model, n] of models) {
      const mdd = minDetectableDropSim(model, n, 0.02, LEVEL, 0.8, 1)!;
      expect(mdd, name).not.toBeNull();
      const at = fresh(model, n, mdd, 0.02);
      expect(at, name).toBeGreaterThanOrEqual(0.7);
      expect(at, name).toBeLessThanOrEqual(0.9);
      expect(fresh(model, n, mdd / 2, 0.02), name).toBeLessThan(0.4);
    }
  });

  it('the items needed detect the drop asked for at ≥ 80% when rerun at that size, and fewer items do not', () => {
    const model: DiffModel = { kind: 'binary', churn: 0.05 };
    const n = itemsNeededSim(model, 0.1, 0.02, LEVEL, 0.8, 2000)!;
    expect(n).toBeGreaterThan(14);
    expect(fresh(model, n, 0.1, 0.02)).toBeGreaterThanOrEqual(0.75);
    expect(fresh(model, Math.floor(n / 2), 0.1, 0.02)).toBeLessThan(0.7);
  });

  it('the shipped sets against a reference: bio cannot see 0.10 with 14 items, and the plan says how many it needs', async () => {
    const { store } = await testApp();
    answeredRun(store, { checkpoint: 'base', step: 1 }, SHIPPED, rightAnswer);
    const head = answeredRun(store, { checkpoint: 'head', step: 2, register: { base: 'base' } }, SHIPPED, rightAnswer);
    const p = plan(store, store.runs.get(head));
    expect(p.noise).toMatchObject({ kind: 'paired' });
    expect(p.metrics.map((m) => m.metric)).toEqual(['bio_accuracy', 'hallucination_rate', 'blog_quality', 'known_accuracy']);
    const bio = p.metrics.find((m) => m.metric === 'bio_accuracy')!;
    expect(bio).toMatchObject({ n: 14, level: LEVEL, remedy: { kind: 'questions' } });
    expect(bio.minDetectableDrop).toBeGreaterThan(0.1);
    expect(bio.itemsNeeded).toBeGreaterThan(14);
    // Rerun at that size with the same noise (no churn: both runs answered alike), it detects 0.10.
    expect(fresh({ kind: 'binary', churn: 0 }, bio.itemsNeeded as number, 0.1, 0.02)).toBeGreaterThanOrEqual(0.75);
    expect(bio.remedy.command).toMatch(/^tunegate evalset generate --facts /);
    // Greedy answers (temperature 0): samples would repeat them.
    expect(bio.remedy.why).toContain('not reachable with samples alone');
    // Six posts: no drop at all can be seen at alpha/4.
    expect(p.metrics.find((m) => m.metric === 'blog_quality')).toMatchObject({ n: 6, minDetectableDrop: null, remedy: { kind: 'items' } });
  });

  it('a real change is not taken for noise: bio learned in full plans like an unchanged bio (0/1 churn is the minority direction)', async () => {
    const { store } = await testApp();
    answeredRun(store, { checkpoint: 'base', step: 1 }, SHIPPED, (item) => (item.set === 'bio' ? 'I am not sure.' : rightAnswer(item)));
    const learned = answeredRun(store, { checkpoint: 'learned', step: 2, register: { base: 'base' } }, SHIPPED, rightAnswer);
    const same = answeredRun(store, { checkpoint: 'same', step: 3, register: { base: 'base' } }, SHIPPED, (item) => (item.set === 'bio' ? 'I am not sure.' : rightAnswer(item)));
    const bio = (run: number) => plan(store, store.runs.get(run)).metrics.find((m) => m.metric === 'bio_accuracy')!;
    expect(bio(learned).minDetectableDrop).not.toBeNull();
    expect(bio(learned)).toEqual(bio(same));
  });

  it('with no reference the run alone gives the noise, and a large drop is "already" detected', async () => {
    const { store } = await testApp();
    const head = answeredRun(store, { checkpoint: 'head', step: 2 }, SHIPPED, rightAnswer);
    const p = plan(store, store.runs.get(head), { detect: 0.9 });
    expect(p.noise.kind).toBe('run-only');
    expect(p.metrics.find((m) => m.metric === 'known_accuracy')).toMatchObject({ n: 21, itemsNeeded: 'already', remedy: { kind: 'none' } });
  });
});
