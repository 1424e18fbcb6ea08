import { seededRandom } from './random.js';

/**
 * Percentile bootstrap interval of the mean (resampling items with replacement). Seeded, so the
 * same data always gives the same interval. Returns [lo, hi]; [NaN, NaN] for no data.
 */
export function bootstrapMeanInterval(values: readonly number[], opts: { resamples?: number; level?: number; seed?: number } = {}): [number, number] {
  const n = values.length;
  if (n === 0) return [Number.NaN, Number.NaN];
  const resamples = opts.resamples ?? 10_000;
  const level = opts.level ?? 0.95;
  const random = seededRandom(opts.seed ?? 0);
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[Math.floor(random() * n)]!;
    means[b] = s / n;
  }
  means.sort();
  const tail = (1 - level) / 2;
  const at = (q: number) => means[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))]!;
  return [at(tail), at(1 - tail)];
}
