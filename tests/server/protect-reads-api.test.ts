import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../server/main.js';
import { spawnTunegate, waitFor } from '../helpers/bin.js';
import { cli } from '../helpers/cli.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { postJson, serve, SERVER_EVALSETS, testApp, waitForStatus } from '../helpers/server.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';

const TOKEN = 'team-read-token-0001';
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** Every read the API offers (with data behind it once a run completed), the docs and the event stream. */
const READS = [
  '/api/runs', '/api/runs/1', '/api/runs/1/results', '/api/compare?base=1&head=1', '/api/trend?metric=bio_accuracy',
  '/api/gate?run=1&baseline=1', '/api/advise?tag=mix=a', '/api/metrics', '/api/evalsets', '/api/checkpoints',
  '/api/checkpoints/c', '/api/categories?base=c', '/api/docs', '/api/docs/json', '/api/docs/static/index.html',
  '/api/runs/1/events', '/api/nope', '/%61pi/runs', '/API/runs', '/api/health/../runs', '//api/runs',
];

describe('serve --protect-reads: reads need the token too', () => {
  it('answers 401 to every /api GET (and HEAD) without the right token, the docs and the event stream included; health and the page stay open', async () => {
    const model = await endpoint(echo);
    const { app } = await testApp({ token: TOKEN, protectReads: true });
    const r = await app.inject({ method: 'POST', url: '/api/checkpoints', headers: { 'content-type': 'application/json', ...AUTH }, payload: { name: 'c', baseUrl: model.url, model: 'm', tags: { mix: 'a' }, autoRun: true, evalsets: ['bio'] } });
    expect(r.statusCode, r.body).toBe(201);
    await waitForStatus(app, r.json().run.id, ['completed'], 15_000, AUTH);

    for (const url of READS) {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${TOKEN}` }, { authorization: TOKEN }]) {
        for (const method of ['GET', 'HEAD'] as const) {
          const res = await app.inject({ method, url, headers });
          expect(res.statusCode, `${method} ${url} ${JSON.stringify(headers)}`).toBe(401);
          expect(res.headers['www-authenticate']).toBe('Bearer');
          if (method === 'GET') {
            expect(res.json()).toMatchObject({ code: 'UNAUTHORIZED' });
            expect(res.body).not.toContain('answer to');
          }
        }
      }
    }
    // Case-insensitive scheme, as for writes; the stream is left out here (inject would wait for its end).
    for (const url of READS.filter((u) => !u.endsWith('/events') && u !== '/api/nope')) {
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `bearer ${TOKEN}` } });
      expect(res.statusCode, `${url} ${res.body.slice(0, 200)}`).not.toBe(401);
    }
    expect((await app.inject({ method: 'GET', url: '/api/nope', headers: AUTH })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/runs/1', headers: AUTH })).json().metrics.bio_accuracy).toBeCloseTo(2 / 3);

    for (const url of ['/api/health', '/', '/runs/1', '/compare?base=1&head=1', '/checkpoints/new', '/app.js', '/app.css']) {
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    }
    // Without --protect-reads, reads stay open on a server with a token.
    const open = await testApp({ token: TOKEN });
    expect((await open.app.inject({ method: 'GET', url: '/api/checkpoints' })).statusCode).toBe(200);
  });

  it('the event stream over a real socket: 401 without the token, events with it', async () => {
    const model = await endpoint(echo);
    const { server } = await serve({ env: { TUNEGATE_TOKEN: TOKEN }, protectReads: true });
    try {
      const reg = await postJson(`${server.url}/api/checkpoints`, { name: 'c', baseUrl: model.url, model: 'm', autoRun: true, evalsets: ['bio'] }, AUTH);
      const id = ((await reg.json()) as { run: { id: number } }).run.id;
      const refused = await fetch(`${server.url}/api/runs/${id}/events`, { headers: { accept: 'text/event-stream' } });
      expect(refused.status).toBe(401);
      expect(await refused.text()).not.toContain('event:');
      const stream = await fetch(`${server.url}/api/runs/${id}/events`, { headers: { accept: 'text/event-stream', ...AUTH, 'last-event-id': '0' } });
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toContain('text/event-stream');
      const text = await stream.text(); // the stream ends after `finished`
      expect(text).toContain('event: finished');
      expect(text).toContain('event: item');
      expect(server.settings.protectReads).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('tunegate run --server follows the run and reads it with TUNEGATE_TOKEN under --protect-reads', async () => {
    const model = await endpoint(echo);
    const { server } = await serve({ env: { TUNEGATE_TOKEN: TOKEN, TUNEGATE_PROTECT_READS: '1' } });
    try {
      expect(server.settings.protectReads).toBe(true);
      const cwd = tempDir();
      const r = await cli(['run', '--server', server.url, '--base-url', model.url, '--model', 'm', '--checkpoint', 'ck', '--evalsets', 'bio', '--json'], { cwd, env: { TUNEGATE_TOKEN: TOKEN } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.json()).toMatchObject({ checkpoint: 'ck', status: 'completed', metrics: { bio_accuracy: 2 / 3 } });
      const again = await cli(['run', 'ck', '--server', server.url, '--evalsets', 'bio'], { cwd, env: { TUNEGATE_TOKEN: 'wrong' } });
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('set TUNEGATE_TOKEN to its token');
    } finally {
      await server.close();
    }
  });

  it('refuses to start without TUNEGATE_TOKEN (exit 2), and a TUNEGATE_PROTECT_READS that is not 1/0', async () => {
    const dir = tempDir();
    writeFiles(dir, SERVER_EVALSETS);
    const opts = { host: '127.0.0.1', port: 0, dbPath: join(dir, 'db.sqlite'), evalsetsDir: join(dir, 'evalsets') };
    await expect(startServer({ ...opts, env: {}, protectReads: true })).rejects.toThrow(/--protect-reads needs TUNEGATE_TOKEN/);
    await expect(startServer({ ...opts, env: { TUNEGATE_PROTECT_READS: '1' } })).rejects.toThrow(/TUNEGATE_TOKEN/);
    await expect(startServer({ ...opts, env: { TUNEGATE_TOKEN: TOKEN, TUNEGATE_PROTECT_READS: 'maybe' } })).rejects.toThrow(/TUNEGATE_PROTECT_READS must be 1 or 0/);

    const child = spawnTunegate(['serve', '--port', '0', '--db', 'db.sqlite', '--protect-reads'], dir);
    expect((await child.exit).code).toBe(2);
    expect(child.stderr()).toContain('--protect-reads needs TUNEGATE_TOKEN');

    const ok = spawnTunegate(['serve', '--port', '0', '--db', 'db.sqlite', '--protect-reads', '--quiet'], dir, { TUNEGATE_TOKEN: TOKEN });
    try {
      let url = '';
      await waitFor(() => (url = /tunegate serving (http:\/\/\S+) /.exec(ok.stderr())?.[1] ?? '') !== '', 15_000, 'the server banner');
      expect((await fetch(`${url}/api/checkpoints`)).status).toBe(401);
      expect((await fetch(`${url}/api/checkpoints`, { headers: AUTH })).status).toBe(200);
      expect((await fetch(`${url}/api/health`)).status).toBe(200);
      expect(ok.stderr()).toContain('reads need the token too');
    } finally {
      ok.proc.kill('SIGTERM');
      await ok.exit;
    }
    const help = await cli(['serve', '--help'], { cwd: dir });
    expect(help.stdout).toContain('--protect-reads');
    expect(help.stdout).toContain('TUNEGATE_PROTECT_READS');
  });
});
