import { TunegateError } from './errors.js';

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

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks that a user-supplied name can be an environment variable name. */
export function validateEnvName(name: string, field: string): string {
  if (!ENV_NAME.test(name)) {
    throw new TunegateError(
      'INVALID_INPUT',
      `${field}: "${name}" is not an environment variable name (letters, digits and _, not starting with a digit); pass the variable's name, never the key itself`,
    );
  }
  return name;
}

/** The variable holding the server's own bearer token: never a key the server may send anywhere. */
export const TOKEN_ENV = 'TUNEGATE_TOKEN';
/** The variable the Anthropic judge reads its key from. */
export const ANTHROPIC_KEY_ENV = 'ANTHROPIC_API_KEY';

/**
 * Where a server's Env keeps the names of the key variables it may read. A symbol, so it is
 * never confused with a variable; its presence is what makes an Env a server's.
 */
const KEY_ENVS: unique symbol = Symbol('tunegate.allowedKeyEnvs');

/**
 * The environment as a server sees it: only the key variables its operator allowed
 * (`--key-env`), plus its own resolved settings. Reading any other key name is refused, so no
 * client can make the server send an arbitrary variable (its token, PATH, another service's
 * key) to a URL of the client's choosing.
 */
export type ServerEnv = Env & { readonly [KEY_ENVS]: readonly string[] };

function allowedKeyEnvsOf(env: Env): readonly string[] | undefined {
  return (env as Partial<ServerEnv>)[KEY_ENVS];
}

/**
 * Checks that a server may read the key variable `name` (the CLI may read any). The refusal
 * lists the allowed names and says nothing about the environment, so it cannot be used to
 * probe which variables exist.
 */
export function checkKeyEnvAllowed(name: string, env: Env, field: string): void {
  const allowed = allowedKeyEnvsOf(env);
  if (allowed === undefined || allowed.includes(name)) return;
  throw new TunegateError(
    'INVALID_INPUT',
    `${field}: this server may not read the key variable "${name}"; it reads only the variables its operator allowed with \`tunegate serve --key-env NAME\`: ${allowed.length > 0 ? allowed.join(', ') : 'none'}`,
  );
}

/** Checks several named key variables at once (fields with a null name are skipped). */
export function checkKeyEnvsAllowed(env: Env, names: ReadonlyArray<readonly [field: string, name: string | null | undefined]>): void {
  for (const [field, name] of names) if (name !== null && name !== undefined && name !== '') checkKeyEnvAllowed(name, env, field);
}

/**
 * The values of every key a server may send: what redaction removes from error texts and logs.
 * Empty for the CLI's Env (its key is known where it is read).
 */
export function serverSecrets(env: Env): string[] {
  const allowed = allowedKeyEnvsOf(env) ?? [];
  return allowed.map((n) => env[n] ?? '').filter((v) => v !== '');
}

/**
 * Reads a secret from the environment variable the user named. The value goes straight to
 * the HTTP client: it is never stored, logged or echoed. On a server, only allowed names are
 * read (see ServerEnv); only for those does an error say that the variable is unset. `flag` is
 * the option that named the variable, for that error.
 */
