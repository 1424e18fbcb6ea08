import { seededRandom } from './random.js';

/**
 * The paired sign-flip (permutation) test on per-item differences d_i, and the confidence
 * bounds got by inverting it, so the p-value and the interval can never disagree.
 *
 * Under "no change" each item's two answers are exchangeable, so d_i is as likely as −d_i.
 * Testing "the differences are centred at δ" flips the signs of d_i − δ: with F the set of
 * flipped items, the flipped statistic is at least the observed one exactly when
 * Σ_F d_i ≤ δ·|F|. So the one-sided p-value at δ is P(Σ_F d_i ≤ δ·|F|) over the 2^n equally
 * likely sets F (the empty set, the observed data, included). It is nondecreasing in δ, which
 * makes the rejected shifts a half-line whose end is the confidence bound.
 *
 * Exact while the changed items have few distinct values (0/1 scores: it is then the exact
 * sign test), by enumerating how many items of each distinct value are flipped; unchanged
 * items (d_i = 0) are always counted analytically. Beyond that, a seeded Monte Carlo over the
 * changed items with the observed data counted as one draw ((hits + 1) / (draws + 1)), which
 * keeps the test's level.
 */

/** Flip patterns of the changed items enumerated exactly up to this many (0/1 scores: up to ~1,000 changed items each way). */
const EXACT_LIMIT = 1 << 20;
const DEFAULT_DRAWS = 10_000;
/** Above this many patterns of distinct values, they are grouped by size (see distinctGroups). */
const GROUPED_ABOVE = 4096;

export interface SignFlipOptions {
  /** Monte Carlo draws when exact enumeration is too large (default 10,000). */
  draws?: number;
  seed?: number;
  /** Enumerate exactly only up to this many flip patterns (default 2^20); beyond, Monte Carlo. Simulations lower it: building many patterns per test is what costs. */
  exactLimit?: number;
}

export interface SignFlipTest {
  /** Items (differences) the test is over. */
  n: number;
  method: 'exact' | 'monte-carlo';
  /** One-sided p-value against "the differences are centred at `shift` or below" (evidence the mean is above it). */
  pAbove(shift: number): number;
  /**
   * The lower confidence bound for the centre at one-sided level `alpha`: every shift below it
   * is rejected (pAbove(shift) < alpha), none above. −Infinity when no shift can be rejected
   * at this n (too few items for `alpha`).
   */
  lower(alpha: number): number;
  /** The upper confidence bound: the mirror image of `lower`. +Infinity when none. */
  upper(alpha: number): number;
}

/** Flip patterns of the changed items: Σ_F d, |F| and their probability. */
interface Patterns {
  sum: Float64Array;
  size: Float64Array;
  weight: Float64Array;
}

function logFactorials(n: number): Float64Array {
  const out = new Float64Array(n + 1);
  for (let i = 2; i <= n; i++) out[i] = out[i - 1]! + Math.log(i);
  return out;
}

/** P(K = k) for K ~ Binomial(n, ½), k = 0..n. */
function halfBinomial(n: number, lf: Float64Array): Float64Array {
  const out = new Float64Array(n + 1);
  for (let k = 0; k <= n; k++) out[k] = Math.exp(lf[n]! - lf[k]! - lf[n - k]! - n * Math.LN2);
  return out;
}

/** Distinct values (to 12 significant digits: the same score computed two ways is one value) with counts. */
function classes(values: readonly number[]): Array<{ value: number; count: number }> {
  const byKey = new Map<string, { value: number; count: number }>();
  for (const v of values) {
    const key = v.toPrecision(12);
    const c = byKey.get(key);
    if (c === undefined) byKey.set(key, { value: Number(key), count: 1 });
    else c.count++;
  }
  return [...byKey.values()];
}

/** Every way of flipping f_l of the c_l items of each distinct value, weighted by Π P(f_l). */
function exactPatterns(cls: Array<{ value: number; count: number }>, lf: Float64Array): Patterns {
  const total = cls.reduce((p, c) => p * (c.count + 1), 1);
  const out: Patterns = { sum: new Float64Array(total), size: new Float64Array(total), weight: new Float64Array(total) };
  out.weight[0] = 1;
  let filled = 1;
  // Typed arrays filled in place, from the end, so no pattern is read after it is overwritten.
  for (const { value, count } of cls) {
    const pmf = halfBinomial(count, lf);
    for (let i = filled - 1; i >= 0; i--) {
      const s0 = out.sum[i]!;
      const m0 = out.size[i]!;
      const w0 = out.weight[i]!;
      for (let f = count; f >= 0; f--) {
        const j = i * (count + 1) + f;
        out.sum[j] = s0 + f * value;
        out.size[j] = m0 + f;
        out.weight[j] = w0 * pmf[f]!;
      }
    }
    filled *= count + 1;
  }
  return out;
}

