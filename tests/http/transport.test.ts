import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpFetch, ResponseTooLargeError } from '../../server/http/transport.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

describe('createHttpFetch (the runner transport)', () => {
  it('takes every form of its secrets out of bodies and headers, even spelled with JSON escapes or compressed', async () => {
    const KEY = 'sk-transport-0123456789abcdef';
    const escaped = [...KEY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    const url = await serve((req, _body, res) => {
      if (req.url === '/escaped') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(`{"model":"${escaped}","choices":[{"message":{"content":"a\\/b ${KEY.toUpperCase()}"}}]}`);
      }
      res.writeHead(401, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'x-echo': Buffer.from(`Bearer ${KEY}`).toString('base64') });
      res.end(gzipSync(`bad key ${encodeURIComponent(KEY)}`));
    });
    const t = createHttpFetch({ maxSockets: 4, secrets: [KEY] });
    const a = await t.fetch(`${url}/escaped`);
    expect(await a.json()).toEqual({ model: '[redacted]', choices: [{ message: { content: 'a/b [redacted]' } }] });
    const b = await t.fetch(`${url}/plain`);
    expect(await b.text()).toBe('bad key [redacted]');
    expect(b.headers.get('x-echo')).toMatch(/^QmVhcmVyI.{0,2}\[redacted\].{0,3}$/);
    t.destroy();
  });

  it('sends method, headers and body, and returns status, headers and JSON', async () => {
    const url = await serve((req, body, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'x-seen': `${req.method} ${req.headers['x-test']} ${body}` });
      res.end('{"ok":true}');
    });
    const t = createHttpFetch({ maxSockets: 4 });
    const r = await t.fetch(`${url}/v1/x`, { method: 'POST', headers: { 'x-test': 'yes', 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(r.status).toBe(201);
    expect(r.headers.get('x-seen')).toBe('POST yes {"a":1}');
    expect(await r.json()).toEqual({ ok: true });
    t.destroy();
  });

  it('never follows a redirect: the 3xx comes back as it is (not retryable), and the target hears nothing', async () => {
    const hits: Array<string | undefined> = [];
    const target = createServer((req, res) => {
      hits.push(req.headers.authorization);
      res.writeHead(200).end('{}');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    const elsewhere = `http://127.0.0.1:${(target.address() as AddressInfo).port}/v1/chat/completions`;
    try {
      const url = await serve((req, _body, res) => {
        if (req.url === '/a') return void res.writeHead(307, { location: elsewhere }).end();
        res.writeHead(303, { location: '/b' }).end();
      });
      const t = createHttpFetch({ maxSockets: 4 });
      const r = await t.fetch(`${url}/a`, { method: 'POST', headers: { authorization: 'Bearer sk-must-stay-here' }, body: 'payload' });
      expect(r.status).toBe(307);
      expect(r.headers.get('location')).toBe(elsewhere);
      expect(r.headers.get('x-should-retry')).toBe('false');
      expect((await t.fetch(`${url}/c`, { method: 'POST', body: 'payload' })).status).toBe(303);
      expect(hits).toEqual([]);
      t.destroy();
    } finally {
      await new Promise<void>((r) => target.close(() => r()));
    }
  });

  it('stops reading a body over the cap, counted after decompression', async () => {
    const big = 'x'.repeat(64 * 1024);
    const url = await serve((req, _body, res) => {
      if (req.url === '/plain') return void res.writeHead(200, { 'content-type': 'application/json' }).end(big);
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 8; i++) res.write('y'.repeat(16 * 1024));
        return void res.end();
      }
      if (req.url === '/gzip') return void res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(big)); // ~100 bytes on the wire
      res.writeHead(200).end('small');
    });
    const t = createHttpFetch({ maxSockets: 2, maxResponseBytes: 32 * 1024 });
    for (const path of ['/plain', '/chunked', '/gzip']) {
      await expect(t.fetch(`${url}${path}`), path).rejects.toBeInstanceOf(ResponseTooLargeError);
    }
    expect(await (await t.fetch(`${url}/small`)).text()).toBe('small');
    t.destroy();
  });

  it('decodes a gzip body a server sends unasked', async () => {
    const url = await serve((_req, _body, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' }).end(gzipSync('{"choices":[]}'));
    });
    const t = createHttpFetch({ maxSockets: 1 });
    expect(await (await t.fetch(url)).json()).toEqual({ choices: [] });
    t.destroy();
  });

  it('rejects with AbortError on abort (the SDK reads that as a timeout) and with an error on refused connections', async () => {
    const url = await serve(() => { /* never answers */ });
    const t = createHttpFetch({ maxSockets: 1 });
    const c = new AbortController();
    setTimeout(() => c.abort(), 50);
    await expect(t.fetch(url, { signal: c.signal })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(t.fetch('http://127.0.0.1:1/')).rejects.toThrow(/ECONNREFUSED/);
    t.destroy();
  });

  it('destroy() fails requests in flight at once', async () => {
    const url = await serve(() => { /* never answers */ });
    const t = createHttpFetch({ maxSockets: 2 });
    const pending = t.fetch(url);
    await new Promise((r) => setTimeout(r, 50));
    t.destroy();
    await expect(pending).rejects.toThrow();
  });
});