export function readSecret(envName: string | null | undefined, env: Env, flag = '--api-key-env'): string | undefined {
  if (envName === null || envName === undefined || envName === '') return undefined;
  const server = allowedKeyEnvsOf(env) !== undefined;
  checkKeyEnvAllowed(envName, env, 'apiKeyEnv');
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

/**
 * The Anthropic judge's settings: the key from ANTHROPIC_API_KEY and an optional base URL from
 * ANTHROPIC_BASE_URL (proxies, test servers). Read here so the SDK reads nothing by itself. A
 * server reads ANTHROPIC_API_KEY only when it is one of its allowed key variables.
 */
export function anthropicSettings(env: Env): { apiKey: string; baseURL: string } {
  checkKeyEnvAllowed(ANTHROPIC_KEY_ENV, env, 'judge (anthropic reads ANTHROPIC_API_KEY)');
  const apiKey = env[ANTHROPIC_KEY_ENV];
  if (apiKey === undefined || apiKey === '') {
    throw new TunegateError('MISSING_SECRET', 'the anthropic judge needs ANTHROPIC_API_KEY in the environment');
  }
  const base = env.ANTHROPIC_BASE_URL;
  return { apiKey, baseURL: base !== undefined && base !== '' ? base : 'https://api.anthropic.com' };
}

/** What an endpoint may make tunegate keep (see `endpointLimits`). */
export interface EndpointLimits {
  /** Largest response body read from an endpoint or judge (after decompression). */
  maxResponseBytes: number;
  /** Longest answer (and reasoning) stored; a longer one is stored cut, with a marker. */
  maxAnswerChars: number;
}

export const DEFAULT_LIMITS: EndpointLimits = { maxResponseBytes: 8 * 1024 * 1024, maxAnswerChars: 256 * 1024 };
/** How much one client may ask of a server (see server/request-limits.ts); 0 turns a limit off. */
export interface RequestLimits {
  /** Requests one client (address) may make in any REQUEST_WINDOW_MS; more get 429 with Retry-After. */
  rateLimit: number;
  /** Mean event-loop delay (ms) above which requests get 503 with Retry-After until it recovers. */
  maxEventLoopDelay: number;
}

/** The window a client's requests are counted in. */
export const REQUEST_WINDOW_MS = 10_000;
export const DEFAULT_REQUEST_LIMITS: RequestLimits = { rateLimit: 300, maxEventLoopDelay: 1000 };

const LIMIT_RANGES = {
  maxResponseBytes: { env: 'TUNEGATE_MAX_RESPONSE_BYTES', flag: '--max-response-bytes', min: 1024, max: 1024 * 1024 * 1024 },
  maxAnswerChars: { env: 'TUNEGATE_MAX_ANSWER_CHARS', flag: '--max-answer-chars', min: 1024, max: 64 * 1024 * 1024 },
  rateLimit: { env: 'TUNEGATE_RATE_LIMIT', flag: '--rate-limit', min: 0, max: 1_000_000 },
  maxEventLoopDelay: { env: 'TUNEGATE_MAX_EVENT_LOOP_DELAY', flag: '--max-event-loop-delay', min: 0, max: 600_000 },
} as const;

/** The bounds of each numeric server setting (flags and variables), for the CLI's parser too. */
export const SETTING_RANGES: { readonly [K in keyof typeof LIMIT_RANGES]: { readonly min: number; readonly max: number } } = LIMIT_RANGES;

function limitValue(key: keyof typeof LIMIT_RANGES, raw: string | number | undefined, source: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const r = LIMIT_RANGES[key];
  const n = typeof raw === 'number' ? raw : /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < r.min || n > r.max) {
    throw new TunegateError('USAGE', `${source} must be a whole number from ${r.min} to ${r.max}, got "${raw}"`);
  }
  return n;
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

/** What `tunegate serve` was told, flags first (each flag replaces its environment form). */
export interface ServeFlags {
  keyEnvs?: readonly string[];
  allowedHosts?: readonly string[];
  maxResponseBytes?: number;
  maxAnswerChars?: number;
  rateLimit?: number;
  maxEventLoopDelay?: number;
}

/** A server's resolved, validated settings. */
export interface ServeSettings extends EndpointLimits, RequestLimits {
  /** Bearer token every non-GET request needs (TUNEGATE_TOKEN), if any. */
  token: string | undefined;
  /** Key variables the server may read (--key-env, else TUNEGATE_KEY_ENVS=A,B). */
  keyEnvs: string[];
  /** Host names besides loopback and the bound address (--allowed-host, else TUNEGATE_ALLOWED_HOSTS=a,b). */
  allowedHosts: string[];
}

const HOST_NAME = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$|^\[[0-9a-f:.]+\]$|^[0-9a-f:.]+$/;

function listSetting(flag: readonly string[] | undefined, raw: string | undefined): string[] {
  const given = flag !== undefined && flag.length > 0 ? flag : (raw ?? '').split(',');
  return [...new Set(given.map((s) => s.trim()).filter((s) => s !== ''))];
}

/** Resolves and validates `tunegate serve`'s settings from its flags and environment. */
export function resolveServeSettings(flags: ServeFlags, env: Env): ServeSettings {
  const keyEnvs = listSetting(flags.keyEnvs, env.TUNEGATE_KEY_ENVS).map((n) => validateEnvName(n, '--key-env'));
  if (keyEnvs.includes(TOKEN_ENV)) {
    throw new TunegateError('USAGE', `--key-env ${TOKEN_ENV}: the server's own token is never a key it may send to an endpoint; name the variable that holds the endpoint's key`);
  }
  const allowedHosts = listSetting(flags.allowedHosts, env.TUNEGATE_ALLOWED_HOSTS).map((h) => {
    const host = h.toLowerCase();
    if (!HOST_NAME.test(host)) throw new TunegateError('USAGE', `--allowed-host: "${h}" is not a host name (give the name alone, e.g. tunegate.internal, without scheme or port)`);
    return host.replace(/\.$/, '');
  });
  const token = env[TOKEN_ENV];
  return {
    token: token !== undefined && token !== '' ? token : undefined,
    keyEnvs,
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
 * The Env a server runs with: the allowed key variables (and ANTHROPIC_BASE_URL, not a
 * secret), its limits, and nothing else; never TUNEGATE_TOKEN.
 */
export function serverEnv(env: Env, settings: Pick<ServeSettings, 'keyEnvs'> & Partial<EndpointLimits>): ServerEnv {
  const out: Record<string, string | undefined> = {};
  for (const name of settings.keyEnvs) {
    if (name === TOKEN_ENV) throw new TunegateError('USAGE', `--key-env ${TOKEN_ENV} is never allowed`);
    out[name] = env[name];
  }
  if (env.ANTHROPIC_BASE_URL !== undefined) out.ANTHROPIC_BASE_URL = env.ANTHROPIC_BASE_URL;
  const limits = { ...endpointLimits(env), ...settings };
  out[LIMIT_RANGES.maxResponseBytes.env] = String(limits.maxResponseBytes);
  out[LIMIT_RANGES.maxAnswerChars.env] = String(limits.maxAnswerChars);
  Object.defineProperty(out, KEY_ENVS, { value: Object.freeze([...settings.keyEnvs]), enumerable: false });
  return Object.freeze(out) as ServerEnv;
}