/**
 * Flip patterns of distinct values, grouped by how many items they flip, each group's sums
 * ascending. Every pattern has the same weight 2^-n here, so "the weight of size-m patterns with
 * Σ_F d ≤ x" is one binary search times 2^-n.
 */
interface SizeGroups {
  sizes: number[];
  sums: Float64Array[];
  weight: number;
}

const EMPTY = new Float64Array(0);

/** The size groups of distinct values, built by merging (no per-pattern arrays, no sort). */
function distinctGroups(values: readonly number[]): SizeGroups {
  // groups[m]: Σ_F d over the sets F of size m of the values seen so far, ascending. Adding v
  // merges "v not in F" (group m) with "v in F" (group m − 1, shifted by v): both ascending.
  let groups: Float64Array[] = [Float64Array.of(0)];
  for (const v of values) {
    const next: Float64Array[] = [];
    for (let m = 0; m <= groups.length; m++) {
      const keep = groups[m] ?? EMPTY;
      const take = groups[m - 1] ?? EMPTY;
      const out = new Float64Array(keep.length + take.length);
      let i = 0;
      let j = 0;
      let o = 0;
      while (i < keep.length && j < take.length) out[o++] = keep[i]! <= take[j]! + v ? keep[i++]! : take[j++]! + v;
      while (i < keep.length) out[o++] = keep[i++]!;
      while (j < take.length) out[o++] = take[j++]! + v;
      next.push(out);
    }
    groups = next;
  }
  return { sizes: groups.map((_, m) => m), sums: groups, weight: 2 ** -values.length };
}

