import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../server/stats/random.js';
import { holmLevels, signFlipTest } from '../../server/stats/sign-flip.js';

/** P(X ≥ worse) for X ~ Binomial(worse + better, ½): the sign test's p-value, written out. */
function exactSignTestP(worse: number, better: number): number {
  const n = worse + better;
  let p = 0;
  let c = 1; // C(n, k), k from 0
  for (let k = 0; k <= n; k++) {
    if (k >= worse) p += c / 2 ** n;
    c = (c * (n - k)) / (k + 1);
  }
  return n === 0 ? 1 : p;
}

/** P(Σ_F d ≤ δ|F|) by listing all 2^n sign patterns: the definition, for small n. */
function bruteForce(d: readonly number[], delta: number): number {
  let hits = 0;
  for (let mask = 0; mask < 2 ** d.length; mask++) {
    let s = 0;
    let m = 0;
    for (let i = 0; i < d.length; i++) if (mask & (1 << i)) { s += d[i]!; m++; }
    if (s <= delta * m + 1e-9) hits++;
  }
  return hits / 2 ** d.length;
}

const keywordDiff = (r: () => number) => {
  // Differences of fractional keyword scores (1 to 4 keywords), many of them zero.
  const k = 1 + Math.floor(r() * 4);
  return (Math.floor(r() * (k + 1)) - Math.floor(r() * (k + 1))) / k * (r() < 0.5 ? 1 : 0);
};

describe('sign-flip test', () => {
  it('equals the brute-force enumeration on fractional and real-valued differences, at any shift', () => {
    const r = seededRandom(7);
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + Math.floor(r() * 12);
      const d = Array.from({ length: n }, () => (trial % 2 === 0 ? keywordDiff(r) : r() - 0.45));
      const t = signFlipTest(d);
      expect(t.method).toBe('exact');
      for (const delta of [0, 0.02, -0.1, 0.25, 1 / 3]) expect(t.pAbove(delta)).toBeCloseTo(bruteForce(d, delta), 10);
    }
  });

  it('equals the brute-force enumeration where the patterns are many (evaluated by size), zeros included', () => {
    const r = seededRandom(23);
    for (let trial = 0; trial < 6; trial++) {
      const changed = 13 + Math.floor(r() * 3);
      const zeros = trial % 3;
      const d = [...Array.from({ length: changed }, () => r() - 0.4), ...Array<number>(zeros).fill(0)];
      const t = signFlipTest(d);
      expect(t.method).toBe('exact');
      for (const delta of [0, 0.03, -0.07, 0.2, -0.3]) expect(t.pAbove(delta)).toBeCloseTo(bruteForce(d, delta), 10);
      const lower = t.lower(0.05);
      expect(bruteForce(d, lower - 1e-6)).toBeLessThan(0.05);
      expect(bruteForce(d, lower + 1e-6)).toBeGreaterThanOrEqual(0.05);
    }
  });

  it('is the exact sign test on 0/1 scores, at any n', () => {
    for (const [worse, better, same] of [[3, 0, 0], [7, 2, 40], [30, 10, 160], [55, 40, 5], [0, 4, 3]] as const) {
      const d = [...Array(worse).fill(1), ...Array(better).fill(-1), ...Array(same).fill(0)];
      const t = signFlipTest(d);
      expect(t.method).toBe('exact');
      expect(t.pAbove(0)).toBeCloseTo(exactSignTestP(worse, better), 12);
    }
  });

  it('its bounds agree with its p-values: a shift below the lower bound is rejected, one above is not', () => {
    const r = seededRandom(11);
    for (let trial = 0; trial < 60; trial++) {
      const n = 3 + Math.floor(r() * 40);
      const shift = (r() - 0.3) * 0.3;
      const d = Array.from({ length: n }, () => (trial % 3 === 0 ? keywordDiff(r) + shift : r() - 0.5 + shift));
      const t = signFlipTest(d, { seed: trial });
      for (const alpha of [0.05, 0.0125, 0.025]) {
        const lo = t.lower(alpha);
        const hi = t.upper(alpha);
        if (Number.isFinite(lo)) {
          expect(t.pAbove(lo - 1e-6)).toBeLessThan(alpha);
          expect(t.pAbove(lo + 1e-6)).toBeGreaterThanOrEqual(alpha);
          // The decision at any tolerance is the bound's side of it.
          for (const tol of [0, 0.02, 0.05]) expect(t.pAbove(tol) < alpha).toBe(lo > tol);
        }
        if (Number.isFinite(lo) && Number.isFinite(hi)) expect(lo).toBeLessThanOrEqual(hi);
      }
    }
  });

  it('cannot reject with too few items, and says so with an infinite bound', () => {
    const t = signFlipTest([0.5, 0.5, 0.5, 0.5]); // p ≥ 1/16 however large the drop
    expect(t.pAbove(0)).toBeCloseTo(1 / 16, 12);
    expect(t.lower(0.05)).toBe(-Infinity);
    expect(Number.isFinite(t.lower(0.1))).toBe(true);
    expect(signFlipTest([]).pAbove(0)).toBe(1);
  });

  it('switches to a seeded Monte Carlo when the patterns are too many, close to the exact answer', () => {
    const r = seededRandom(3);
    const d = Array.from({ length: 60 }, () => r() - 0.4);
    const a = signFlipTest(d, { seed: 1 });
    expect(a.method).toBe('monte-carlo');
    expect(signFlipTest(d, { seed: 1 }).pAbove(0)).toBe(a.pAbove(0));
    // Normal approximation of the permutation distribution as a sanity reference.
    const mean = d.reduce((s, x) => s + x, 0);
    const sd = Math.sqrt(d.reduce((s, x) => s + x * x, 0));
    const z = mean / sd;
    const normalP = 0.5 * (1 + erf(-z / Math.SQRT2));
    expect(Math.abs(a.pAbove(0) - normalP)).toBeLessThan(0.01);
  });
});

describe('Holm step-down', () => {
  it('tests the smallest p at alpha/m and stops at the first failure', () => {
    expect(holmLevels([0.001, 0.04, 0.015, 0.3], 0.05)).toEqual({ levels: [0.0125, 0.025, 0.05 / 3, 0.025], rejected: [true, false, true, false] });
    // 0.04 < 0.05 but the step before failed: not rejected, and its level is the failed step's.
    expect(holmLevels([0.03, 0.04], 0.05)).toEqual({ levels: [0.025, 0.025], rejected: [false, false] });
    expect(holmLevels([0.01, 0.04], 0.05)).toEqual({ levels: [0.025, 0.05], rejected: [true, true] });
    expect(holmLevels([], 0.05)).toEqual({ levels: [], rejected: [] });
  });
});

function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 (error < 1.5e-7).
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
