/**
 * A number with a fixed count of decimals, as the page, the CLI and the gate's reports print it: a
 * value that rounds to zero prints without a minus sign ("0.000", never "-0.000"), so an interval
 * reads [0.000, 0.012], not [-0.000, 0.012]. Imports nothing (the page shares it).
 */
export function fixedDigits(v: number, digits: number): string {
  const s = v.toFixed(digits);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** "+0.012", "−0.034" (sign: `minus`), "+0.000" for anything that rounds to zero. */
export function signedDigits(v: number, digits: number, minus = '-'): string {
  const abs = fixedDigits(Math.abs(v), digits);
  return `${v < 0 && fixedDigits(v, digits) !== abs ? minus : '+'}${abs}`;
}