/** How many of the ascending `sorted` are ≤ x. */
function countAtMost(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many of the ascending `sorted` are < x. */
function countBelow(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Seeded random flip patterns, plus the observed data (nothing flipped) as one of them. */
function sampledPatterns(values: readonly number[], draws: number, seed: number): Patterns {
  const changed = Float64Array.from(values);
  const random = seededRandom(seed);
  const out: Patterns = { sum: new Float64Array(draws + 1), size: new Float64Array(draws + 1), weight: new Float64Array(draws + 1).fill(1 / (draws + 1)) };
  const n = changed.length;
  for (let b = 1; b <= draws; b++) {
    let s = 0;
    let m = 0;
    // Each 32-bit draw decides 32 flips.
    for (let i = 0; i < n; i += 32) {
      const bits = (random() * 4294967296) >>> 0;
      const end = Math.min(32, n - i);
      for (let j = 0; j < end; j++) {
        const bit = (bits >>> j) & 1; // branch-free: a coin-flip branch mispredicts half the time
        s += bit * changed[i + j]!;
        m += bit;
      }
    }
    out.sum[b] = s;
    out.size[b] = m;
  }
  return out;
}

/** The sign-flip test of the differences `diffs` (see the module comment). */
export function signFlipTest(diffs: readonly number[], opts: SignFlipOptions = {}): SignFlipTest {
  const finite = diffs.filter((d) => Number.isFinite(d));
  const n = finite.length;
  const changed = finite.filter((d) => d !== 0);
  const zeros = n - changed.length;
  const lf = logFactorials(n);
  const cls = classes(changed);
  const combos = cls.reduce((p, c) => p * (c.count + 1), 1);
  const exact = combos <= (opts.exactLimit ?? EXACT_LIMIT);
  // Many distinct values (continuous scores): patterns grouped by size, searched instead of passed over.
  const groups = exact && combos > GROUPED_ABOVE && cls.every((c) => c.count === 1) ? distinctGroups(cls.map((c) => c.value)) : null;
  const patterns = groups !== null ? null : exact ? exactPatterns(cls, lf) : sampledPatterns(changed, opts.draws ?? DEFAULT_DRAWS, opts.seed ?? 0);
  // Unchanged items add nothing to Σ_F d but count in |F|: K of them flipped, K ~ Binomial(zeros, ½).
  const zeroPmf = halfBinomial(zeros, lf);
  const atLeast = new Float64Array(zeros + 2); // atLeast[k] = P(K ≥ k)
  for (let k = zeros; k >= 0; k--) atLeast[k] = atLeast[k + 1]! + zeroPmf[k]!;
  const scale = finite.reduce((m, d) => Math.max(m, Math.abs(d)), 0);
  // Sums of the same values in another order differ by rounding; within this they are ties.
  const eps = 1e-9 * Math.max(scale, 1e-300) * Math.max(n, 1);

  /** P(sign·Σ_F d ≤ δ·|F|), pattern by pattern. */
  const atMostByPattern = (delta: number, sign: 1 | -1): number => {
    let p = 0;
    const { sum, size, weight } = patterns!;
    for (let i = 0; i < weight.length; i++) {
      const s = sign * sum[i]! - eps;
      const m = size[i]!;
      // s ≤ δ(m + K): which numbers K of flipped unchanged items satisfy it?
      if (delta === 0) {
        if (s <= 0) p += weight[i]!;
      } else if (delta > 0) {
        const k = Math.max(0, Math.ceil(s / delta - m));
        if (k <= zeros) p += weight[i]! * atLeast[k]!;
      } else {
        const k = Math.floor(s / delta - m);
        if (k >= 0) p += weight[i]! * (1 - atLeast[Math.min(k, zeros) + 1]!);
      }
    }
    return Math.min(1, p);
  };

  // The same probability as Σ over sizes m and flipped unchanged items K of P(K) times the weight
  // of size-m patterns with sign·Σ_F d ≤ δ(m + K): a binary search each instead of a pass over
  // every pattern, which the bisection below would otherwise make ~120 times (20 continuous
  // differences: 2^20 patterns but 21 sizes).
  const atMostBySize = (g: SizeGroups, delta: number, sign: 1 | -1): number => {
    let p = 0;
    for (let gi = 0; gi < g.sizes.length; gi++) {
      const m = g.sizes[gi]!;
      const sums = g.sums[gi]!;
      for (let k = 0; k <= zeros; k++) {
        const x = delta * (m + k) + eps;
        // sign = 1: Σ_F d ≤ x; sign = −1: Σ_F d ≥ −x.
        const count = sign === 1 ? countAtMost(sums, x) : sums.length - countBelow(sums, -x);
        p += zeroPmf[k]! * count * g.weight;
      }
    }
    return Math.min(1, p);
  };
  const atMost = (delta: number, sign: 1 | -1): number => (groups === null ? atMostByPattern(delta, sign) : atMostBySize(groups, delta, sign));

  /** sup{δ : P(sign·Σ_F d ≤ δ|F|) < alpha}, by bisection (the probability is monotone in δ). */
  const bound = (alpha: number, sign: 1 | -1): number => {
    if (n === 0) return -Infinity;
    let lo = -scale - 1;
    let hi = scale + 1;
    if (atMost(lo, sign) >= alpha) return -Infinity;
    for (let i = 0; i < 60 && hi - lo > 1e-9 * (scale + 1); i++) {
      const mid = (lo + hi) / 2;
      if (atMost(mid, sign) < alpha) lo = mid;
      else hi = mid;
    }
    return lo;
  };

  return {
    n,
    method: exact ? 'exact' : 'monte-carlo',
    pAbove: (shift) => (n === 0 ? 1 : atMost(shift, 1)),
    lower: (alpha) => bound(alpha, 1),
    upper: (alpha) => -bound(alpha, -1),
  };
}

/**
 * Holm's step-down over one-sided p-values: the i-th smallest is tested at alpha / (m − i + 1)
 * until one fails; it and every larger one are not rejected. Returns each hypothesis's level
 * (the level it was, or would have been, tested at: a rejected one's own, the rest the level
 * of the first that failed), so a confidence interval at that level agrees with the decision.
 * The family-wise error rate is at most alpha under any dependence between the tests.
 */
export function holmLevels(ps: readonly number[], alpha: number): { levels: number[]; rejected: boolean[] } {
  const m = ps.length;
  const order = ps.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const levels = new Array<number>(m).fill(alpha);
  const rejected = new Array<boolean>(m).fill(false);
  let stopped = false;
  let stopLevel = alpha;
  order.forEach(({ p, i }, rank) => {
    const level = alpha / (m - rank);
    if (!stopped && p < level) {
      levels[i] = level;
      rejected[i] = true;
      return;
    }
    if (!stopped) {
      stopped = true;
      stopLevel = level;
    }
    levels[i] = stopLevel;
  });
  return { levels, rejected };
}
