import http from 'node:http';
import https from 'node:https';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return new DOMException('This operation was aborted', 'AbortError');
}

function decode(body: Buffer, encoding: string | undefined): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(body);
    case 'deflate':
      return inflateSync(body);
    case 'br':
      return brotliDecompressSync(body);
    default:
      return body;
  }
}

/**
 * A `fetch` for the openai SDK built on node:http with a keep-alive agent per client.
 *
 * Why not Node's global fetch: the runner is CPU-bound at high concurrency, and undici's fetch
 * (web streams, per-request AbortSignal plumbing) was the largest share of the runner's CPU in
 * the throughput benchmark (bench/README.md has the before/after numbers). Our requests are
 * small JSON bodies with buffered JSON answers, so none of fetch's streaming is needed.
 * Semantics the SDK relies on are kept: abort rejects with an `AbortError` (the SDK's timeout
 * detection), network failures reject (retried as connection errors), redirects are followed as
 * fetch does, and compressed bodies are decoded. Anything unusual (a streamed request body)
 * goes to the global fetch.
 */
export interface HttpFetch {
  fetch: typeof fetch;
  /** Destroys every open socket: in-flight requests fail at once (how a run is aborted). */
  destroy(): void;
}

export function createHttpFetch(opts: { maxSockets: number }): HttpFetch {
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
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => { done(); reject(e); });
        res.on('end', () => {
          done();
          const h = new Headers();
          const raw = res.rawHeaders;
          for (let i = 0; i + 1 < raw.length; i += 2) h.append(raw[i]!, raw[i + 1]!);
          try {
            const decoded = decode(Buffer.concat(chunks), res.headers['content-encoding']);
            if (decoded.length !== 0 && res.headers['content-encoding'] !== undefined) {
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
      return fetch(input, init);
    }
    let url = new URL(String(input));
    let method = (init?.method ?? 'GET').toUpperCase();
    let body = rawBody as string | Uint8Array | undefined | null;
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    const signal = init?.signal ?? undefined;
    for (let hop = 0; ; hop++) {
      if (body !== undefined && body !== null) headers['content-length'] = String(Buffer.byteLength(body));
      else delete headers['content-length'];
      const r = await once(url, method, headers, body ?? undefined, signal);
      const location = r.headers.get('location');
      if (REDIRECTS.has(r.status) && location !== null && hop < MAX_REDIRECTS) {
        // As fetch does: 303, and 301/302 after a POST, become a GET without a body.
        if (r.status === 303 || ((r.status === 301 || r.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
          delete headers['content-type'];
        }
        url = new URL(location, url);
        continue;
      }
      const nullBody = r.status === 204 || r.status === 205 || r.status === 304 || method === 'HEAD';
      // A Uint8Array view (no copy) is a body under both Node's and the DOM's fetch types.
      const response = new Response(nullBody ? null : new Uint8Array(r.body.buffer as ArrayBuffer, r.body.byteOffset, r.body.byteLength), { status: r.status, statusText: r.statusText, headers: r.headers });
      Object.defineProperty(response, 'url', { value: r.url.toString() });
      return response;
    }
  }

  return {
    fetch: httpFetch as typeof fetch,
    destroy() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
