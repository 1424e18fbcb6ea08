import { TunegateError } from '../errors.js';

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

/** Each numeric setting's variable, flag and bounds. */
export const LIMIT_RANGES = {
  maxResponseBytes: { env: 'TUNEGATE_MAX_RESPONSE_BYTES', flag: '--max-response-bytes', min: 1024, max: 1024 * 1024 * 1024 },
  maxAnswerChars: { env: 'TUNEGATE_MAX_ANSWER_CHARS', flag: '--max-answer-chars', min: 1024, max: 64 * 1024 * 1024 },
  rateLimit: { env: 'TUNEGATE_RATE_LIMIT', flag: '--rate-limit', min: 0, max: 1_000_000 },
  maxEventLoopDelay: { env: 'TUNEGATE_MAX_EVENT_LOOP_DELAY', flag: '--max-event-loop-delay', min: 0, max: 600_000 },
} as const;

/** The bounds of each numeric server setting (flags and variables), for the CLI's parser too. */
export const SETTING_RANGES: { readonly [K in keyof typeof LIMIT_RANGES]: { readonly min: number; readonly max: number } } = LIMIT_RANGES;

/** A numeric setting's value from its flag or variable (`source` names which, for the error); undefined when not given. */
export function limitValue(key: keyof typeof LIMIT_RANGES, raw: string | number | undefined, source: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const r = LIMIT_RANGES[key];
  const n = typeof raw === 'number' ? raw : /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < r.min || n > r.max) {
    throw new TunegateError('USAGE', `${source} must be a whole number from ${r.min} to ${r.max}, got "${raw}"`);
  }
  return n;
}
