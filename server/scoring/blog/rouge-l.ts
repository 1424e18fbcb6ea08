/**
 * Length of the longest common subsequence of two token lists. Bit-parallel (Allison & Dix
 * 1986; Hyyrö 2004): one bit per token of the shorter list, 32 of them per machine word, so a
 * 2,000 × 2,000 Chinese post pair (tokens are characters) costs ~130k word operations instead of
 * 4M table cells. Same result as the textbook dynamic programme (lcsLengthDp), which the tests
 * compare it with.
 */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  const words = (short.length + 31) >>> 5;
  // match[token] has bit i set where short[i] is that token.
  const match = new Map<string, Uint32Array>();
  short.forEach((t, i) => {
    let m = match.get(t);
    if (m === undefined) match.set(t, (m = new Uint32Array(words)));
    m[i >>> 5]! |= 1 << (i & 31);
  });
  const v = new Uint32Array(words).fill(0xffffffff);
  for (const t of long) {
    const m = match.get(t);
    if (m === undefined) continue; // no match: V stays as it is
    let carry = 0;
    let borrow = 0;
    for (let k = 0; k < words; k++) {
      const vk = v[k]!;
      const u = (vk & m[k]!) >>> 0;
      // V' = (V + U) | (V - U), as multi-word arithmetic with carry and borrow.
      const sum = vk + u + carry;
      carry = sum > 0xffffffff ? 1 : 0;
      const diff = vk - u - borrow;
      borrow = diff < 0 ? 1 : 0;
      v[k] = ((sum >>> 0) | (diff >>> 0)) >>> 0;
    }
  }
  let lcs = 0;
  for (let i = 0; i < short.length; i++) if ((v[i >>> 5]! & (1 << (i & 31))) === 0) lcs++;
  return lcs;
}

/** The textbook O(n·m) dynamic programme; the reference the bit-parallel version is tested against. */
export function lcsLengthDp(a: readonly string[], b: readonly string[]): number {
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/** ROUGE-L F1 (precision and recall weighted equally) between token lists, in 0–1. */
export function rougeL(hyp: readonly string[], ref: readonly string[]): number {
  const lcs = lcsLength(hyp, ref);
  if (lcs === 0) return 0;
  const p = lcs / hyp.length;
  const r = lcs / ref.length;
  return (2 * p * r) / (p + r);
}
