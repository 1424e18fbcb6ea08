import { seededRandom } from './random.js';

/** log(n!) via a running sum (n here is at most a few thousand items). */
function logFactorials(n: number): Float64Array {
  const out = new Float64Array(n + 1);
  for (let i = 2; i <= n; i++) out[i] = out[i - 1]! + Math.log(i);
  return out;
}

/**
 * One-sided exact sign test (McNemar's exact test) on paired binary outcomes: `worse` items went
 * from pass to fail, `better` from fail to pass. Under no change each discordant pair is a fair
 * coin, so p = P(X ≥ worse) for X ~ Binomial(worse + better, 1/2). 1 when nothing changed.
 */
export function exactSignTestP(worse: number, better: number): number {
  const n = worse + better;
  if (n === 0) return 1;
  const lf = logFactorials(n);
  let p = 0;
  for (let k = worse; k <= n; k++) p += Math.exp(lf[n]! - lf[k]! - lf[n - k]! - n * Math.LN2);
  return Math.min(1, p);
}

export interface PairedBootstrap {
  /** One-sided p-value that the mean of `diffs` is not above 0 (i.e. evidence it is > 0). */
  p: number;
  /** Percentile interval of the mean difference. */
  interval: [number, number];
}

/**
 * Paired bootstrap over items: resamples item indices with replacement (`resamples` times, seeded)
 * and returns the interval of the mean difference and the one-sided p-value that the true mean
 * is ≤ 0, as (#{resampled mean ≤ 0} + 1) / (resamples + 1).
 */
export function pairedBootstrap(diffs: readonly number[], opts: { resamples?: number; seed?: number; level?: number } = {}): PairedBootstrap {
  const n = diffs.length;
  if (n === 0) return { p: 1, interval: [Number.NaN, Number.NaN] };
  const resamples = opts.resamples ?? 10_000;
  const random = seededRandom(opts.seed ?? 0);
  const means = new Float64Array(resamples);
  let notAbove = 0;
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += diffs[Math.floor(random() * n)]!;
    const m = s / n;
    means[b] = m;
    if (m <= 0) notAbove++;
  }
  means.sort();
  const tail = (1 - (opts.level ?? 0.95)) / 2;
  const at = (q: number) => means[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))]!;
  return { p: (notAbove + 1) / (resamples + 1), interval: [at(tail), at(1 - tail)] };
}
