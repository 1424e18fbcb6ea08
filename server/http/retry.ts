import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { causeOf, type FailureCause } from './failure-cause.js';
import { redirectMessage, ResponseTooLargeError } from './transport.js';
import { safeErrorText } from './redact.js';

/** Thrown by the model client when a 200 response has no usable completion in it. */
export class UnparsableResponseError extends Error {
  constructor(detail: string) {
    super(`unparsable response body (${detail})`);
    this.name = 'UnparsableResponseError';
  }
}

export interface Failure {
  retryable: boolean;
  /** Server-requested wait (Retry-After / retry-after-ms), when it gave one. */
  retryAfterMs: number | null;
  /** One line for the stored row and the progress output. Never contains a credential. */
  message: string;
  /** No connection at all (refused, reset, unreachable): counted towards declaring the endpoint dead (execute-run.ts). */
  connection?: boolean;
  /** No answer in time: says nothing about whether the server is alive (a slow one times out too). */
  timeout?: boolean;
  /** Why a 4xx can never succeed (context overflow, unknown model, credentials, validation). */
  cause?: FailureCause;
}

function header(headers: unknown, name: string): string | null {
  if (headers === null || headers === undefined) return null;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  const v = (headers as Record<string, string | undefined>)[name];
  return v ?? null;
}

/** Parses Retry-After (seconds or an HTTP date) or the non-standard retry-after-ms. */
export function retryAfterMs(headers: unknown, now = Date.now()): number | null {
  const ms = header(headers, 'retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = header(headers, 'retry-after');
  if (ra === null || ra.trim() === '') return null;
  const seconds = Number(ra);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(ra);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function shorten(text: string, max = 300): string {
  const oneLine = text.slice(0, 4 * max).replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

/**
 * Decides whether a failed request is worth another try. Retried: 408, 409, 429, 5xx, dropped
 * or refused connections, timeouts, and bodies that do not parse. Not retried: other 4xx (a
 * wrong model name or a bad request will not fix itself), a redirect (never followed), a body
 * over the size cap, and a user abort. The message is redacted (the `secrets` in use, bearer
 * tokens, key-shaped strings) and at most 500 characters: endpoints echo keys in 401 bodies.
 */
export function classifyFailure(e: unknown, timeoutMs: number, secrets: readonly (string | null | undefined)[] = []): Failure {
  const f = classify(e, timeoutMs);
  return { ...f, message: safeErrorText(f.message, secrets) };
}

function classify(e: unknown, timeoutMs: number): Failure {
  if (e instanceof APIUserAbortError) return { retryable: false, retryAfterMs: null, message: 'aborted' };
  if (e instanceof APIConnectionTimeoutError) {
    return { retryable: true, retryAfterMs: null, message: `timed out after ${timeoutMs / 1000} s`, timeout: true };
  }
  if (e instanceof ResponseTooLargeError) return { retryable: false, retryAfterMs: null, message: e.message };
  if (e instanceof APIConnectionError) {
    const cause = (e as { cause?: unknown }).cause;
    if (cause instanceof ResponseTooLargeError) return { retryable: false, retryAfterMs: null, message: cause.message };
    const detail = cause instanceof Error ? `${cause.message}${(cause as { cause?: Error }).cause ? `: ${(cause as { cause?: Error }).cause!.message}` : ''}` : e.message;
    return { retryable: true, retryAfterMs: null, message: `connection failed (${shorten(detail, 160)})`, connection: true };
  }
  if (e instanceof APIError && typeof e.status === 'number') {
    const status = e.status;
    const redirect = redirectMessage(status, e.headers as Headers | undefined);
    if (redirect !== null) return { retryable: false, retryAfterMs: null, message: redirect };
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    // The transport rewrote every server's error shape to OpenAI's (error-body.ts).
    const err = (e.error ?? {}) as { message?: unknown; code?: unknown };
    const text = typeof err.message === 'string' && err.message !== '' ? shorten(err.message, 2000) : '(no message)';
    const cause = retryable ? null : causeOf(status, text, typeof err.code === 'string' ? err.code : null);
    // Cut to 500 characters by classifyFailure, after redaction (a key cut in half is harder to find).
    return { retryable, retryAfterMs: retryAfterMs(e.headers), message: `HTTP ${status}: ${text}`, ...(cause !== null ? { cause } : {}) };
  }
  if (e instanceof UnparsableResponseError || e instanceof SyntaxError) {
    return { retryable: true, retryAfterMs: null, message: e instanceof SyntaxError ? `unparsable response body (${shorten(e.message, 120)})` : e.message };
  }
  return { retryable: false, retryAfterMs: null, message: shorten(e instanceof Error ? e.message : String(e)) };
}

export interface Backoff {
  /** First wait; doubled each attempt. */
  baseMs: number;
  /** Longest wait between attempts when the server asks for nothing. */
  maxMs: number;
  /** Longest wait honoured from a Retry-After header. */
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 500, maxMs: 20_000, maxRetryAfterMs: 120_000 };

/**
 * Wait before retry number `attempt` (1-based): the server's Retry-After when given (capped),
 * else exponential backoff with "equal jitter" so concurrent workers do not retry in lockstep.
 */
export function backoffDelay(attempt: number, failure: Failure, b: Backoff, random = Math.random): number {
  if (failure.retryAfterMs !== null) return Math.min(failure.retryAfterMs, b.maxRetryAfterMs);
  const exp = Math.min(b.maxMs, b.baseMs * 2 ** (attempt - 1));
  return exp / 2 + random() * (exp / 2);
}

/** Sleeps, waking early (with a rejection) if the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
