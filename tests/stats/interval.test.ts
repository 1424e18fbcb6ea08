import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEvalSetText } from '../../server/evalsets/parse-file.js';
import type { KeywordItem } from '../../server/evalsets/types.js';
import { bootstrapInterval, meanInterval, normalQuantile, studentTQuantile, wilsonInterval } from '../../server/stats/interval.js';
import { seededRandom } from '../../server/stats/random.js';
import { hasPython, python } from '../helpers/python.js';

const shipped = (name: string) => parseEvalSetText(readFileSync(`evalsets/${name}.jsonl`, 'utf8'), `${name}.jsonl`, name).set.items;

describe('interval helpers', () => {
  it('normal and t quantiles match published tables', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959964, 5);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232, 5);
    expect(studentTQuantile(0.975, 5)).toBeCloseTo(2.570582, 5);
    expect(studentTQuantile(0.975, 13)).toBeCloseTo(2.160369, 5);
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062, 3);
    expect(studentTQuantile(0.975, 1000)).toBeCloseTo(1.962339, 4);
  });

  it('Wilson: 0 of 14, 7 of 14 and 14 of 14 as R/statsmodels give them', () => {
    const [lo0, hi0] = wilsonInterval(0, 14);
    expect(lo0).toBe(0);
    expect(hi0).toBeCloseTo(0.215311, 5);
    const [lo, hi] = wilsonInterval(7, 14);
    expect(lo).toBeCloseTo(0.267992, 5);
    expect(hi).toBeCloseTo(0.732008, 5);
    expect(wilsonInterval(14, 14)[1]).toBe(1);
  });

  it.skipIf(!hasPython)('Wilson agrees with an independent Python computation', () => {
    const cases = [[1, 3], [3, 41], [20, 41], [5, 6], [0, 1], [99, 1000]];
    const ref = python<number[][]>(`import json, sys, math
z = 1.959963984540054
out = []
for k, n in json.load(sys.stdin):
    p = k / n
    c = (p + z*z/(2*n)) / (1 + z*z/n)
    h = z / (1 + z*z/n) * math.sqrt(p*(1-p)/n + z*z/(4*n*n))
    out.append([max(0, c - h), min(1, c + h)])
print(json.dumps(out))`, cases);
    cases.forEach(([k, n], i) => {
      const [lo, hi] = wilsonInterval(k!, n!);
      expect(lo).toBeCloseTo(ref[i]![0]!, 8);
      expect(hi).toBeCloseTo(ref[i]![1]!, 8);
    });
  });

  it('chooses Wilson for 0/1 proportions and the bootstrap otherwise; no interval without data', () => {
    expect(meanInterval([1, 0, 1, 1], { proportion: true })).toMatchObject({ n: 4, method: 'wilson' });
    expect(meanInterval([1, 0.5, 1, 1], { proportion: true })).toMatchObject({ n: 4, method: 'bootstrap' });
    expect(meanInterval([60, 40, 55], {})).toMatchObject({ n: 3, method: 'bootstrap' });
    expect(meanInterval([], { proportion: true })).toEqual({ n: 0, ci: null, method: null });
    expect(meanInterval([0.4], {})).toEqual({ n: 1, ci: null, method: null });
    expect(bootstrapInterval([0.2, 0.4, 0.9])).toEqual(bootstrapInterval([0.2, 0.4, 0.9])); // seeded
    // Every item the same: a 0–1 metric gets the Wilson interval of that share, never [x, x].
    expect(meanInterval([0, 0, 0, 0, 0, 0], { range: [0, 1] })).toEqual({ n: 6, ci: wilsonInterval(0, 6), method: 'wilson' });
    expect(meanInterval([0.5, 0.5, 0.5, 0.5], { range: [0, 1] })).toEqual({ n: 4, ci: wilsonInterval(2, 4), method: 'wilson' });
    expect(meanInterval([40, 40, 40], { range: [0, 100] }).ci).toEqual([40, 40]);
    expect(meanInterval([0.2, Number.NaN, 0.4], {})).toMatchObject({ n: 2, method: 'bootstrap' });
    const geo = meanInterval([10, 20, 40, 80], { geometric: true }).ci!;
    expect(geo[0]).toBeGreaterThan(10);
    expect(geo[1]).toBeLessThan(80);
  });
});

