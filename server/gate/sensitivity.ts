/** What a sensitivity line reads of a metric's verdict (decide.ts's MetricVerdict has these fields). */
export interface VerdictSensitivity {
  metric: string;
  n: number;
  level: number | null;
  verdict: 'regression' | 'pass' | 'improved' | 'skipped';
  minDetectableDrop: number | null;
  minDetectableDropAtAlpha: number | null;
}

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

/** One gated metric's sensitivity: the smallest drop its items could ever show, at the levels the gate tests it at. */
export interface Sensitivity {
  metric: string;
  n: number;
  /** alpha/m: the level a lone regression meets (Holm's first step). */
  level: number;
  minDetectableDrop: number | null;
  /** alpha: the highest level Holm's step-down reaches, once every other tested metric failed. */
  alpha: number;
  minDetectableDropAtAlpha: number | null;
  /** The line in words, without the plan command (reports add it; the page shows it as a snippet). */
  text: string;
}

/** The command that answers "with what power, and what would it take" for a run (gate/plan.ts). */
export const planCommand = (runId: number) => `tunegate plan --run ${runId}`;

/**
 * The sensitivity line of a tested metric; null for a skipped one or a gate without significance.
 * It states what the items allow at both ends of Holm's levels, never a verdict, so it can never
 * contradict the verdict beside it (a metric failing at a later step shows its drop at alpha).
 */
export function sensitivity(v: VerdictSensitivity, loneLevel: number, alpha: number): Sensitivity | null {
  if (v.verdict === 'skipped' || v.level === null) return null;
  const drop = (d: number | null, at: number) => `${d === null ? 'none (too few items)' : d.toFixed(3)} at level ${fmtP(at)}`;
  const later = alpha > loneLevel * (1 + 1e-9) ? `, ${drop(v.minDetectableDropAtAlpha, alpha)} once the other metrics failed` : '';
  return {
    metric: v.metric, n: v.n, level: loneLevel, minDetectableDrop: v.minDetectableDrop, alpha, minDetectableDropAtAlpha: v.minDetectableDropAtAlpha,
    text: `${v.metric} (n=${v.n}): the smallest drop it can show is ${drop(v.minDetectableDrop, loneLevel)}${later} (even if every item moved alike)`,
  };
}
