import { TunegateError } from './errors.js';
import { splitKeyValue } from './key-value.js';

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

/** A key variable a server may send, and where: URL prefixes, or null for any URL (a plain `--key-env NAME`). */
export interface KeyBinding {
  name: string;
  prefixes: readonly string[] | null;
}

/** Where a key is about to go: the request field that names the URL(s), for the refusal. */
export interface KeyTarget {
  field: string;
  urls: readonly string[];
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
export type ServerEnv = Env & { readonly [KEY_ENVS]: ReadonlyMap<string, readonly string[] | null> };

function bindingsOf(env: Env): ReadonlyMap<string, readonly string[] | null> | undefined {
  return (env as Partial<ServerEnv>)[KEY_ENVS];
}

/** A URL as WHATWG URL normalises it (the form fetch sends), or null when it is not an http(s) URL. */
function parsedHttpUrl(url: string): URL | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}

/**
 * Whether `url` is under `prefix`: the same scheme, host (lower case, punycode) and port
 * (default ports dropped), as URL parses both, and a path equal to the prefix's or continuing it
 * after a `/`. So `http://h:8000/v1` covers `/v1/chat` but not `/v1evil`, `h:80001`,
 * `h:8000.evil.com` or `h:8000@evil.com`. Dot segments are resolved first, as a request would.
 */
export function matchesUrlPrefix(url: string, prefix: string): boolean {
  const u = parsedHttpUrl(url);
  const p = parsedHttpUrl(prefix);
  if (u === null || p === null) return false;
  if (u.protocol !== p.protocol || u.hostname !== p.hostname || u.port !== p.port) return false;
  const base = p.pathname.replace(/\/+$/, '');
  return base === '' || u.pathname === base || u.pathname.startsWith(`${base}/`);
}

/** A URL as a refusal may quote it: parsed, without user or password. */
function shownUrl(url: string): string {
  const u = parsedHttpUrl(url);
  if (u === null) return url.slice(0, 200);
  u.username = '';
  u.password = '';
  return u.href;
}

/**
 * Checks that a server may send the key variable `name` to every URL of `target` (the CLI may
 * send any). An unknown name is refused with the allowed names and nothing about the
 * environment, so it cannot be used to probe which variables exist; a URL outside the name's
 * prefixes is refused naming the field and the prefixes.
 */
export function checkKeyEnvAllowed(name: string, env: Env, field: string, target: KeyTarget): void {
  const bindings = bindingsOf(env);
  if (bindings === undefined) return;
  if (!bindings.has(name)) {
    const allowed = [...bindings.keys()];
    throw new TunegateError(
      'INVALID_INPUT',
      `${field}: this server may not read the key variable "${name}"; it reads only the variables its operator allowed with \`tunegate serve --key-env NAME\`: ${allowed.length > 0 ? allowed.join(', ') : 'none'}`,
    );
  }
  const prefixes = bindings.get(name)!;
  if (prefixes === null) return;
  const outside = target.urls.find((url) => !prefixes.some((p) => matchesUrlPrefix(url, p)));
  if (outside !== undefined) {
    throw new TunegateError(
      'INVALID_INPUT',
      `${target.field}: "${shownUrl(outside)}" is not a URL this server may send the key variable "${name}" to; it may send the key variable "${name}" only to URLs starting with ${prefixes.join(', ')}`,
    );
  }
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
  return [TOKEN_ENV, ANTHROPIC_KEY_ENV, ...names].flatMap((n) => (n !== null && n !== undefined && ENV_NAME.test(n) && (env[n] ?? '') !== '' ? [env[n]!] : []));
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
  protectReads?: boolean;
  maxResponseBytes?: number;
  maxAnswerChars?: number;
  rateLimit?: number;
  maxEventLoopDelay?: number;
}

/** A server's resolved, validated settings. */
export interface ServeSettings extends EndpointLimits, RequestLimits {
  /** Bearer token every non-GET request needs (TUNEGATE_TOKEN), if any. */
  token: string | undefined;
  /** Key variables the server may read, as given: NAME or NAME=URL_PREFIX (--key-env, else TUNEGATE_KEY_ENVS=A,B=URL). */
  keyEnvs: string[];
  /** The same, one entry per name with its prefixes (null: any URL), in the order first given. */
  keyBindings: KeyBinding[];
  /** Host names besides loopback and the bound address (--allowed-host, else TUNEGATE_ALLOWED_HOSTS=a,b). */
  allowedHosts: string[];
  /** Every /api read (but /api/health) needs the token too (--protect-reads, else TUNEGATE_PROTECT_READS=1). */
  protectReads: boolean;
}

