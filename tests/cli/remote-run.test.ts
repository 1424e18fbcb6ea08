import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { serve } from '../helpers/server.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';


describe('tunegate run/checkpoint add --server URL', () => {
  it('registers on the fly, runs on the server, follows it and exits like a local run', async () => {
    const model = await endpoint(echo);
    const { server } = await serve();
    const cwd = tempDir(); // no local eval sets or database: everything happens on the server
    try {
      const args = ['run', '--server', server.url, '--base-url', model.url, '--model', 'm', '--checkpoint', 'ck', '--step', '7', '--evalsets', 'bio', '--json'];
      const r = await cli(args, { cwd });
      expect(r.code, r.stderr).toBe(0);
      expect(r.json()).toMatchObject({ runId: 1, checkpoint: 'ck', step: 7, status: 'completed', metrics: { bio_accuracy: 2 / 3 }, counts: { items: 3, errors: 0 } });
      expect(r.stderr).toContain(`run 1 queued on ${server.url}`);
      expect(server.store.checkpoints.get('ck')).toMatchObject({ model: 'm', step: 7 });

      const again = await cli(['run', 'ck', '--server', server.url, '--evalsets', 'evalsets/blog.jsonl'], { cwd });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/run 2 · checkpoint ck \(step 7\) · completed · 1 items, 0 errors/);
      // --no-likelihood reaches the server's run as likelihood: false.
      const skip = await cli(['run', 'ck', '--server', server.url, '--evalsets', 'bio', '--no-likelihood', '--json'], { cwd });
      expect(skip.code, skip.stderr).toBe(0);
      expect(server.store.runs.get(skip.json().runId).params.likelihood).toBe(false);
      expect(server.store.runs.get(1).params.likelihood).toBeUndefined();

      const clash = await cli(['run', '--server', server.url, '--base-url', model.url, '--model', 'other', '--checkpoint', 'ck'], { cwd });
      expect(clash.code).toBe(2);
      expect(clash.stderr).toContain('checkpoint "ck" is registered with --model "m", not "other"');

      const unknown = await cli(['run', 'ck', '--server', server.url, '--evalsets', 'nope'], { cwd });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('unknown eval set "nope" (available: bio, blog)');
    } finally {
      await server.close();
    }
  });

  it('exits 3 when items errored on the server', async () => {
    const model = await endpoint((req) => (req.userText === 'question two' ? { status: 400 } : echo(req)));
    const { server } = await serve();
    try {
      const r = await cli(['run', '--server', server.url, '--base-url', model.url, '--model', 'm', '--checkpoint', 'c', '--evalsets', 'bio', '--retries', '0'], { cwd: tempDir() });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('1 results errored after retries');
    } finally {
      await server.close();
    }
  });

  it('checkpoint add --server, tokens, and an unreachable server', async () => {
    const { server } = await serve({ env: { TUNEGATE_TOKEN: 'tok' } });
    const cwd = tempDir();
    try {
      const add = ['checkpoint', 'add', 'c1', '--server', server.url, '--base-url', 'http://127.0.0.1:8000/v1', '--model', 'm', '--tag', 'mix=a'];
      const refused = await cli(add, { cwd });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('set TUNEGATE_TOKEN');
      const ok = await cli(add, { cwd, env: { TUNEGATE_TOKEN: 'tok' } });
      expect(ok.code, ok.stderr).toBe(0);
      expect(server.store.checkpoints.get('c1').tags).toEqual({ mix: 'a' });
      const dup = await cli(add, { cwd, env: { TUNEGATE_TOKEN: 'tok' } });
      expect(dup.code).toBe(2);
      expect(dup.stderr).toContain('checkpoint "c1" already exists');
    } finally {
      await server.close();
    }
    const gone = await cli(['checkpoint', 'add', 'c2', '--server', 'http://127.0.0.1:1', '--base-url', 'http://h/v1', '--model', 'm'], { cwd });
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('cannot reach the tunegate server at http://127.0.0.1:1');
  });
});

