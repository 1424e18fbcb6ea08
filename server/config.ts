import { ANTHROPIC_KEY_ENV, isEnvName, TOKEN_ENV } from './settings/env-names.js';
import { TunegateError } from './errors.js';
import { checkKeyBinding, parseKeyBindings, type KeyBindings, type KeyTarget } from './settings/key-bindings.js';
import { listSetting, parseAllowedHosts, protectReadsOf, type ServeFlags, type ServeSettings } from './settings/serve-options.js';
import { DEFAULT_LIMITS, DEFAULT_REQUEST_LIMITS, LIMIT_RANGES, limitValue, type EndpointLimits } from './settings/setting-limits.js';

/**
 * The only module that reads environment variables. Everything else receives an `Env`
 * (a plain record), so tests pass their own and nothing changes behaviour behind their back.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_DB_PATH = 'runs/tunegate.db';
export const DEFAULT_EVALSETS_DIR = 'evalsets';

/** Database path: `--db` wins, then `TUNEGATE_DB`, then `runs/tunegate.db`. */
export function resolveDbPath(flag: string | undefined, env: Env): string {
  if (flag !== undefined && flag !== '') return flag;
  const fromEnv = env.TUNEGATE_DB;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return DEFAULT_DB_PATH;
}

/** The dashboard the gate's reports link to, and where it was given: `--dashboard-url` wins, then TUNEGATE_DASHBOARD_URL. */
export function dashboardUrlSetting(flag: string | undefined, env: Env): { url: string; from: string } | undefined {
  if (flag !== undefined) return { url: flag, from: '--dashboard-url' };
  const fromEnv = env.TUNEGATE_DASHBOARD_URL;
  return fromEnv !== undefined && fromEnv !== '' ? { url: fromEnv, from: 'TUNEGATE_DASHBOARD_URL' } : undefined;
}

/**
 * Where a server's Env keeps the key variables it may read and where each may go. A symbol, so
 * it is never confused with a variable; its presence is what makes an Env a server's.
 */
const KEY_ENVS: unique symbol = Symbol('tunegate.allowedKeyEnvs');

/**
 * The environment as a server sees it: only the key variables its operator allowed
 * (`--key-env`), plus its own resolved settings. Reading any other key name is refused, so no
 * client can make the server send an arbitrary variable (its token, PATH, another service's
 * key) to a URL of the client's choosing; a bound key is refused for any URL outside its prefixes.
 */
export type ServerEnv = Env & { readonly [KEY_ENVS]: KeyBindings };

function bindingsOf(env: Env): KeyBindings | undefined {
  return (env as Partial<ServerEnv>)[KEY_ENVS];
}

/** Checks that a server may send the key variable `name` to every URL of `target` (see checkKeyBinding); the CLI may send any. */
export function checkKeyEnvAllowed(name: string, env: Env, field: string, target: KeyTarget): void {
  const bindings = bindingsOf(env);
  if (bindings !== undefined) checkKeyBinding(bindings, name, field, target);
}

/** One use of a key variable: the field naming it, the name (null: no key), and where it would go. */
export type KeyUse = readonly [field: string, name: string | null | undefined, target: KeyTarget];

/** Checks several key uses at once (uses with no name are skipped). */
export function checkKeyEnvsAllowed(env: Env, uses: readonly KeyUse[]): void {
  for (const [field, name, target] of uses) if (name !== null && name !== undefined && name !== '') checkKeyEnvAllowed(name, env, field, target);
}

/**
 * The values of every key a server may send: what redaction removes from error texts and logs.
 * Empty for the CLI's Env (its key is known where it is read).
 */
export function serverSecrets(env: Env): string[] {
  const allowed = [...(bindingsOf(env)?.keys() ?? [])];
  return allowed.map((n) => env[n] ?? '').filter((v) => v !== '');
}

/**
 * The values of the named variables, skipping unset ones: the keys a CLI process could know,
 * which it removes from everything it prints (a second layer; the CLI's Env has no allowed list).
 */
