const CHAR_ORDER = 6;
const BETA = 2;

function charNgrams(chars: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= chars.length; i++) {
    const g = chars.slice(i, i + n).join('');
    counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  return counts;
}

/**
 * Sentence-level chrF with sacrebleu's defaults: character n-grams of order 1–6, no word
 * n-grams, beta 2, all whitespace removed; precision and recall are averaged over the orders
 * where both sides have n-grams (orders with none are skipped). Returns 0–100 like sacrebleu.
 * Characters are code points (as Python slices strings), not UTF-16 units.
 */
export function chrf(hypothesis: string, reference: string): number {
  const hyp = Array.from(hypothesis.replace(/\s+/gu, ''));
  const ref = Array.from(reference.replace(/\s+/gu, ''));
  let precision = 0;
  let recall = 0;
  let effective = 0;
  for (let n = 1; n <= CHAR_ORDER; n++) {
    const h = charNgrams(hyp, n);
    const r = charNgrams(ref, n);
    const nHyp = Math.max(0, hyp.length - n + 1);
    const nRef = Math.max(0, ref.length - n + 1);
    if (nHyp === 0 || nRef === 0) continue;
    let match = 0;
    for (const [g, c] of h) match += Math.min(c, r.get(g) ?? 0);
    precision += match / nHyp;
    recall += match / nRef;
    effective++;
  }
  if (effective === 0) return 0;
  precision /= effective;
  recall /= effective;
  if (precision + recall === 0) return 0;
  const b2 = BETA * BETA;
  return (100 * ((1 + b2) * precision * recall)) / (b2 * precision + recall);
}
