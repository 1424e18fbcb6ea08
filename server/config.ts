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

/**
 * Reads a secret from the environment variable the user named. The value goes straight to
 * the HTTP client: it is never stored, logged or echoed.
 */
export function readSecret(envName: string | null | undefined, env: Env): string | undefined {
  if (envName === null || envName === undefined || envName === '') return undefined;
  const value = env[envName];
  if (value === undefined || value === '') {
    throw new TunegateError(
      'MISSING_SECRET',
      `the API key variable ${envName} (named by --api-key-env) is not set in the environment`,
    );
  }
  return value;
}

/**
 * The Anthropic judge's settings: the key from ANTHROPIC_API_KEY and an optional base URL from
 * ANTHROPIC_BASE_URL (proxies, test servers). Read here so the SDK reads nothing by itself.
 */
export function anthropicSettings(env: Env): { apiKey: string; baseURL: string } {
  const apiKey = env.ANTHROPIC_API_KEY;
  if (apiKey === undefined || apiKey === '') {
    throw new TunegateError('MISSING_SECRET', 'the anthropic judge needs ANTHROPIC_API_KEY in the environment');
  }
  const base = env.ANTHROPIC_BASE_URL;
  return { apiKey, baseURL: base !== undefined && base !== '' ? base : 'https://api.anthropic.com' };
}
