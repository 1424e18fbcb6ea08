import { describe, expect, it } from 'vitest';
import { currentSummary } from '../../server/runs/summary.js';
import { studentTQuantile, wilsonInterval } from '../../server/stats/interval.js';
import { seededRandom } from '../../server/stats/random.js';
import { sampledRun } from '../helpers/synthetic.js';
import { freshStore } from '../helpers/run.js';

/**
 * `run --samples K --temperature T` with the item as the unit (Miller 2024, "Adding Error Bars to
 * Evals"): K answers to one question are not K independent draws from the population of
 * questions, so an interval that counted them would be about √K too narrow and miss the truth.
 * Each trial draws 20 items from a population of latent pass probabilities (many known, many
 * unknown, some uncertain), samples K = 10 answers per item, stores the run as a real run is
 * stored and reads the run's bio_accuracy interval from its summary.
 */
const ITEMS = 20;
const K = 10;
const TRIALS = 400;

/** An item's latent pass probability: 40% known (0.85–1), 30% unknown (0–0.15), 30% uncertain (0.2–0.8). */
function latent(r: () => number): number {
  const u = r();
  return u < 0.4 ? 0.85 + 0.15 * r() : u < 0.7 ? 0.15 * r() : 0.2 + 0.6 * r();
}
/** The population's mean pass probability: the truth a run's interval is about. */
const TRUE_MEAN = 0.4 * 0.925 + 0.3 * 0.075 + 0.3 * 0.5;

describe('samples: the item is the unit of every run-level interval', () => {
  it(`K = ${K} samples of ${ITEMS} items: the 95% interval covers the true mean ~95% of ${TRIALS} seeded trials, as wide as the item-level truth says`, () => {
    const { store } = freshStore('samples.db');
    const r = seededRandom(2024);
    let covered = 0;
    let naiveCovered = 0;
    let width = 0;
    let itemWidth = 0;
    let naiveWidth = 0;
    const t = studentTQuantile(0.975, ITEMS - 1);
    for (let trial = 0; trial < TRIALS; trial++) {
      const p = Array.from({ length: ITEMS }, () => latent(r));
      const passes = p.map((pi) => Array.from({ length: K }, () => r() < pi));
      const run = sampledRun(store, `c${trial}`, passes);
      const stat = currentSummary(store, store.runs.get(run)).stats.bio_accuracy!;
      // n counts items, never results.
      expect(stat.n).toBe(ITEMS);
      const [lo, hi] = stat.ci!;
      if (lo <= TRUE_MEAN && TRUE_MEAN <= hi) covered++;
      width += hi - lo;
      // The item-level truth: a t interval over the per-item means.
      const means = passes.map((s) => s.filter(Boolean).length / K);
      const m = means.reduce((a, b) => a + b, 0) / ITEMS;
      const sd = Math.sqrt(means.reduce((a, b) => a + (b - m) ** 2, 0) / (ITEMS - 1));
      itemWidth += (2 * t * sd) / Math.sqrt(ITEMS);
      // What counting the 200 answers as independent draws would give.
      const [nlo, nhi] = wilsonInterval(passes.flat().filter(Boolean).length, ITEMS * K);
      if (nlo <= TRUE_MEAN && TRUE_MEAN <= nhi) naiveCovered++;
      naiveWidth += nhi - nlo;
    }
    store.close();
    const coverage = covered / TRIALS;
    // 400 trials: a binomial standard error of 1.1 points around 95% (this seed: 93.3%; 95.3% over 1,200 trials of another).
    expect(coverage).toBeGreaterThanOrEqual(0.92);
    expect(coverage).toBeLessThanOrEqual(0.985);
    // As wide as the item-level interval (the expanded bootstrap is a little wider at n = 20)…
    expect(width / itemWidth).toBeGreaterThan(0.9);
    expect(width / itemWidth).toBeLessThan(1.25);
    // …and not the interval of 200 independent draws, which is far narrower and misses the truth.
    expect(width / naiveWidth).toBeGreaterThan(2);
    expect(naiveCovered / TRIALS).toBeLessThan(0.8);
  });
});
