import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { spawnTunegate, waitFor } from '../helpers/bin.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { JSON_TYPE, SERVER_EVALSETS, testApp, waitForStatus } from '../helpers/server.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';


/** A GET over a real socket with a Host header of our choosing (fetch will not send one). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('requests that are not the user’s', () => {
  it('refuses a Host that is not localhost, loopback, the bound address or an allowed name: on the API, the page, the docs and the event stream', async () => {
    const { app } = await testApp({ allowedHosts: ['tunegate.internal'] });
    await app.inject({ method: 'POST', url: '/api/checkpoints', headers: JSON_TYPE, payload: { name: 'c', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' } });
    for (const url of ['/api/health', '/', '/runs/1', '/app.js', '/api/docs/json', '/api/checkpoints', '/api/runs/1/events', '/api/nope']) {
      for (const host of ['evil.example', 'rebind.attacker.test:3000', 'localhost.evil.example', 'tunegate.internal.evil']) {
        const r = await app.inject({ method: 'GET', url, headers: { host } });
        expect(r.statusCode, `${host} ${url}`).toBe(403);
        expect(r.json()).toMatchObject({ code: 'HOST_NOT_ALLOWED', error: expect.stringContaining('--allowed-host NAME') });
      }
    }
    const post = await app.inject({ method: 'POST', url: '/api/checkpoints', headers: { ...JSON_TYPE, host: 'evil.example' }, payload: { name: 'd', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' } });
    expect(post.statusCode).toBe(403);
    for (const host of ['localhost', 'localhost:3000', '127.0.0.1:3000', '[::1]:3000', 'LOCALHOST', 'tunegate.internal', 'tunegate.internal:8080', 'TuneGate.Internal.']) {
      expect((await app.inject({ method: 'GET', url: '/api/checkpoints/c', headers: { host } })).statusCode, host).toBe(200);
    }
  });

  it('accepts the bound address; bound to every address, accepts any IP but still no other name', async () => {
    const bound = await testApp({ host: '10.1.2.3' });
    expect((await bound.app.inject({ method: 'GET', url: '/api/health', headers: { host: '10.1.2.3:3000' } })).statusCode).toBe(200);
    expect((await bound.app.inject({ method: 'GET', url: '/api/health', headers: { host: '10.1.2.4:3000' } })).statusCode).toBe(403);
    const all = await testApp({ host: '0.0.0.0' });
    for (const host of ['192.168.1.20:3000', '[fe80::1]:3000', '10.0.0.5']) {
      expect((await all.app.inject({ method: 'GET', url: '/api/health', headers: { host } })).statusCode, host).toBe(200);
    }
    expect((await all.app.inject({ method: 'GET', url: '/api/health', headers: { host: 'my-laptop.lan:3000' } })).statusCode).toBe(403);
  });

  it('tunegate serve --allowed-host NAME (repeatable) on a real socket', async () => {
    const cwd = tempDir();
    writeFiles(cwd, SERVER_EVALSETS);
    const child = spawnTunegate(['serve', '--port', '0', '--db', 'g.db', '--quiet', '--allowed-host', 'tunegate.internal', '--allowed-host', 'eval.example.com'], cwd);
    try {
      let url = '';
      await waitFor(() => (url = /tunegate serving (http:\/\/\S+) /.exec(child.stderr())?.[1] ?? '') !== '', 15_000, 'the server banner');
      expect((await getWithHost(`${url}/api/health`, 'tunegate.internal:3000')).status).toBe(200);
      expect((await getWithHost(`${url}/api/health`, 'eval.example.com')).status).toBe(200);
      const refused = await getWithHost(`${url}/api/health`, 'attacker.example');
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body).error).toContain('Host "attacker.example" is not a name this server answers to');
    } finally {
      child.proc.kill('SIGTERM');
      await child.exit;
    }
  });

  it('a cross-site text/plain (or form, or type-less) POST cannot cancel a run on a token-less server; a JSON one with no body can', async () => {
    const model = await endpoint(echo, { latencyMs: 200 });
    const { app } = await testApp();
    const r = await app.inject({ method: 'POST', url: '/api/checkpoints', headers: JSON_TYPE, payload: { name: 'c', baseUrl: model.url, model: 'm', autoRun: true } });
    const id = r.json().run.id as number;
    await waitForStatus(app, id, ['running']);
    for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }, { 'content-type': 'multipart/form-data; boundary=x' }, {}]) {
      const refused = await app.inject({ method: 'POST', url: `/api/runs/${id}/cancel`, headers, payload: 'cancel' });
      expect(refused.statusCode, JSON.stringify(headers)).toBe(415);
      expect(refused.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
    const bare = await app.inject({ method: 'POST', url: `/api/runs/${id}/cancel` });
    expect(bare.statusCode).toBe(415);
    expect((await app.inject({ method: 'GET', url: `/api/runs/${id}` })).json().status).toBe('running');
    for (const method of ['PATCH', 'DELETE'] as const) {
      expect((await app.inject({ method, url: '/api/checkpoints/c', headers: { 'content-type': 'text/plain' }, payload: '{}' })).statusCode, method).toBe(415);
    }

    // What the CLI and a script send: JSON, with an empty body.
    const cancelled = await app.inject({ method: 'POST', url: `/api/runs/${id}/cancel`, headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(cancelled.statusCode).toBe(202);
    await waitForStatus(app, id, ['cancelled']);
    const resumed = await app.inject({ method: 'POST', url: `/api/runs/${id}/resume`, headers: JSON_TYPE, payload: '' });
    expect(resumed.statusCode, resumed.body).toBe(202);
    await waitForStatus(app, id, ['completed']);
  });

  it('the bearer scheme is case-insensitive', async () => {
    const { app } = await testApp({ token: 's3cret-token' });
    let n = 0;
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const r = await app.inject({ method: 'POST', url: '/api/checkpoints', headers: { ...JSON_TYPE, authorization: `${scheme} s3cret-token` }, payload: { name: `c${n++}`, baseUrl: 'http://127.0.0.1:9/v1', model: 'm' } });
      expect(r.statusCode, scheme).toBe(201);
    }
    for (const authorization of ['bearer wrong', 'Basic s3cret-token', 's3cret-token', 'bearer']) {
      const r = await app.inject({ method: 'POST', url: '/api/checkpoints', headers: { ...JSON_TYPE, authorization }, payload: { name: 'x', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' } });
      expect(r.statusCode, authorization).toBe(401);
    }
  });
});
