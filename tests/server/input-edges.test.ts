import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { JSON_TYPE, serve, SERVER_EVALSETS, testApp } from '../helpers/server.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';

const inject = (app: any, method: string, url: string, payload?: unknown) => app.inject({ method, url, headers: JSON_TYPE, ...(payload !== undefined ? { payload } : {}) });

describe('input edges', () => {
  it('a name as long as registration allows can be read, changed and deleted; a longer one is refused naming the limit', async () => {
    const { app } = await testApp();
    for (const name of ['a'.repeat(200), `${'名'.repeat(150)}/x`, `${'𝒜'.repeat(120)}-${'b'.repeat(79)}`]) {
      const url = `/api/checkpoints/${encodeURIComponent(name)}`;
      expect((await inject(app, 'POST', '/api/checkpoints', { name, baseUrl: 'http://127.0.0.1:9/v1', model: 'm' })).statusCode).toBe(201);
      expect((await app.inject({ method: 'GET', url })).json().name).toBe(name);
      expect((await inject(app, 'PATCH', url, { step: 3 })).json().step).toBe(3);
      expect((await inject(app, 'DELETE', url)).statusCode).toBe(204);
    }
    const tooLong = await inject(app, 'POST', '/api/checkpoints', { name: 'a'.repeat(201), baseUrl: 'http://127.0.0.1:9/v1', model: 'm' });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().error).toBe('body/name must NOT have more than 200 characters');
  });

  it('the CLI refuses the same names (checkpoint add, run --checkpoint) and a long name works through --server', async () => {
    const cwd = tempDir();
    writeFiles(cwd, SERVER_EVALSETS);
    const long = 'n'.repeat(201);
    for (const args of [['checkpoint', 'add', long], ['run', '--checkpoint', long]]) {
      const r = await cli([...args, '--base-url', 'http://127.0.0.1:9/v1', '--model', 'm', '--db', 'x.db'], { cwd });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('must be 1–200 letters, digits or . _ : @ + - / (it has 201 characters)');
    }
    const model = await endpoint(echo);
    const { server } = await serve({ dir: cwd, files: {}, dbPath: join(cwd, 's.db') });
    try {
      const name = 'run-'.repeat(50); // 200 characters: above the router's former 100
      const first = await cli(['run', '--server', server.url, '--base-url', model.url, '--model', 'm', '--checkpoint', name, '--evalsets', 'bio'], { cwd });
      expect(first.code, first.stderr).toBe(0);
      const again = await cli(['run', '--server', server.url, '--base-url', model.url, '--model', 'm', '--checkpoint', name, '--evalsets', 'bio'], { cwd });
      expect(again.code, again.stderr).toBe(0); // looked up by name (GET /api/checkpoints/:name) before the second run
    } finally {
      await server.close();
    }
  });

  it.each([
    ['POST', '/api/checkpoints', { name: 'c', baseUrl: 'http://127.0.0.1:9/v1', model: 'm', step: 2 ** 53 }, 'body/step must be <= 9007199254740991'],
    ['POST', '/api/checkpoints', { name: 'c', baseUrl: 'http://127.0.0.1:9/v1', model: 'm', step: 1e300 }, 'body/step must be <= 9007199254740991'],
    ['PATCH', '/api/checkpoints/base', { step: 2 ** 60 }, 'body/step must be <= 9007199254740991'],
    ['POST', '/api/runs', { checkpoint: 'base', maxTokens: 1e15 }, 'body/maxTokens must be <= 1000000'],
    ['POST', '/api/runs', { checkpoint: 'base', seed: 2 ** 53 }, 'body/seed must be <= 9007199254739991'],
    ['POST', '/api/runs', { checkpoint: 'base', samples: 1e6 }, 'body/samples must be <= 1000'],
    ['POST', '/api/runs', { checkpoint: 'base', concurrency: 1e9 }, 'body/concurrency must be <= 1024'],
    ['POST', '/api/runs', { checkpoint: 'base', timeout: 1e12 }, 'body/timeout must be <= 86400'],
    ['POST', '/api/runs', { checkpoint: 'base', retries: 2 ** 53 }, 'body/retries must be <= 100'],
  ])('%s %s with %j is a 400 naming the field', async (method, url, body, message) => {
    const { app } = await testApp();
    expect((await inject(app, 'POST', '/api/checkpoints', { name: 'base', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' })).statusCode).toBe(201);
    const r = await inject(app, method, url, body);
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toBe(message);
  });

  it('the CLI refuses unsafe or absurd numbers naming the flag', async () => {
    const cwd = tempDir();
    for (const [flag, value, message] of [
      ['--step', '9007199254740993', '--step must be a whole number ≥ 0'],
      ['--max-tokens', '1000001', '--max-tokens must be a whole number from 1 to 1000000'],
      ['--seed', '9007199254740991', '--seed must be a whole number from 0 to 9007199254739991'],
    ] as const) {
      const r = await cli(['run', '--checkpoint', 'c', '--base-url', 'http://127.0.0.1:9/v1', '--model', 'm', '--db', 'x.db', flag, value], { cwd });
      expect(r.code, flag).toBe(2);
      expect(r.stderr).toContain(message);
    }
    const resume = await cli(['resume', '99999999999999999999', '--db', 'x.db'], { cwd });
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain('RUN_ID must be a whole number');
  });

  it('prototype names are never metrics, and huge ids are a 400', async () => {
    const { app } = await testApp();
    for (const metric of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const r = await app.inject({ method: 'GET', url: `/api/trend?metric=${metric}` });
      expect(r.statusCode, metric).toBe(400);
      expect(r.json().error).toContain(`unknown metric "${metric}"`);
    }
    for (const metric of ['set:__proto__', 'set:constructor']) {
      const r = await app.inject({ method: 'GET', url: `/api/trend?metric=${encodeURIComponent(metric)}` });
      expect(r.statusCode, metric).toBe(200);
      expect(r.json()).toMatchObject({ series: [expect.objectContaining({ metric, points: [] })] });
      expect((r.json() as { series: unknown[] }).series).toHaveLength(1);
    }
    for (const url of ['/api/runs/99999999999999999999', '/api/runs?cursor=1e300', '/api/runs/1/results?offset=1e20', '/api/compare?base=1&head=1e30']) {
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(400);
    }
    // A prototype-polluting body is refused, and pollutes nothing.
    const polluted = await app.inject({ method: 'POST', url: '/api/checkpoints', headers: JSON_TYPE, payload: '{"name":"p","baseUrl":"http://127.0.0.1:9/v1","model":"m","__proto__":{"isAdmin":true}}' });
    expect(polluted.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});