export function secretValues(env: Env, names: readonly (string | null | undefined)[]): string[] {
  return [TOKEN_ENV, ANTHROPIC_KEY_ENV, ...names].flatMap((n) => (n !== null && n !== undefined && isEnvName(n) && (env[n] ?? '') !== '' ? [env[n]!] : []));
}

/**
 * Reads a secret from the environment variable the user named, for requests to `target`. The
 * value goes straight to the HTTP client: it is never stored, logged or echoed. On a server,
 * only allowed names are read, and a bound name only for URLs under its prefixes (see
 * ServerEnv); only for those does an error say that the variable is unset. `flag` is the
 * option that named the variable, for that error.
 */
export function readSecret(envName: string | null | undefined, env: Env, target: KeyTarget, flag = '--api-key-env'): string | undefined {
  if (envName === null || envName === undefined || envName === '') return undefined;
  const server = bindingsOf(env) !== undefined;
  checkKeyEnvAllowed(envName, env, 'apiKeyEnv', target);
  const value = env[envName];
  if (value === undefined || value === '') {
    throw new TunegateError(
      'MISSING_SECRET',
      server
        ? `the API key variable ${envName} is allowed (--key-env) but not set in the server's environment`
        : `the API key variable ${envName} (named by ${flag}) is not set in the environment`,
    );
  }
  return value;
}

/** Where the Anthropic judge sends its key: ANTHROPIC_BASE_URL, else https://api.anthropic.com. */
export function anthropicBaseUrl(env: Env): string {
  const base = env.ANTHROPIC_BASE_URL;
  return base !== undefined && base !== '' ? base : 'https://api.anthropic.com';
}

/**
 * The Anthropic judge's settings: the key from ANTHROPIC_API_KEY and an optional base URL from
 * ANTHROPIC_BASE_URL (proxies, test servers). Read here so the SDK reads nothing by itself. A
 * server reads ANTHROPIC_API_KEY only when it is one of its allowed key variables.
 */
export function anthropicSettings(env: Env): { apiKey: string; baseURL: string } {
  const baseURL = anthropicBaseUrl(env);
  const field = 'judge (anthropic reads ANTHROPIC_API_KEY)';
  checkKeyEnvAllowed(ANTHROPIC_KEY_ENV, env, field, { field, urls: [baseURL] });
  const apiKey = env[ANTHROPIC_KEY_ENV];
  if (apiKey === undefined || apiKey === '') {
    throw new TunegateError('MISSING_SECRET', 'the anthropic judge needs ANTHROPIC_API_KEY in the environment');
  }
  return { apiKey, baseURL };
}

/**
 * The response and answer caps: TUNEGATE_MAX_RESPONSE_BYTES (default 8 MiB) and
 * TUNEGATE_MAX_ANSWER_CHARS (default 262144). A server's Env carries its resolved values.
 */
export function endpointLimits(env: Env): EndpointLimits {
  return {
    maxResponseBytes: limitValue('maxResponseBytes', env[LIMIT_RANGES.maxResponseBytes.env], LIMIT_RANGES.maxResponseBytes.env) ?? DEFAULT_LIMITS.maxResponseBytes,
    maxAnswerChars: limitValue('maxAnswerChars', env[LIMIT_RANGES.maxAnswerChars.env], LIMIT_RANGES.maxAnswerChars.env) ?? DEFAULT_LIMITS.maxAnswerChars,
  };
}

