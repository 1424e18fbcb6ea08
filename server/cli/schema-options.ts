import type { Static, TObject } from 'typebox';
import { TunegateError, wordOptions, type OptionWording } from '../errors.js';
import { list, type OptionSpec, type Spec, type Values } from './args.js';

/** What this reader reads of a property's JSON schema. */
interface PropertySchema {
  type?: string;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

/** An option's flag: `allowMismatch` is `allow-mismatch`. */
export const flagName = (option: string): string => option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Options as the CLI spells them: `--allow-mismatch`, `--metrics a,b`; a switch turned off is `--no-model-check`. */
export const flagWording: OptionWording = (option, value) =>
  (value === undefined || value === 'true' ? `--${flagName(option)}` : value === 'false' ? `--no-${flagName(option)}` : `--${flagName(option)} ${value}`);

/** Runs `fn` with its option errors worded as flags (errors.ts: OptionError). */
export const inFlags = <T>(fn: () => T): T => wordOptions(flagWording, fn);

/**
 * The command-line spec of an options schema: each property a `--kebab-case` flag (booleans
 * without a value, arrays repeatable) whose help is the property's description and whose default
 * is the schema's, so the CLI, the API and the help text read one definition. `values` names
 * each option's value in help (`--alpha A`).
 */
export function schemaSpec(schema: TObject, values: Record<string, string> = {}): Spec {
  return Object.fromEntries(Object.entries(schema.properties).map(([name, raw]): [string, OptionSpec] => {
    const p = raw as PropertySchema;
    const help = p.description ?? '';
    const shown = p.default === undefined || p.default === false ? {} : { default: p.default as string | number };
    if (p.type === 'boolean') return [flagName(name), { type: 'boolean', help }];
    const bound = p.type === 'number' || p.type === 'integer' ? range(p) : '';
    return [flagName(name), {
      type: 'string', ...(p.type === 'array' ? { multiple: true } : {}), value: values[name] ?? (p.type === 'integer' ? 'N' : 'VALUE'),
      help: bound === '' ? help : `${help} (${bound})`, ...shown,
    }];
  }));
}

/** A bound in words: `from 0 to 1`, `≥ 0`, `> 0 and ≤ 0.5`. */
function range(p: PropertySchema): string {
  if (p.minimum !== undefined && p.maximum !== undefined) return `from ${p.minimum} to ${p.maximum}`;
  const lo = p.minimum !== undefined ? `≥ ${p.minimum}` : p.exclusiveMinimum !== undefined ? `> ${p.exclusiveMinimum}` : null;
  const hi = p.maximum !== undefined ? `≤ ${p.maximum}` : p.exclusiveMaximum !== undefined ? `< ${p.exclusiveMaximum}` : null;
  return [lo, hi].filter((x) => x !== null).join(' and ');
}

/** A number option's text, parsed and checked against its schema's bounds; the error names the flag. */
function numberOf(flag: string, raw: string, p: PropertySchema): number {
  const n = Number(raw);
  const parsed = p.type === 'integer' ? /^-?\d+$/.test(raw.trim()) : raw.trim() !== '' && Number.isFinite(n);
  const inside = (p.minimum === undefined || n >= p.minimum) && (p.maximum === undefined || n <= p.maximum)
    && (p.exclusiveMinimum === undefined || n > p.exclusiveMinimum) && (p.exclusiveMaximum === undefined || n < p.exclusiveMaximum);
  if (!parsed || !inside) {
    const bound = range(p);
    throw new TunegateError('USAGE', `--${flag} must be a ${p.type === 'integer' ? 'whole number' : 'number'}${bound === '' ? '' : ` ${bound}`}, got "${raw}"`);
  }
  return n;
}

/**
 * An options object read from the command line by its schema (the one the API validates with):
 * numbers parsed and bounded as the schema says, each error naming its flag. Options not given
 * stay absent: defaults are the core's.
 */
export function readOptions<T extends TObject>(schema: T, v: Values): Static<T> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(schema.properties) as Array<[string, PropertySchema]>) {
    const flag = flagName(name);
    if (v[flag] === undefined) continue;
    if (p.type === 'boolean') out[name] = v[flag] === true;
    else if (p.type === 'array') out[name] = list(v, flag);
    else if (p.type === 'number' || p.type === 'integer') out[name] = numberOf(flag, String(v[flag]), p);
    else out[name] = v[flag];
  }
  return out as Static<T>;
}
