import { seededRandom } from './random.js';

/**
 * 95% intervals for the numbers the dashboard, `show` and the API print. Proportions of 0/1
 * outcomes get Wilson's score interval; anything else (fractional keyword scores, blog quality,
 * chrF) gets a seeded bootstrap over items, expanded for small samples (below).
 */

export type IntervalMethod = 'wilson' | 'bootstrap';

export interface MetricInterval {
  /** Items the value is computed over. */
  n: number;
  /** The 95% interval; null when there is too little data for one (no items, or one fractional value). */
  ci: [number, number] | null;
  method: IntervalMethod | null;
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf; |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9).
  const g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let s = g[0]!;
  for (let i = 1; i < 9; i++) s += g[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** Continued fraction of the regularized incomplete beta function (Numerical Recipes' betacf). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-14) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Student's t CDF with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Student's t quantile (bisection on the CDF; accurate to ~1e-10). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Wilson's score interval for k successes in n trials. */
export function wilsonInterval(k: number, n: number, level = 0.95): [number, number] {
  if (n <= 0) return [Number.NaN, Number.NaN];
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At k = 0 and k = n the bound is exactly 0 or 1; computed, it can miss by a rounding error.
  return [k === 0 ? 0 : Math.max(0, centre - half), k === n ? 1 : Math.min(1, centre + half)];
}

export interface BootstrapOptions {
  level?: number;
  seed?: number;
  /** Resamples; by default 10,000, fewer for very large n (at most 5M item draws in all, at least 2,000 resamples). */
  resamples?: number;
  /** Transform before averaging and back after (perplexity: log and exp, a geometric mean). */
  geometric?: boolean;
}

/**
 * Expanded percentile bootstrap of the mean (Hesterberg 2015): the plain percentile interval is
 * too narrow for small samples (it behaves like z·s/√n with the biased s), so the tail area is
 * shrunk until its normal quantile equals √(n/(n−1))·t(n−1). At n = 6 that is the 0.24% and
 * 99.76% percentiles instead of 2.5% and 97.5%; at n ≥ 100 the two barely differ. Seeded:
 * the same values always give the same interval.
 */
export function bootstrapInterval(values: readonly number[], opts: BootstrapOptions = {}): [number, number] | null {
  const n = values.length;
  if (n < 2) return null;
  const level = opts.level ?? 0.95;
  const xs = Float64Array.from(opts.geometric === true ? values.map(Math.log) : values);
  const resamples = opts.resamples ?? Math.max(2000, Math.min(10_000, Math.floor(5_000_000 / n)));
  const random = seededRandom(opts.seed ?? 0);
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[(random() * n) | 0]!;
    means[b] = s / n;
  }
  means.sort();
  const t = studentTQuantile(1 - (1 - level) / 2, n - 1);
  const tail = 1 - normalCdf(Math.sqrt(n / (n - 1)) * t);
  const at = (q: number) => means[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))]!;
  const lo = at(tail);
  const hi = at(1 - tail);
  return opts.geometric === true ? [Math.exp(lo), Math.exp(hi)] : [lo, hi];
}

/**
 * The interval of a mean over per-item values: Wilson when the metric is a proportion and every
 * value is 0 or 1, else the expanded bootstrap. `n` is always the number of values (non-finite
 * values are not counted).
 *
 * A bootstrap cannot see spread the sample does not show: when every item has the same value it
 * gives a zero-width interval ("0 [0, 0]" for six posts without repetition). On a 0–1 scale the
 * variance of a share is at most m(1 − m), so that case gets Wilson's interval of the share m
 * instead, the interval a 0/1 metric with the same mean would get.
 */
export function meanInterval(
  values: readonly number[],
  opts: { proportion?: boolean; geometric?: boolean; range?: readonly [number, number] | null; level?: number } = {},
): MetricInterval {
  const xs = values.filter(Number.isFinite);
  const n = xs.length;
  if (n === 0) return { n, ci: null, method: null };
  const k = xs.reduce((s, v) => s + v, 0);
  if (opts.proportion === true && xs.every((v) => v === 0 || v === 1)) {
    return { n, ci: wilsonInterval(k, n, opts.level), method: 'wilson' };
  }
  const ci = bootstrapInterval(opts.geometric === true ? xs.filter((v) => v > 0) : xs, { level: opts.level, geometric: opts.geometric });
  const unit = opts.range?.[0] === 0 && opts.range[1] === 1;
  if (ci !== null && ci[0] === ci[1] && unit) return { n, ci: wilsonInterval(k, n, opts.level), method: 'wilson' };
  return { n, ci, method: ci === null ? null : 'bootstrap' };
}
