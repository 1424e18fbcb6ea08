import type { MetricDef, MetricInterval } from '../../server/routes/api-types.js';
// The one rounding rule the CLI and the reports print with (no "-0.000"; it imports nothing).
import { fixedDigits, signedDigits } from '../../server/shared/fixed-digits.js';

/** Decimals for a metric: three on 0–1 scales, one on chrF's 0–100, two when unbounded. */
export function digitsFor(def: Pick<MetricDef, 'range'> | undefined): number {
  if (def?.range === null || def?.range === undefined) return 2;
  return def.range[1] > 1 ? 1 : 3;
}

export function num(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || Number.isNaN(v) ? '–' : fixedDigits(v, digits);
}

export function signed(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || Number.isNaN(v) ? '–' : signedDigits(v, digits, '−');
}

export function interval(ci: readonly [number, number] | null | undefined, digits = 3): string {
  return ci === null || ci === undefined ? 'no interval' : `[${num(ci[0], digits)}, ${num(ci[1], digits)}]`;
}

/** "0.643 [0.412, 0.830] n=14": a number is never shown without its uncertainty and n. */
export function withInterval(value: number | null | undefined, stat: Pick<MetricInterval, 'n' | 'ci'> | undefined, digits = 3): string {
  if (value === null || value === undefined) return '–';
  return `${num(value, digits)} ${interval(stat?.ci, digits)} n=${stat?.n ?? 0}`;
}

export function stepLabel(step: number | null): string {
  return step === null ? 'no step' : `step ${step}`;
}

export function dateTime(iso: string | null): string {
  if (iso === null) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function duration(fromIso: string | null, toIso: string | null): string {
  if (fromIso === null || toIso === null) return '–';
  const s = (Date.parse(toIso) - Date.parse(fromIso)) / 1000;
  return s < 90 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`;
}
