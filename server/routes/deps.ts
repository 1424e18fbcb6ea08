import { serverSecrets, type ServerEnv } from '../config.js';
import type { RequestLimits } from '../settings/setting-limits.js';
import type { RunQueue } from '../queue/run-queue.js';
import type { Store } from '../store/open.js';
import type { ReadCache } from './read-cache.js';
import type { EventStreamTimings } from './run-events.js';

/*
 * What the app gives its route plugins, and the page's security policy: here, below both, so
 * app.ts imports the routes and the routes never import app.ts.
 */

export interface AppDeps {
  store: Store;
  queue: RunQueue;
  /** The server's environment: only the key variables it may read (see serverEnv). */
  env: ServerEnv;
  /** Folder of the eval sets the server offers by name. */
  evalsetsDir: string;
  /** When set, every non-GET route needs `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** With a token: every /api read (but /api/health), the docs and the event streams need it too. */
  protectReads?: boolean | undefined;
  /** The address the server listens on: a Host header naming it is accepted (default 127.0.0.1). */
  host?: string | undefined;
  /** Further names accepted in the Host header (`--allowed-host`). */
  allowedHosts?: readonly string[] | undefined;
  logger?: boolean;
  /** Event-stream timings (tests shorten them; the defaults are run-events.ts's). */
  eventStreams?: EventStreamTimings | undefined;
  /** Per-client request limits (`tunegate serve --rate-limit`, `--max-event-loop-delay`); none when absent. */
  requestLimits?: RequestLimits | undefined;
  /** The cache of heavy reads (compare, results pages, trend, gate, advise); default: one with DEFAULT_READ_CACHE bounds. */
  readCache?: ReadCache;
  /** Where the log goes when `logger` is on (default stdout). */
  logStream?: NodeJS.WritableStream | undefined;
}

/** What the server knows that it must never serve or log: its token and every key it may send. */
export function servedSecrets(deps: Pick<AppDeps, 'token' | 'env'>): string[] {
  return [deps.token, ...serverSecrets(deps.env)].filter((s): s is string => s !== undefined && s !== '');
}

/** What route plugins get: the app's dependencies with the read cache made. */
export type RouteDeps = AppDeps & { readCache: ReadCache };

/**
 * The API docs page's (swagger-ui's) Content-Security-Policy: the page's own, plus the one inline
 * <style> swagger-ui draws (inside its logo's SVG), allowed by its hash, so the browser logs no
 * violation. Still no inline script, and nothing from elsewhere (its validator badge is off).
 */
export const DOCS_CSP = "default-src 'self'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/** A page's Content-Security-Policy: no inline script, nothing from elsewhere. */
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