/** An HTTP proxy to `target` that ends the first event stream cleanly after its first item event. */
async function cuttingProxy(target: string): Promise<{ url: string; eventRequests: Array<string | undefined>; close: () => Promise<void> }> {
  const { createServer, request } = await import('node:http');
  const t = new URL(target);
  const eventRequests: Array<string | undefined> = [];
  let cut = false;
  const server = createServer((req, res) => {
    const isEvents = /\/events$/.test(req.url ?? '');
    if (isEvents) eventRequests.push(req.headers['last-event-id'] as string | undefined);
    const up = request({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      if (!isEvents || cut) return void ur.pipe(res);
      let seen = '';
      ur.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        res.write(chunk);
        if (!cut && /event: item\n/.test(seen)) {
          cut = true;
          ur.destroy();
          res.end(); // a clean end, as a proxy with a read timeout does it
        }
      });
      ur.on('end', () => res.end());
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, eventRequests, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** A port nothing listens on now (to start a server on, stop it, and start another on it). */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('tunegate run --server when the stream or the server goes away', () => {
  it('a stream that ends early is reopened from its Last-Event-ID; the run is followed to completion (exit 0)', async () => {
    const model = await endpoint(echo, { latencyMs: 30 });
    const { server } = await serve();
    const proxy = await cuttingProxy(server.url);
    try {
      const r = await cli(['run', '--server', proxy.url, '--base-url', model.url, '--model', 'm', '--checkpoint', 'c', '--evalsets', 'bio', '--concurrency', '1', '--json'], { cwd: tempDir() });
      expect(r.code, r.stderr).toBe(0);
      expect(r.json()).toMatchObject({ runId: 1, status: 'completed', counts: { items: 3, results: 3 } });
      expect(proxy.eventRequests.length).toBeGreaterThanOrEqual(2);
      expect(proxy.eventRequests[0]).toBeUndefined();
      expect(proxy.eventRequests[1]).toMatch(/^\d+$/);
    } finally {
      await proxy.close();
      await server.close();
    }
  });

  it('a server killed mid-run and restarted: the client reconnects and exits 130 with the run interrupted', async () => {
    const { spawnTunegate, storedResults, waitFor } = await import('../helpers/bin.js');
    const { keywordItems } = await import('../helpers/run.js');
    const { jsonl } = await import('../helpers/tmp.js');
    const model = await endpoint(echo, { latencyMs: 40 });
    const dir = tempDir();
    writeFiles(dir, { 'evalsets/bio.jsonl': jsonl(...keywordItems(60)) });
    const port = String(await freePort());
    const db = join(dir, 'server.db');
    const start = async () => {
      const c = spawnTunegate(['serve', '--port', port, '--db', db, '--quiet'], dir);
      await waitFor(() => c.stderr().includes('tunegate serving'), 15_000, 'the server banner');
      return c;
    };
    let server = await start();
    try {
      const run = cli(['run', '--server', `http://127.0.0.1:${port}`, '--base-url', model.url, '--model', 'm', '--checkpoint', 'c', '--concurrency', '1'], { cwd: tempDir() });
      await waitFor(() => storedResults(db, 1) >= 3, 15_000, '3 stored results');
      server.proc.kill('SIGKILL');
      await server.exit;
      await new Promise((r) => setTimeout(r, 700));
      server = await start();
      const r = await run;
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toContain(`run 1 is interrupted; resume it with POST http://127.0.0.1:${port}/api/runs/1/resume`);
      expect(r.stdout).toMatch(/run 1 · checkpoint c .* interrupted/);
    } finally {
      server.proc.kill('SIGKILL');
      await server.exit;
    }
  });

  it('a server gone for good: the client gives up after its retries and exits 5, never 0', async () => {
    const { spawnTunegate, storedResults, waitFor } = await import('../helpers/bin.js');
    const { keywordItems } = await import('../helpers/run.js');
    const { jsonl } = await import('../helpers/tmp.js');
    const model = await endpoint(echo, { latencyMs: 40 });
    const dir = tempDir();
    writeFiles(dir, { 'evalsets/bio.jsonl': jsonl(...keywordItems(60)) });
    const db = join(dir, 'server.db');
    const server = spawnTunegate(['serve', '--port', '0', '--db', db, '--quiet'], dir);
    let url = '';
    await waitFor(() => (url = /tunegate serving (http:\/\/\S+) /.exec(server.stderr())?.[1] ?? '') !== '', 15_000, 'the server banner');
    const run = cli(['run', '--server', url, '--base-url', model.url, '--model', 'm', '--checkpoint', 'c', '--concurrency', '1'], { cwd: tempDir() });
    await waitFor(() => storedResults(db, 1) >= 3, 15_000, '3 stored results');
    server.proc.kill('SIGKILL');
    await server.exit;
    const r = await run;
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain(`tunegate: lost run 1: `);
    expect(r.stderr).toContain(`cannot reach the tunegate server at ${url}`);
    expect(r.stdout).toBe('');
  }, 30_000);
});
