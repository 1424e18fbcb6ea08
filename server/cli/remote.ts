import { setTimeout as sleep } from 'node:timers/promises';
import { TunegateError, type ErrorCode } from '../errors.js';
import { sseEvents, type SseEvent } from '../shared/sse-events.js';
import { busyRetryDelay } from '../shared/busy-retry.js';

export { sseEvents, type SseEvent } from '../shared/sse-events.js';

const STATUS_CODES: Record<number, ErrorCode> = { 400: 'INVALID_INPUT', 401: 'USAGE', 404: 'NOT_FOUND', 409: 'CONFLICT', 413: 'INVALID_INPUT', 429: 'RATE_LIMITED', 503: 'OVERLOADED' };

/** A 401: the token is missing or wrong (reads need it too on a server that protects them). */
const unauthorized = () => new TunegateError('USAGE', 'the server refused the request (401): set TUNEGATE_TOKEN to its token');

/**
 * A small client for a tunegate server (`--server URL`). Sends TUNEGATE_TOKEN as a bearer
 * token when set, on every request (reads too: a server may protect them), and turns HTTP errors into the same errors (and exit codes) a local command
 * would give.
 */
export class ApiClient {
  constructor(readonly base: string, private readonly token: string | undefined) {}

  /** JSON content type on every non-GET request, bodyless ones too: the server refuses anything else. */
  private headers(json: boolean): Record<string, string> {
    return { ...(json ? { 'content-type': 'application/json' } : {}), ...(this.token !== undefined ? { authorization: `Bearer ${this.token}` } : {}) };
  }

  /**
   * One request; a 429 or 503 with Retry-After (the server's request limits, which refuse
   * before doing anything) is sent again after the wait it names, a bounded number of times.
   */
  async fetch(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.fetchOnce(method, path, body, extraHeaders);
      const wait = busyRetryDelay(res.status, res.headers.get('retry-after'), attempt);
      if (wait === undefined) return res;
      await res.body?.cancel();
      await sleep(wait);
    }
  }

  private async fetchOnce(method: string, path: string, body: unknown, extraHeaders: Record<string, string>): Promise<Response> {
    try {
      return await fetch(`${this.base.replace(/\/$/, '')}${path}`, {
        method, headers: { ...this.headers(body !== undefined || method !== 'GET'), ...extraHeaders }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new TunegateError('UNREACHABLE', `cannot reach the tunegate server at ${this.base} (${cause?.code ?? cause?.message ?? (e as Error).message})`);
    }
  }

  /** A JSON request; a 4xx/5xx becomes a TunegateError with the server's message. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(method, path, body);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (res.ok) return parsed as T;
    const message = (parsed as { error?: string } | undefined)?.error ?? `HTTP ${res.status}`;
    if (res.status === 401) throw unauthorized();
    throw new TunegateError(STATUS_CODES[res.status] ?? 'INTERNAL', `server: ${message}`);
  }

  /** Follows a run's events until the server ends the stream; from after `lastEventId` when given. */
  async *events(runId: number, lastEventId?: string): AsyncGenerator<SseEvent> {
    const res = await this.fetch('GET', `/api/runs/${runId}/events`, undefined, {
      accept: 'text/event-stream', ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}),
    });
    if (res.status === 401) throw unauthorized();
    if (!res.ok || res.body === null) {
      throw new TunegateError(STATUS_CODES[res.status] ?? 'INTERNAL', `server: cannot follow run ${runId} (HTTP ${res.status})`);
    }
    yield* sseEvents(res.body as unknown as AsyncIterable<Uint8Array>);
  }
}
