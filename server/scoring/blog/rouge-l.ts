/** Length of the longest common subsequence of two token lists, in O(n·m) time and O(m) memory. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  // Map tokens to integers so the inner loop compares numbers, not strings.
  const ids = new Map<string, number>();
  const id = (t: string) => ids.get(t) ?? (ids.set(t, ids.size), ids.size - 1);
  const x = Int32Array.from(a, id);
  const y = Int32Array.from(b, id);
  let prev = new Uint32Array(y.length + 1);
  let cur = new Uint32Array(y.length + 1);
  for (let i = 1; i <= x.length; i++) {
    const xi = x[i - 1];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = xi === y[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[y.length]!;
}

/** ROUGE-L F1 (precision and recall weighted equally) between token lists, in 0–1. */
export function rougeL(hyp: readonly string[], ref: readonly string[]): number {
  const lcs = lcsLength(hyp, ref);
  if (lcs === 0) return 0;
  const p = lcs / hyp.length;
  const r = lcs / ref.length;
  return (2 * p * r) / (p + r);
}