/*
 * Coverage on the data users have: an eval set is a sample of questions, so a 95% interval of
 * the mean score should contain the mean over all such questions in about 95% of samples
 * ("Adding Error Bars to Evals", Miller 2024). Each trial draws the questions' difficulties and
 * the model's answers afresh; the truth is the population mean, known by construction.
 */
describe('95% intervals hold their coverage at the shipped set sizes', () => {
  const TRIALS = 1000;

  it('bio_accuracy: fractional keyword scores over the 14 shipped bio items (their own keyword counts)', () => {
    const keywordCounts = (shipped('bio') as KeywordItem[]).map((i) => i.keywords.length);
    expect(keywordCounts).toHaveLength(14);
    const random = seededRandom(11);
    let covered = 0;
    for (let t = 0; t < TRIALS; t++) {
      // Each question: the chance the model states each of its facts ~ U(0, 1); population mean score 0.5.
      const scores = keywordCounts.map((k) => {
        const p = random();
        let hits = 0;
        for (let j = 0; j < k; j++) if (random() < p) hits++;
        return hits / k;
      });
      const { ci, method } = meanInterval(scores, { proportion: true });
      if (method === 'bootstrap' && ci![0] <= 0.5 && 0.5 <= ci![1]) covered++;
      else if (method === 'wilson' && ci![0] <= 0.5 && 0.5 <= ci![1]) covered++;
    }
    expect(covered / TRIALS).toBeGreaterThanOrEqual(0.92);
    expect(covered / TRIALS).toBeLessThanOrEqual(0.985);
  });

  it('blog_quality over the 6 shipped blog items, where a plain percentile bootstrap is too narrow', () => {
    expect(shipped('blog')).toHaveLength(6);
    const random = seededRandom(12);
    let expanded = 0;
    let plain = 0;
    for (let t = 0; t < TRIALS; t++) {
      // Quality of a post ~ a symmetric bump around 0.5 on [0.2, 0.8] (mean 0.5).
      const q = Array.from({ length: 6 }, () => 0.2 + 0.6 * ((random() + random() + random()) / 3));
      const ci = bootstrapInterval(q, { seed: t })!;
      if (ci[0] <= 0.5 && 0.5 <= ci[1]) expanded++;
      // The textbook percentile interval (2.5% / 97.5%) for contrast.
      const r = seededRandom(t);
      const means = Array.from({ length: 4000 }, () => q.reduce((s) => s + q[Math.floor(r() * 6)]!, 0) / 6).sort((a, b) => a - b);
      if (means[100]! <= 0.5 && 0.5 <= means[3899]!) plain++;
    }
    expect(expanded / TRIALS).toBeGreaterThanOrEqual(0.92);
    expect(plain / TRIALS).toBeLessThan(expanded / TRIALS - 0.03);
  });

  it('hallucination_rate, known_accuracy, refusal and bio shares: exact Wilson coverage at 6, 14, 21 and 41 items', () => {
    // Exact, not simulated: the probability over every outcome k of n that the interval holds p.
    const logChoose = (n: number, k: number) => {
      let s = 0;
      for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
      return s;
    };
    for (const n of [6, 14, 21, 41]) {
      const coverage: number[] = [];
      for (let i = 1; i < 20; i++) {
        const p = i / 20;
        let c = 0;
        for (let k = 0; k <= n; k++) {
          const [lo, hi] = wilsonInterval(k, n);
          if (lo <= p && p <= hi) c += Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log(1 - p));
        }
        coverage.push(c);
      }
      // Wilson's coverage oscillates around 95% with n and p; it never falls far.
      expect(Math.min(...coverage), `n=${n}`).toBeGreaterThanOrEqual(0.91);
      expect(coverage.reduce((a, b) => a + b, 0) / coverage.length, `n=${n}`).toBeGreaterThanOrEqual(0.945);
    }
  });
});
