import type { MetricVerdict } from './decide.js';

const fmtP = (p: number) => (p < 0.001 ? p.toExponential(1) : p.toPrecision(2));

/**
 * The smallest mean worsening that could ever be significant at `level` with n items. With 0/1
 * scores only whole items can change: k items from pass to fail (none back) must give a p-value
 * below the level and k/n must exceed the tolerance. With fractional scores a drop just above
 * the tolerance is detectable when every item moves alike, which needs 2^-n < level.
 */
export function minDetectableDrop(n: number, tolerance: number, level: number, binary: boolean): number | null {
  if (n === 0 || 2 ** -n >= level) return null;
  if (!binary) return tolerance;
  // k items from pass to fail and none back: p = 2^-k.
  const k = Math.max(Math.ceil(-Math.log2(level) + 1e-12), Math.floor(tolerance * n + 1e-9) + 1);
  return k > n ? null : k / n;
}

/**
 * The warning for a metric this gate cannot fail on a drop the size of its tolerance; null when
 * there is nothing to warn of. Holm's step-down tests the smallest p at alpha/m (`loneLevel`)
 * but a later one at up to alpha once the others failed, so "cannot fail" is said only when even
 * alpha is out of reach, a metric that failed is never warned about, and a metric that can fail
 * only after others is said so: the warning can never contradict the verdict beside it.
 */
export function blindSpot(v: MetricVerdict, loneLevel: number, alpha: number): string | null {
  if (v.verdict === 'skipped' || v.verdict === 'regression' || v.level === null) return null;
  if (v.minDetectableDropAtAlpha === null) {
    return `${v.metric}: with ${v.n} items no drop can be detected even at level ${fmtP(alpha)}, the most Holm's step-down gives a metric (even if every item got worse, p ≥ 2^-${v.n} = ${fmtP(2 ** -v.n)}): this gate cannot fail on it; add items or raise alpha`;
  }
  const then = `it can fail only after other gated metrics failed, when Holm's step-down tests it at a level up to ${fmtP(alpha)} (a drop of ${v.minDetectableDropAtAlpha.toFixed(3)} or more)`;
  if (v.minDetectableDrop === null) {
    return `${v.metric}: with ${v.n} items no drop can be detected on its own, at level ${fmtP(loneLevel)} (p ≥ 2^-${v.n} = ${fmtP(2 ** -v.n)}); ${then}; add items`;
  }
  if (v.minDetectableDrop > v.tolerance * (1 + 1e-9)) {
    return `${v.metric}: with ${v.n} items (0/1 scores) the smallest drop this gate can detect is ${v.minDetectableDrop.toFixed(3)} on its own (level ${fmtP(loneLevel)}); a drop of the tolerance ${v.tolerance} goes unseen unless other metrics fail first; add items`;
  }
  return null;
}
