const CHAR_ORDER = 6;
const BETA = 2;

/** UTF-16 index of every code point, plus the end: n-grams are then plain string slices. */
function codePointStarts(text: string): number[] {
  const starts: number[] = [];
  for (let i = 0; i < text.length; i++) {
    starts.push(i);
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) i++;
  }
  starts.push(text.length);
  return starts;
}

function charNgrams(text: string, starts: readonly number[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  const chars = starts.length - 1;
  for (let i = 0; i + n <= chars; i++) {
    const g = text.slice(starts[i], starts[i + n]);
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
  const hypText = hypothesis.replace(/\s+/gu, '');
  const refText = reference.replace(/\s+/gu, '');
  const hypStarts = codePointStarts(hypText);
  const refStarts = codePointStarts(refText);
  const hypLen = hypStarts.length - 1;
  const refLen = refStarts.length - 1;
  let precision = 0;
  let recall = 0;
  let effective = 0;
  for (let n = 1; n <= CHAR_ORDER; n++) {
    const nHyp = Math.max(0, hypLen - n + 1);
    const nRef = Math.max(0, refLen - n + 1);
    if (nHyp === 0 || nRef === 0) continue;
    const h = charNgrams(hypText, hypStarts, n);
    const r = charNgrams(refText, refStarts, n);
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
