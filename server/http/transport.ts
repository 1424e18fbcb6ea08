import http from 'node:http';
import https from 'node:https';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { DEFAULT_LIMITS } from '../settings/setting-limits.js';
import { redactBody } from './redact-body.js';
import { redactSecretForms } from './secret-forms.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A response body over the cap: the request is dropped and the call fails (not retried by the runner). */
export class ResponseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`response body larger than ${limit} bytes (the cap; raise it with the TUNEGATE_MAX_RESPONSE_BYTES setting)`);
    this.name = 'ResponseTooLargeError';
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return new DOMException('This operation was aborted', 'AbortError');
}

function decode(body: Buffer, encoding: string | undefined, limit: number): Buffer {
  // maxOutputLength bounds what a small compressed body can expand to.
  const opts = { maxOutputLength: limit };
  try {
    switch (encoding?.trim().toLowerCase()) {
      case 'gzip':
      case 'x-gzip':
        return gunzipSync(body, opts);
      case 'deflate':
        return inflateSync(body, opts);
      case 'br':
        return brotliDecompressSync(body, opts);
      default:
        return body;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw new ResponseTooLargeError(limit);
    throw e;
  }
}

/** Printable, one line, at most 200 characters: a Location header as an error may quote it. */
function quoteLocation(location: string): string {
  let shown = location.replace(/[^\x20-\x7e]/g, '?').replace(/\?.*$/, '?…');
  try {
    // No user:password, no query (either may hold a credential).
    const u = new URL(location);
    shown = `${u.origin}${u.pathname}${u.search !== '' ? '?…' : ''}`;
  } catch {
    /* a relative or malformed Location is shown as sent (cleaned) */
  }
  return shown.length > 200 ? `${shown.slice(0, 199)}…` : shown;
}

/**
 * The message for a redirect the transport did not follow (status 3xx with a Location), or null
 * for any other status. API calls never follow redirects: a redirect to another origin, or from
 * https to http, would carry the key with it, and a model server has no reason to redirect.
 */
export function redirectMessage(status: number, headers: Headers | Record<string, string | undefined> | null | undefined): string | null {
  if (!REDIRECTS.has(status)) return null;
  const location = headers === null || headers === undefined
    ? null
    : typeof (headers as Headers).get === 'function' ? (headers as Headers).get('location') : ((headers as Record<string, string | undefined>).location ?? null);
  return `HTTP ${status} redirect${location !== null ? ` to ${quoteLocation(location)}` : ''} not followed: tunegate sends API requests only to the URL it was given (use the final URL as the base URL)`;
}

/**
 * A `fetch` for the openai and Anthropic SDKs built on node:http with a keep-alive agent per client.
 *
 * Why not Node's global fetch: the runner is CPU-bound at high concurrency, and undici's fetch
 * (web streams, per-request AbortSignal plumbing) was the largest share of the runner's CPU in
 * the throughput benchmark (bench/README.md has the before/after numbers). Our requests are
 * small JSON bodies with buffered JSON answers, so none of fetch's streaming is needed.
 * Semantics the SDK relies on are kept: abort rejects with an `AbortError` (the SDK's timeout
 * detection), network failures reject (retried as connection errors), and compressed bodies are
 * decoded. Unlike fetch, redirects are never followed: a 3xx is returned as it is, marked
 * `x-should-retry: false`, so the SDK fails the call at once with that status (see
 * redirectMessage). A body larger than `maxResponseBytes` (after decompression) is not read on:
 * the call fails with ResponseTooLargeError. Anything unusual (a streamed request body) goes to
 * the global fetch, with redirects off.
 */
export interface HttpFetch {
  fetch: typeof fetch;
  /** Destroys every open socket: in-flight requests fail at once (how a run is aborted). */
  destroy(): void;
}

export function createHttpFetch(opts: {
  maxSockets: number;
  maxResponseBytes?: number;
  /** Rewrites the body of a 4xx/5xx response before the SDK reads it (the openai client normalizes error shapes). */
  errorBody?: (text: string) => string;
  /**
   * The secrets this transport sends (the endpoint's key). Every form of them is removed from
   * each response's body and headers before anything reads them: this is where an endpoint's
   * words enter tunegate, so nothing downstream (stored answers, reported model, model lists,
   * error texts) can carry an echoed key.
   */
  secrets?: readonly (string | null | undefined)[];
}): HttpFetch {
  const secrets = opts.secrets ?? [];
  const limit = opts.maxResponseBytes ?? DEFAULT_LIMITS.maxResponseBytes;
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: opts.maxSockets }),
  };

  function once(url: URL, method: string, headers: Record<string, string>, body: string | Uint8Array | undefined, signal: AbortSignal | undefined) {
    return new Promise<{ status: number; statusText: string; headers: Headers; body: Buffer; url: URL }>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const agent = agents[url.protocol as 'http:' | 'https:'];
      if (agent === undefined) return reject(new TypeError(`unsupported protocol ${url.protocol}`));
      const mod = url.protocol === 'https:' ? https : http;
      const onAbort = () => req.destroy(abortError(signal!));
      const done = () => signal?.removeEventListener('abort', onAbort);
      const req = mod.request(url, { method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const tooLarge = () => {
          done();
          reject(new ResponseTooLargeError(limit));
          req.destroy();
        };
        res.on('error', (e) => { done(); reject(e); });
        if (Number(res.headers['content-length'] ?? 0) > limit) {
          size = limit + 1;
          return tooLarge();
        }
        res.on('data', (c: Buffer) => {
          if (size > limit) return;
          size += c.length;
          if (size > limit) return tooLarge();
          chunks.push(c);
        });
        res.on('end', () => {
          if (size > limit) return;
          done();
          const h = new Headers();
          const raw = res.rawHeaders;
          for (let i = 0; i + 1 < raw.length; i += 2) h.append(raw[i]!, redactSecretForms(raw[i + 1]!, secrets));
          try {
            const decompressed = decode(Buffer.concat(chunks), res.headers['content-encoding'], limit);
            const decoded = redactBody(decompressed, secrets);
            if (decoded.length !== 0 && (res.headers['content-encoding'] !== undefined || decoded !== decompressed)) {
              h.delete('content-encoding');
              h.set('content-length', String(decoded.length));
            }
            resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: h, body: decoded, url });
          } catch (e) {
            reject(e);
          }
        });
      });
      req.on('error', (e) => { done(); reject(e); });
      signal?.addEventListener('abort', onAbort, { once: true });
      req.end(body);
    });
  }

  async function httpFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const rawBody = init?.body ?? undefined;
    if (input instanceof Request || (rawBody !== undefined && rawBody !== null && typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array))) {
      return fetch(input, { ...init, redirect: 'manual' });
    }
    const url = new URL(String(input));
    const method = (init?.method ?? 'GET').toUpperCase();
    const body = rawBody as string | Uint8Array | undefined | null;
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    if (body !== undefined && body !== null) headers['content-length'] = String(Buffer.byteLength(body));
    else delete headers['content-length'];
    const r = await once(url, method, headers, body ?? undefined, init?.signal ?? undefined);
    // Not followed (see above); the SDKs retry a status only when told to, so say no.
    if (REDIRECTS.has(r.status)) r.headers.set('x-should-retry', 'false');
    if (r.status >= 400 && opts.errorBody !== undefined) {
      r.body = Buffer.from(opts.errorBody(r.body.toString('utf8')), 'utf8');
      r.headers.set('content-type', 'application/json');
      r.headers.set('content-length', String(r.body.length));
    }
    const nullBody = r.status === 204 || r.status === 205 || r.status === 304 || method === 'HEAD';
    // A Uint8Array view (no copy) is a body under both Node's and the DOM's fetch types.
    const response = new Response(nullBody ? null : new Uint8Array(r.body.buffer as ArrayBuffer, r.body.byteOffset, r.body.byteLength), { status: r.status, statusText: r.statusText, headers: r.headers });
    Object.defineProperty(response, 'url', { value: r.url.toString() });
    return response;
  }

  return {
    fetch: httpFetch as typeof fetch,
    destroy() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
