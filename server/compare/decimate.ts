/**
 * Min/max decimation of a trend's points, shared by every series so they keep the SAME
 * checkpoints (the trade-off chart pairs x and y by checkpoint). Pure: a function of the points'
 * steps, groups and metric values.
 */

export interface DecimationInput {
  /** Training step; points without one are all kept (they are in the tables only). */
  step: number | null;
  /** The training run (group) the point belongs to; its first and last point are kept. */
  group: string | null;
  /** Always kept (the flagged baseline). */
  keep: boolean;
  /** One value per metric, in the same order for every point (null: not measured). */
  values: ReadonlyArray<number | null>;
}

/**
 * Which points to keep (indexes, ascending) when there are more than `maxPoints`: the steps' range
 * is cut into equal buckets, and in each the lowest and highest value of every metric are kept, plus
 * each group's first and last point (by position in `points`, ordered by step) and every `keep`
 * point. The bucket count is chosen so the result stays within `maxPoints` where it can
 * (2 × metrics per bucket, after the ends and the kept ones). All points when they fit.
 */
export function decimate(points: readonly DecimationInput[], maxPoints: number): number[] {
  if (points.length <= maxPoints) return points.map((_, i) => i);
  const kept = new Set<number>();
  const ends = new Map<string | null, [number, number]>();
  points.forEach((p, i) => {
    if (p.keep || p.step === null) kept.add(i);
    const e = ends.get(p.group);
    ends.set(p.group, e === undefined ? [i, i] : [e[0], i]);
  });
  for (const [a, b] of ends.values()) kept.add(a).add(b);
  const metrics = points[0]?.values.length ?? 0;
  const stepped = points.flatMap((p, i) => (p.step === null ? [] : [{ i, step: p.step }]));
  if (stepped.length === 0) return [...kept].sort((a, b) => a - b);
  const lo = Math.min(...stepped.map((p) => p.step));
  const hi = Math.max(...stepped.map((p) => p.step));
  const buckets = Math.max(1, Math.floor((maxPoints - kept.size) / Math.max(1, 2 * metrics)));
  const width = (hi - lo + 1) / buckets;
  // Per bucket and metric: the index of the lowest and of the highest value.
  const min = new Map<string, number>();
  const max = new Map<string, number>();
  for (const { i, step } of stepped) {
    const b = Math.min(buckets - 1, Math.floor((step - lo) / width));
    points[i]!.values.forEach((v, m) => {
      if (v === null) return;
      const key = `${b}:${m}`;
      const lowest = min.get(key);
      if (lowest === undefined || v < points[lowest]!.values[m]!) min.set(key, i);
      const highest = max.get(key);
      if (highest === undefined || v > points[highest]!.values[m]!) max.set(key, i);
    });
  }
  for (const i of [...min.values(), ...max.values()]) kept.add(i);
  return [...kept].sort((a, b) => a - b);
}
