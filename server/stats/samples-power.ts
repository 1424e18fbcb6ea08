import { seededRandom } from './random.js';
import { gateFires, TRIALS, type PowerOptions } from './power.js';

/**
 * How many samples per item the gate's own test needs (stats/power.ts does the items), by seeded
 * simulation. With the item as the unit (Miller 2024), an item's worsening is its real change
 * plus the noise of two K-sample means (base and head): more samples shrink that within-item
 * noise, never the spread of the real change between items. So an item's simulated worsening is
 * `between[j]` (its change apart from sampling noise, centred) + the drop + the mean of K draws
 * from its base sample residuals − the mean of K draws from its head ones (a bootstrap within the
 * item, residuals on the worsening's scale and rescaled to the unbiased spread).
 */
export interface SampledModel {
  between: readonly number[];
  base: ReadonlyArray<readonly number[]>;
  head: ReadonlyArray<readonly number[]>;
}

/** Samples-needed search stops here: past it, sampling costs more than writing items. */
export const MAX_SAMPLES = 64;

const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

/** An item's residuals about their mean, scaled so that K draws' mean has the unbiased variance s²/K. */
export function residuals(samples: readonly number[]): number[] {
  const k = samples.length;
  if (k < 2) return [];
  const m = sum(samples) / k;
  const scale = Math.sqrt(k / (k - 1));
  return samples.map((x) => (x - m) * scale);
}

/**
 * The model of observed per-item worsenings (each a mean over `k0` samples) and the items'
 * sample residuals: the worsenings centred, shrunk by the share of their variance that sampling
 * noise explains (method of moments), so the simulation does not count the noise twice.
 */
export function sampledModel(worse: readonly number[], base: ReadonlyArray<readonly number[]>, head: ReadonlyArray<readonly number[]>, k0: number): SampledModel {
  const n = worse.length;
  const mean = sum(worse) / n;
  const total = sum(worse.map((w) => (w - mean) ** 2)) / n;
  const variance = (r: readonly number[]) => (r.length === 0 ? 0 : sum(r.map((x) => x * x)) / r.length);
  const noise = sum(base.map((r, j) => (variance(r) + variance(head[j] ?? [])) / k0)) / n;
  const keep = total > 0 ? Math.sqrt(Math.max(0, 1 - noise / total)) : 0;
  return { between: worse.map((w) => keep * (w - mean)), base, head };
}

const meanOfDraws = (pool: readonly number[], k: number, random: () => number) => {
  if (pool.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < k; i++) s += pool[Math.floor(random() * pool.length)]!;
  return s / k;
};

/** n per-item worsenings with k samples per item under a drop (see SampledModel). */
export function drawSampled(model: SampledModel, n: number, k: number, drop: number, random: () => number): number[] {
  const out = new Array<number>(n);
  const m = model.between.length;
  for (let i = 0; i < n; i++) {
    const j = Math.floor(random() * m);
    out[i] = model.between[j]! + drop + meanOfDraws(model.base[j]!, k, random) - meanOfDraws(model.head[j]!, k, random);
  }
  return out;
}

/** Whether TRIALS simulated gates over n items of k samples detect `drop` with probability ≥ `power` (stopped once settled). */
export function reachesPowerSampled(model: SampledModel, n: number, k: number, drop: number, tolerance: number, level: number, power: number, opts: PowerOptions = {}): boolean {
  const trials = opts.trials ?? TRIALS;
  // The same seed at every k (common random numbers), so the search sees power rise smoothly.
  const random = seededRandom(opts.seed ?? 1);
  const need = Math.ceil(power * trials - 1e-9);
  let hits = 0;
  for (let t = 0; t < trials; t++) {
    if (gateFires(drawSampled(model, n, k, drop, random), tolerance, level, t)) hits++;
    if (hits >= need) return true;
    if (hits + (trials - t - 1) < need) return false;
  }
  return hits >= need;
}

/**
 * The fewest samples per item with which n items detect `drop` with probability ≥ `power`:
 * doubling from 1, then bisection; null when `maxSamples` do not (the between-item spread, or
 * too few items, is what limits: samples cannot help), or the drop is not above the tolerance.
 */
export function samplesNeededSim(model: SampledModel, n: number, drop: number, tolerance: number, level: number, power: number, maxSamples = MAX_SAMPLES, opts: PowerOptions = {}): number | null {
  if (n === 0 || drop <= tolerance) return null;
  const ok = (k: number) => reachesPowerSampled(model, n, k, drop, tolerance, level, power, opts);
  let lo = 0;
  let hi = 1;
  while (!ok(hi)) {
    if (hi >= maxSamples) return null;
    lo = hi;
    hi = Math.min(maxSamples, hi * 2);
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
