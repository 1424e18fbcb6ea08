import { TunegateError } from '../errors.js';
import type { Bound } from '../runs/run-options.js';

/**
 * One option of a command: how it parses, and what `--help` and docs/cli.md say about it (kept
 * on the option itself, so the parser and the help cannot drift apart).
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  /** May be given several times; values accumulate. */
  multiple?: boolean;
  /** Takes every following word up to the next option (`--evalsets a.jsonl b.jsonl`). */
  variadic?: boolean;
  short?: string;
  /** What the option does, one paragraph. */
  help: string;
  /** The value's name in help (PATH, N, SECONDS); string options only. */
  value?: string;
  /** The default, as help prints it: "(default …)" after the help. */
  default?: string | number;
}

export type Spec = Record<string, OptionSpec>;
export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Parsed {
  values: Values;
  positionals: string[];
}

/**
 * Parses `argv` against `spec`. Supports `--name value`, `--name=value`, repeated and variadic
 * options, short aliases and `--` to end options. Unknown options are a USAGE error naming the
 * command so the user knows which `--help` to read.
 */
export function parseArgs(argv: readonly string[], spec: Spec, command: string): Parsed {
  const values: Values = {};
  const positionals: string[] = [];
  const shorts = new Map(Object.entries(spec).flatMap(([name, s]) => (s.short ? [[s.short, name] as const] : [])));
  const push = (name: string, v: string) => {
    const s = spec[name]!;
    if (s.multiple || s.variadic) values[name] = [...((values[name] as string[] | undefined) ?? []), v];
    else values[name] = v;
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const rawName = arg.startsWith('--') ? arg.slice(2, eq >= 0 ? eq : undefined) : arg.slice(1);
    const name = arg.startsWith('--') ? rawName : shorts.get(rawName);
    const s = name === undefined ? undefined : spec[name];
    if (name === undefined || s === undefined) {
      throw new TunegateError('USAGE', `unknown option ${arg.split('=')[0]} for \`tunegate ${command}\` (see tunegate ${command} --help)`);
    }
    if (s.type === 'boolean') {
      if (eq >= 0) throw new TunegateError('USAGE', `--${name} takes no value`);
      values[name] = true;
      continue;
    }
    if (eq >= 0) {
      push(name, arg.slice(eq + 1));
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined || (next.startsWith('--') && next.length > 2)) {
      throw new TunegateError('USAGE', `--${name} needs a value`);
    }
    push(name, next);
    i++;
    if (s.variadic) {
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) push(name, argv[++i]!);
    }
  }
  return { values, positionals };
}

export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function list(values: Values, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export function flag(values: Values, name: string): boolean {
  return values[name] === true;
}

/** A whole number option with bounds; the error names the option and what it got. */
export function int(values: Values, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v.trim()) || Number(v) < min || Number(v) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new TunegateError('USAGE', `--${name} must be a whole number ${range}, got "${v}"`);
  }
  return Number(v);
}

/** A decimal option with bounds (`exclusiveMin`: above min, not min itself). */
export function num(values: Values, name: string, min: number, max: number, exclusiveMin = false): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || (exclusiveMin && n === min) || n > max) {
    throw new TunegateError('USAGE', `--${name} must be a number ${exclusiveMin ? `above ${min} and at most` : `from ${min} to`} ${max}, got "${v}"`);
  }
  return n;
}

/** An option whose range is one of the shared option bounds (e.g. `RUN_OPTION_BOUNDS`), as the API reads it. */
export function bounded(values: Values, name: string, bound: Bound): number | undefined {
  return bound.integer ? int(values, name, bound.min, bound.max) : num(values, name, bound.min, bound.max, bound.exclusiveMin === true);
}

/** Rejects extra positional arguments. */
export function expectPositionals(p: Parsed, max: number, command: string): void {
  if (p.positionals.length > max) {
    throw new TunegateError('USAGE', `unexpected argument "${p.positionals[max]}" for \`tunegate ${command}\` (see tunegate ${command} --help)`);
  }
}
