/**
 * Splits `KEY=VALUE` at the first "=" (a value may hold "=" itself); `value` is undefined when
 * there is no "=". The one parser of such pairs (tags, `--key-env NAME=URL_PREFIX`,
 * `--tolerance METRIC=ABS`): each caller checks its own rules on the parts.
 */
export function splitKeyValue(raw: string): { key: string; value: string | undefined } {
  const eq = raw.indexOf('=');
  return eq < 0 ? { key: raw, value: undefined } : { key: raw.slice(0, eq), value: raw.slice(eq + 1) };
}
