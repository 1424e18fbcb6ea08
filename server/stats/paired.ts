/** log(n!) via a running sum (n here is at most a few thousand items). */
function logFactorials(n: number): Float64Array {
  const out = new Float64Array(n + 1);
  for (let i = 2; i <= n; i++) out[i] = out[i - 1]! + Math.log(i);
  return out;
}

/**
 * One-sided exact sign test (McNemar's exact test) on paired binary outcomes: `worse` items went
 * from pass to fail, `better` from fail to pass. Under no change each discordant pair is a fair
 * coin, so p = P(X ≥ worse) for X ~ Binomial(worse + better, 1/2). 1 when nothing changed.
 */
export function exactSignTestP(worse: number, better: number): number {
  const n = worse + better;
  if (n === 0) return 1;
  const lf = logFactorials(n);
  let p = 0;
  for (let k = worse; k <= n; k++) p += Math.exp(lf[n]! - lf[k]! - lf[n - k]! - n * Math.LN2);
  return Math.min(1, p);
}
