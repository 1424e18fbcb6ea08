import { describe, expect, it } from 'vitest';
import { gate } from '../../server/gate/gate-head.js';
import { seededRandom } from '../../server/stats/random.js';
import { sampledRun } from '../helpers/synthetic.js';
import { freshStore } from '../helpers/run.js';

/**
 * The gate with `--samples K`: its paired test is over per-item means (Miller 2024: paired
 * differences, the item as the unit), so n is the number of items and the test keeps its level
 * however many samples each item has. 20 items, K = 10 samples each, latent pass probabilities
 * per item; both runs draw their samples from them.
 */
const ITEMS = 20;
const K = 10;

function latent(r: () => number): number {
  const u = r();
  return u < 0.4 ? 0.85 + 0.15 * r() : u < 0.7 ? 0.15 * r() : 0.2 + 0.6 * r();
}
const draw = (p: readonly number[], r: () => number) => p.map((pi) => Array.from({ length: K }, () => r() < pi));

describe('samples: the gate pairs per-item means', () => {
  it('under no change fails at most alpha = 5% of 300 seeded trials, n counting items; its interval covers the true item-level change', () => {
    const { store } = freshStore('gate-samples.db');
    const r = seededRandom(31);
    let alarms = 0;
    let covered = 0;
    const TRIALS = 300;
    for (let t = 0; t < TRIALS; t++) {
      const p = Array.from({ length: ITEMS }, () => latent(r));
      const base = sampledRun(store, `b${t}`, draw(p, r));
      const head = sampledRun(store, `h${t}`, draw(p, r));
      const m = gate(store, head, base, { metrics: ['bio_accuracy'], seed: t }).metrics[0]!;
      expect(m.n).toBe(ITEMS);
      if (m.verdict === 'regression') alarms++;
      // The interval is two-sided at 1 − 2·alpha = 90%; the true change of these items is 0.
      if (m.interval !== null && m.interval[0] <= 0 && 0 <= m.interval[1]) covered++;
    }
    store.close();
    expect(alarms / TRIALS).toBeLessThanOrEqual(0.05);
    expect(covered / TRIALS).toBeGreaterThanOrEqual(0.86);
  });

  it('detects a true item-level loss of up to 0.12 in ≥ 80% of 100 seeded trials, with the true loss inside its 90% interval in ≥ 80%', () => {
    const { store } = freshStore('gate-samples-power.db');
    const r = seededRandom(32);
    let caught = 0;
    let covered = 0;
    const TRIALS = 100;
    for (let t = 0; t < TRIALS; t++) {
      const p = Array.from({ length: ITEMS }, () => latent(r));
      const q = p.map((pi) => Math.max(0, pi - 0.12));
      const truth = q.reduce((s, x, i) => s + x - p[i]!, 0) / ITEMS;
      const m = gate(store, sampledRun(store, `h${t}`, draw(q, r)), sampledRun(store, `b${t}`, draw(p, r)), { metrics: ['bio_accuracy'], seed: t }).metrics[0]!;
      if (m.verdict === 'regression') caught++;
      if (m.interval !== null && m.interval[0] <= truth && truth <= m.interval[1]) covered++;
    }
    store.close();
    expect(caught / TRIALS).toBeGreaterThanOrEqual(0.8);
    expect(covered / TRIALS).toBeGreaterThanOrEqual(0.8);
  });
});
