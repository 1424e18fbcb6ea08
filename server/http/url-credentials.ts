import { TunegateError } from '../errors.js';

/**
 * A user name or password in a URL (`http://user:pass@host/v1`) is a credential: it would be
 * stored with the checkpoint or the run's judge, served by the API and printed by the CLI. Such
 * URLs are refused where they enter; keys go in environment variables, named by apiKeyEnv.
 */

/** True when `url` carries a user name or a password. */
export function hasUrlCredentials(url: string): boolean {
  try {
    const u = new URL(url);
    return u.username !== '' || u.password !== '';
  } catch {
    return /^[a-z][a-z0-9+.-]*:\/\/[^/?#\\]*@/i.test(url.trim());
  }
}

/** The URL without its user name and password (as it may be stored and shown). */
export function stripUrlCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return stripUrlCredentialsInText(url);
  }
}

// The authority's userinfo runs to its last `@` before the path, query or fragment (as the URL
// standard reads it); a quote or a space ends the URL inside JSON or prose.
const USERINFO_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s"'<>?#\\]*@/gi;

/** Every URL in `text` (a judge spec, stored JSON, an error message) without its user name and password. */
export function stripUrlCredentialsInText(text: string): string {
  return text.replace(USERINFO_IN_TEXT, '$1');
}

/**
 * Refuses URLs that carry credentials: INVALID_INPUT (a 400, exit 2) naming the field or flag and
 * the option that names a key variable instead. The URL itself is not quoted: it holds the secret.
 */
export function refuseUrlCredentials(fields: ReadonlyArray<readonly [field: string, url: string | null | undefined, keyOption: string]>): void {
  for (const [field, url, keyOption] of fields) {
    if (url === null || url === undefined || !hasUrlCredentials(url)) continue;
    throw new TunegateError(
      'INVALID_INPUT',
      `${field}: the URL carries a user name or password (user:pass@host), which tunegate would store and show; ` +
        `remove it, put the key in an environment variable and name that variable with ${keyOption} (it is sent as a Bearer token)`,
    );
  }
}