/** TUNEGATE_PROTECT_READS: 1 or 0 (true/false, yes/no); anything else is a mistake worth stopping for. */
function protectReadsOf(flag: boolean | undefined, raw: string | undefined): boolean {
  if (flag === true) return true;
  const v = (raw ?? '').trim().toLowerCase();
  if (['1', 'true', 'yes'].includes(v)) return true;
  if (['', '0', 'false', 'no'].includes(v)) return false;
  throw new TunegateError('USAGE', `TUNEGATE_PROTECT_READS must be 1 or 0, got "${(raw ?? '').slice(0, 40)}"`);
}

const HOST_NAME = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$|^\[[0-9a-f:.]+\]$|^[0-9a-f:.]+$/;

function listSetting(flag: readonly string[] | undefined, raw: string | undefined): string[] {
  const given = flag !== undefined && flag.length > 0 ? flag : (raw ?? '').split(',');
  return [...new Set(given.map((s) => s.trim()).filter((s) => s !== ''))];
}

/**
 * Parses `--key-env` entries: `NAME` (any URL) or `NAME=URL_PREFIX` (only URLs under it; a
 * name may be bound to several prefixes). A prefix is an http(s) URL without user, password,
 * query or fragment; a name both plain and bound is refused as ambiguous.
 */
export function parseKeyBindings(entries: readonly string[]): KeyBinding[] {
  const found = new Map<string, string[] | null>();
  for (const entry of entries) {
    const pair = splitKeyValue(entry);
    const name = validateEnvName(pair.value === undefined ? entry : pair.key.trim(), '--key-env');
    if (name === TOKEN_ENV) {
      throw new TunegateError('USAGE', `--key-env ${TOKEN_ENV}: the server's own token is never a key it may send to an endpoint; name the variable that holds the endpoint's key`);
    }
    const bad = (why: string) => new TunegateError('USAGE', `--key-env ${entry}: ${why} (give NAME=URL_PREFIX, e.g. VLLM_KEY=http://10.0.0.5:8000/v1)`);
    let prefix: string | null = null;
    if (pair.value !== undefined) {
      const raw = pair.value.trim();
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        throw bad(`"${raw}" is not a URL`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw bad('the prefix must be an http or https URL');
      if (u.username !== '' || u.password !== '') throw bad('the prefix must not hold a user or password');
      if (u.search !== '' || u.hash !== '' || raw.includes('?') || raw.includes('#')) throw bad('the prefix must not have a query or fragment');
      prefix = u.href;
    }
    const had = found.get(name);
    if (had !== undefined && (had === null) !== (prefix === null)) {
      throw new TunegateError('USAGE', `--key-env ${name} is given both plain (any URL) and bound to a URL prefix: keep only the NAME=URL_PREFIX forms`);
    }
    if (prefix === null) found.set(name, null);
    else if (had === undefined) found.set(name, [prefix]);
    else if (!had!.includes(prefix)) had!.push(prefix);
  }
  return [...found].map(([name, prefixes]) => ({ name, prefixes }));
}

/** Resolves and validates `tunegate serve`'s settings from its flags and environment. */
export function resolveServeSettings(flags: ServeFlags, env: Env): ServeSettings {
  const keyEnvs = listSetting(flags.keyEnvs, env.TUNEGATE_KEY_ENVS);
  const keyBindings = parseKeyBindings(keyEnvs);
  const allowedHosts = listSetting(flags.allowedHosts, env.TUNEGATE_ALLOWED_HOSTS).map((h) => {
    const host = h.toLowerCase();
    if (!HOST_NAME.test(host)) throw new TunegateError('USAGE', `--allowed-host: "${h}" is not a host name (give the name alone, e.g. tunegate.internal, without scheme or port)`);
    return host.replace(/\.$/, '');
  });
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
