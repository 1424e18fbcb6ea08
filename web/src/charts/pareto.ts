/** Which way is better on an axis. */
export type Better = 'higher' | 'lower';

/**
 * Indices of the Pareto-optimal points: those that no other point beats on both axes (at least
 * as good on both and strictly better on one). Points with a missing coordinate are never
 * optimal. Identical points are all optimal. O(n²), fine for hundreds of checkpoints.
 */
export function paretoOptimal(points: ReadonlyArray<{ x: number | null; y: number | null }>, better: { x: Better; y: Better }): Set<number> {
  const sx = better.x === 'higher' ? 1 : -1;
  const sy = better.y === 'higher' ? 1 : -1;
  const out = new Set<number>();
  points.forEach((p, i) => {
    if (p.x === null || p.y === null) return;
    const px = sx * p.x;
    const py = sy * p.y;
    const dominated = points.some((q, j) => {
      if (j === i || q.x === null || q.y === null) return false;
      const qx = sx * q.x;
      const qy = sy * q.y;
      return qx >= px && qy >= py && (qx > px || qy > py);
    });
    if (!dominated) out.add(i);
  });
  return out;
}
