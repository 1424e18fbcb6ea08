import { seededRandom } from './random.js';
import { signFlipTest } from './sign-flip.js';

/**
 * Power of the gate's own test by seeded simulation, not a normal approximation: draw n per-item
 * worsenings under a drop, run the gate's decision on them (mean beyond the tolerance AND the
 * sign-flip p-value below the level), count how often it fires.
 *
 * How per-item worsenings are drawn for a drop δ (the "difference model"):
 * - `binary` (0/1 scores): an item is worse (+1) with probability churn + δ and better (−1) with
 *   probability churn, else unchanged; churn is the share of items that move each way by noise
 *   alone (the mean of the observed worse and better shares: centred, so δ = 0 is no change).
 * - `resample` (continuous scores): a bootstrap draw from `pool` (observed worsenings, centred on
 *   zero) plus δ.
 *
 * Cost: the p-value only (never the bounds). For 0/1 differences the exact sign test the gate's
 * sign-flip test reduces to, in closed form (p = P(Binomial(worse + better, ½) ≤ better), the
 * same number signFlipTest gives, without enumerating flip patterns); for continuous differences
 * signFlipTest's own Monte Carlo mode (past EXACT_LIMIT flip patterns, not 2^20: a pool resampled
 * has few distinct values, and enumerating 10^5 patterns per simulated test is what costs) with
 * DRAWS flips instead of its default 10,000: the
 * smallest p it can give is 1/(DRAWS+1) ≈ 0.002, below any level the gate uses with up to 7
 * metrics at alpha 0.05 (0.05/7 ≈ 0.007), a little conservative near the level. TRIALS = 200
 * simulated gates per point (standard error ≈ 3 points of power at 80%); whether a point reaches
 * the power asked stops counting as soon as the answer is settled.
 */
export type DiffModel = { kind: 'binary'; churn: number } | { kind: 'resample'; pool: readonly number[] };

export const TRIALS = 200;
export const DRAWS = 500;
/** Flip patterns enumerated exactly per simulated test, beyond which its Monte Carlo mode is used (a resampled pool has few distinct values). */
const EXACT_LIMIT = 4096;

export interface PowerOptions {
  trials?: number;
  seed?: number;
}

/** n per-item worsenings under a drop (see the module comment). */
export function drawWorsening(model: DiffModel, n: number, drop: number, random: () => number): number[] {
  const out = new Array<number>(n);
  if (model.kind === 'binary') {
    for (let i = 0; i < n; i++) {
      const u = random();
      out[i] = u < model.churn + drop ? 1 : u < 2 * model.churn + drop ? -1 : 0;
    }
    return out;
  }
  const pool = model.pool;
  for (let i = 0; i < n; i++) out[i] = pool[Math.floor(random() * pool.length)]! + drop;
  return out;
}

/** The exact one-sided sign test of `worse` items against `better` ones: P(Binomial(worse + better, ½) ≤ better). */
export function signTestP(worse: number, better: number): number {
  const n = worse + better;
  let lf = 0; // log n!
  for (let i = 2; i <= n; i++) lf += Math.log(i);
  let p = 0;
  let lk = 0; // log k!
  let lnk = lf; // log (n − k)!
  for (let k = 0; k <= better; k++) {
    if (k > 0) { lk += Math.log(k); lnk -= Math.log(n - k + 1); }
    p += Math.exp(lf - lk - lnk - n * Math.LN2);
  }
  return Math.min(1, p);
}

/** The gate's decision on per-item worsenings: mean worsening beyond `tolerance` and sign-flip p below `level`. */
export function gateFires(worse: readonly number[], tolerance: number, level: number, seed: number): boolean {
  const mean = worse.reduce((s, w) => s + w, 0) / worse.length;
  if (!(mean > tolerance)) return false;
  if (worse.every((w) => w === 0 || w === 1 || w === -1)) {
    return signTestP(worse.filter((w) => w === 1).length, worse.filter((w) => w === -1).length) < level;
  }
  return signFlipTest(worse, { draws: DRAWS, seed, exactLimit: EXACT_LIMIT }).pAbove(0) < level;
}

/** The share of TRIALS simulated gates over n items that call a drop of `drop` a regression. */
export function simulatePower(model: DiffModel, n: number, drop: number, tolerance: number, level: number, opts: PowerOptions = {}): number {
  const trials = opts.trials ?? TRIALS;
  // The same seed at every drop and n (common random numbers): power is then smooth in both, so bisection converges.
  const random = seededRandom(opts.seed ?? 1);
  let hits = 0;
  for (let t = 0; t < trials; t++) if (gateFires(drawWorsening(model, n, drop, random), tolerance, level, t)) hits++;
  return hits / trials;
}

/** Whether TRIALS simulated gates detect `drop` with probability ≥ `power`: simulatePower's answer, stopped once settled. */
export function reachesPower(model: DiffModel, n: number, drop: number, tolerance: number, level: number, power: number, opts: PowerOptions = {}): boolean {
  const trials = opts.trials ?? TRIALS;
  const random = seededRandom(opts.seed ?? 1);
  const need = Math.ceil(power * trials - 1e-9);
  let hits = 0;
  for (let t = 0; t < trials; t++) {
    if (gateFires(drawWorsening(model, n, drop, random), tolerance, level, t)) hits++;
    if (hits >= need) return true;
    if (hits + (trials - t - 1) < need) return false;
  }
  return hits >= need;
}

/** The largest drop the model allows: a 0/1 item cannot be worse with probability above 1 − churn·2. */
export function maxDrop(model: DiffModel): number {
  return model.kind === 'binary' ? Math.max(0, 1 - 2 * model.churn) : Infinity;
}

/**
 * The smallest drop detected with probability ≥ `power` over n items, by bisection between the
 * tolerance and `ceiling` (to ~1% of it); null when even `ceiling` is not detected that often.
 */
export function minDetectableDropSim(model: DiffModel, n: number, tolerance: number, level: number, power: number, ceiling: number, opts: PowerOptions = {}): number | null {
  const top = Math.min(ceiling, maxDrop(model));
  if (n === 0 || top <= tolerance || !reachesPower(model, n, top, tolerance, level, power, opts)) return null;
  let lo = tolerance;
  let hi = top;
  while (hi - lo > 0.01 * top) {
    const mid = (lo + hi) / 2;
    if (reachesPower(model, n, mid, tolerance, level, power, opts)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The fewest items that detect `drop` with probability ≥ `power`: doubling from `from`, then
 * bisection; null when `maxItems` do not (or the drop is not above the tolerance).
 */
export function itemsNeededSim(model: DiffModel, drop: number, tolerance: number, level: number, power: number, maxItems: number, from = 4, opts: PowerOptions = {}): number | null {
  if (drop <= tolerance || drop > maxDrop(model)) return null;
  const ok = (n: number) => reachesPower(model, n, drop, tolerance, level, power, opts);
  let lo = 0;
  let hi = Math.max(1, from);
  while (!ok(hi)) {
    if (hi >= maxItems) return null;
    lo = hi;
    hi = Math.min(maxItems, hi * 2);
  }
  while (hi - lo > Math.max(1, Math.ceil(hi / 50))) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
