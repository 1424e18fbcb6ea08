import { TunegateError } from '../errors.js';
import type { KeyBinding } from './key-bindings.js';
import type { EndpointLimits, RequestLimits } from './setting-limits.js';

/** What `tunegate serve` was told, flags first (each flag replaces its environment form). */
export interface ServeFlags {
  /** Key variables the server may read (`--key-env`; else TUNEGATE_KEY_ENVS). */
  keyEnvs?: readonly string[];
  /** Host names accepted besides loopback and the bound address (`--allowed-host`; else TUNEGATE_ALLOWED_HOSTS). */
  allowedHosts?: readonly string[];
  /** Reads need the token too (`--protect-reads`; else TUNEGATE_PROTECT_READS=1); needs TUNEGATE_TOKEN. */
  protectReads?: boolean;
  /** Cap on a response body read from an endpoint (`--max-response-bytes`; else TUNEGATE_MAX_RESPONSE_BYTES; 8 MiB). */
  maxResponseBytes?: number;
  /** Cap on a stored answer (`--max-answer-chars`; else TUNEGATE_MAX_ANSWER_CHARS; 262144). */
  maxAnswerChars?: number;
  /** Requests per client per 10 s (`--rate-limit`; else TUNEGATE_RATE_LIMIT; 300; 0: none). */
  rateLimit?: number;
  /** Event-loop delay (ms) above which requests get 503 (`--max-event-loop-delay`; else TUNEGATE_MAX_EVENT_LOOP_DELAY; 1000; 0: none). */
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
export function protectReadsOf(flag: boolean | undefined, raw: string | undefined): boolean {
  if (flag === true) return true;
  const v = (raw ?? '').trim().toLowerCase();
  if (['1', 'true', 'yes'].includes(v)) return true;
  if (['', '0', 'false', 'no'].includes(v)) return false;
  throw new TunegateError('USAGE', `TUNEGATE_PROTECT_READS must be 1 or 0, got "${(raw ?? '').slice(0, 40)}"`);
}

/** A list setting: the flag's entries, else the variable's comma-separated ones; trimmed, without blanks or repeats. */
export function listSetting(flag: readonly string[] | undefined, raw: string | undefined): string[] {
  const given = flag !== undefined && flag.length > 0 ? flag : (raw ?? '').split(',');
  return [...new Set(given.map((s) => s.trim()).filter((s) => s !== ''))];
}


const HOST_NAME = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$|^\[[0-9a-f:.]+\]$|^[0-9a-f:.]+$/;

/** The `--allowed-host` names (lower case, no trailing dot); a name with a scheme or port is refused. */
export function parseAllowedHosts(hosts: readonly string[]): string[] {
  return hosts.map((h) => {
    const host = h.toLowerCase();
    if (!HOST_NAME.test(host)) throw new TunegateError('USAGE', `--allowed-host: "${h}" is not a host name (give the name alone, e.g. tunegate.internal, without scheme or port)`);
    return host.replace(/\.$/, '');
  });
}