/** Resolves and validates `tunegate serve`'s settings from its flags and environment. */
export function resolveServeSettings(flags: ServeFlags, env: Env): ServeSettings {
  const keyEnvs = listSetting(flags.keyEnvs, env.TUNEGATE_KEY_ENVS);
  const keyBindings = parseKeyBindings(keyEnvs);
  const allowedHosts = parseAllowedHosts(listSetting(flags.allowedHosts, env.TUNEGATE_ALLOWED_HOSTS));
  const token = env[TOKEN_ENV];
  const protectReads = protectReadsOf(flags.protectReads, env.TUNEGATE_PROTECT_READS);
  if (protectReads && (token === undefined || token === '')) {
    throw new TunegateError('USAGE', `--protect-reads needs TUNEGATE_TOKEN: reads then need that token (Authorization: Bearer), so set it, or serve without --protect-reads / TUNEGATE_PROTECT_READS`);
  }
  return {
    token: token !== undefined && token !== '' ? token : undefined,
    protectReads,
    keyEnvs,
    keyBindings,
    allowedHosts,
    maxResponseBytes: limitValue('maxResponseBytes', flags.maxResponseBytes, LIMIT_RANGES.maxResponseBytes.flag)
      ?? limitValue('maxResponseBytes', env[LIMIT_RANGES.maxResponseBytes.env], LIMIT_RANGES.maxResponseBytes.env) ?? DEFAULT_LIMITS.maxResponseBytes,
    maxAnswerChars: limitValue('maxAnswerChars', flags.maxAnswerChars, LIMIT_RANGES.maxAnswerChars.flag)
      ?? limitValue('maxAnswerChars', env[LIMIT_RANGES.maxAnswerChars.env], LIMIT_RANGES.maxAnswerChars.env) ?? DEFAULT_LIMITS.maxAnswerChars,
    rateLimit: limitValue('rateLimit', flags.rateLimit, LIMIT_RANGES.rateLimit.flag)
      ?? limitValue('rateLimit', env[LIMIT_RANGES.rateLimit.env], LIMIT_RANGES.rateLimit.env) ?? DEFAULT_REQUEST_LIMITS.rateLimit,
    maxEventLoopDelay: limitValue('maxEventLoopDelay', flags.maxEventLoopDelay, LIMIT_RANGES.maxEventLoopDelay.flag)
      ?? limitValue('maxEventLoopDelay', env[LIMIT_RANGES.maxEventLoopDelay.env], LIMIT_RANGES.maxEventLoopDelay.env) ?? DEFAULT_REQUEST_LIMITS.maxEventLoopDelay,
  };
}

/**
 * The Env a server runs with: the allowed key variables (`keyEnvs` as `--key-env` takes them,
 * with their prefixes), ANTHROPIC_BASE_URL (not a secret), its limits, and nothing else; never
 * TUNEGATE_TOKEN.
 */
export function serverEnv(env: Env, settings: Pick<ServeSettings, 'keyEnvs'> & Partial<EndpointLimits>): ServerEnv {
  const out: Record<string, string | undefined> = {};
  const bindings = parseKeyBindings(settings.keyEnvs);
  for (const { name } of bindings) out[name] = env[name];
  if (env.ANTHROPIC_BASE_URL !== undefined) out.ANTHROPIC_BASE_URL = env.ANTHROPIC_BASE_URL;
  const limits = { ...endpointLimits(env), ...settings };
  out[LIMIT_RANGES.maxResponseBytes.env] = String(limits.maxResponseBytes);
  out[LIMIT_RANGES.maxAnswerChars.env] = String(limits.maxAnswerChars);
  Object.defineProperty(out, KEY_ENVS, { value: new Map(bindings.map((b) => [b.name, b.prefixes === null ? null : Object.freeze([...b.prefixes])])), enumerable: false });
  return Object.freeze(out) as ServerEnv;
}

/** serve --lora-keep: the adapters a server keeps loaded per model server (its oldest beyond are unloaded). */
export const LORA_KEEP = { env: 'TUNEGATE_LORA_KEEP', default: 4, min: 1, max: 1000 } as const;

/** --lora-keep if given, else TUNEGATE_LORA_KEEP, else 4. */
export function loraKeepOf(flag: number | undefined, env: Env): number {
  if (flag !== undefined) return flag;
  const raw = env[LORA_KEEP.env];
  if (raw === undefined || raw === '') return LORA_KEEP.default;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < LORA_KEEP.min || n > LORA_KEEP.max) {
    throw new TunegateError('USAGE', `${LORA_KEEP.env} must be a whole number from ${LORA_KEEP.min} to ${LORA_KEEP.max}, got "${raw.slice(0, 40)}"`);
  }
  return n;
}
