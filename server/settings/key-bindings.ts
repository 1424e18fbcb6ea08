import { TunegateError } from '../errors.js';
import { TOKEN_ENV, validateEnvName } from './env-names.js';
import { splitKeyValue } from '../key-value.js';

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

/** The key variables a server may read, each with its URL prefixes (null: any URL). */
export type KeyBindings = ReadonlyMap<string, readonly string[] | null>;

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
 * Checks that `bindings` let a server send the key variable `name` to every URL of `target`. An
 * unknown name is refused with the allowed names and nothing about the environment, so it cannot
 * be used to probe which variables exist; a URL outside the name's prefixes is refused naming the
 * field and the prefixes.
 */
export function checkKeyBinding(bindings: KeyBindings, name: string, field: string, target: KeyTarget): void {
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

