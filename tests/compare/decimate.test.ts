import { describe, expect, it } from 'vitest';
import { decimate, type DecimationInput } from '../../server/compare/decimate.js';

/** A deterministic sequence in [0, 1) (no Math.random: the same points every run). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe('decimate', () => {
  it('returns every point when they fit', () => {
    const points: DecimationInput[] = Array.from({ length: 10 }, (_, i) => ({ step: i, group: null, keep: false, values: [i] }));
    expect(decimate(points, 10)).toEqual([...Array(10).keys()]);
  });

  it("keeps each step bucket's lowest and highest value of every metric, each group's ends and the kept point, within the cap", () => {
    const next = lcg(7);
    // 1,000 points at steps 0…999, two training runs interleaved, two metrics, the baseline in the middle.
    const points: DecimationInput[] = Array.from({ length: 1000 }, (_, i) => ({
      step: i, group: i % 2 === 0 ? 'a' : 'b', keep: i === 500, values: [next(), i % 7 === 0 ? null : next()],
    }));
    // 4 ends + the baseline = 5 kept; 2 metrics × 2 extremes per bucket: a cap of 45 leaves 10 buckets of 100 steps.
    const kept = new Set(decimate(points, 45));
    expect(kept.size).toBeLessThanOrEqual(45);
    expect(kept.size).toBeLessThan(points.length);
    for (const i of [0, 1, 998, 999, 500]) expect(kept.has(i), `point ${i}`).toBe(true);
    for (let b = 0; b < 10; b++) {
      const bucket = points.map((p, i) => ({ p, i })).filter(({ p }) => p.step! >= b * 100 && p.step! < (b + 1) * 100);
      for (const m of [0, 1]) {
        const measured = bucket.filter(({ p }) => p.values[m] !== null);
        const lowest = measured.reduce((x, y) => (y.p.values[m]! < x.p.values[m]! ? y : x));
        const highest = measured.reduce((x, y) => (y.p.values[m]! > x.p.values[m]! ? y : x));
        expect(kept.has(lowest.i), `bucket ${b} metric ${m} lowest`).toBe(true);
        expect(kept.has(highest.i), `bucket ${b} metric ${m} highest`).toBe(true);
      }
    }
  });

  it('keeps points without a step (they are in the tables only)', () => {
    const points: DecimationInput[] = Array.from({ length: 100 }, (_, i) => ({ step: i === 50 ? null : i, group: null, keep: false, values: [i % 10] }));
    expect(decimate(points, 20)).toContain(50);
  });
});
