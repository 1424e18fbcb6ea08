import { TunegateError } from '../errors.js';
import { requireMetric } from '../scoring/metric-registry.js';

/** A plain non-negative decimal: 0.05, .5, 2, 1e-3. Not NaN, not 1.2.3, not -0.1, not 0x10. */
const NUMBER = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses `METRIC=ABS` tolerances (`default=ABS` for every metric not named), the one parser the
 * CLI's `--tolerance` and the API's `tolerance` share. `field` names the option in errors.
 * A malformed value is an error, never NaN (a NaN tolerance would let any drop pass).
 */
export function parseTolerances(specs: readonly string[], field: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = eq < 0 ? '' : spec.slice(0, eq).trim();
    const raw = eq < 0 ? '' : spec.slice(eq + 1).trim();
    const value = Number(raw);
    if (name === '' || !NUMBER.test(raw) || !Number.isFinite(value)) {
      throw new TunegateError('USAGE', `${field} must be METRIC=ABS with ABS a number ≥ 0 (e.g. bio_accuracy=0.05, or default=0.03), got "${spec}"`);
    }
    if (name !== 'default') requireMetric(name, field);
    if (Object.hasOwn(out, name)) throw new TunegateError('USAGE', `${field}: "${name}" is given twice ("${name}=${out[name]}" and "${spec}")`);
    out[name] = value;
  }
  return out;
}
