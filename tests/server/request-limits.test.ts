import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { resolveServeSettings, serverEnv } from '../../server/config.js';
import { testApp } from '../helpers/server.js';

const extra: FastifyInstance[] = [];
afterEach(async () => {
  while (extra.length > 0) await extra.pop()!.close();
});

describe('request limits', () => {
  it('answers an over-limit client 429 with Retry-After, while another client and /api/health are served', async () => {
    const t = await testApp();
    const app = await buildApp({
      store: t.store, queue: t.queue, env: serverEnv({}, { keyEnvs: [] }), evalsetsDir: join(t.dir, 'evalsets'),
      requestLimits: { rateLimit: 3, maxEventLoopDelay: 0 },
    });
    extra.push(app);
    const from = (remoteAddress: string, url: string) => app.inject({ method: 'GET', url, remoteAddress });
    for (let i = 0; i < 3; i++) expect((await from('10.0.0.1', '/api/checkpoints')).statusCode).toBe(200);
    const over = await from('10.0.0.1', '/api/checkpoints');
    expect(over.statusCode).toBe(429);
    expect(over.headers['retry-after']).toMatch(/^\d+$/);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(over.json()).toMatchObject({ code: 'RATE_LIMITED', error: expect.stringContaining('--rate-limit') });
    // Liveness is never limited, nor are event streams (a 404 here: the run does not exist, not a 429).
    for (let i = 0; i < 10; i++) expect((await from('10.0.0.1', '/api/health')).statusCode).toBe(200);
    expect((await from('10.0.0.1', '/api/runs/999/events')).statusCode).toBe(404);
    // Another client is served as usual.
    expect((await from('10.0.0.2', '/api/checkpoints')).statusCode).toBe(200);
  });

  it('reads the limits from flags, else the environment, and names a bad one', () => {
    expect(resolveServeSettings({}, {})).toMatchObject({ rateLimit: 300, maxEventLoopDelay: 1000 });
    expect(resolveServeSettings({ rateLimit: 5 }, { TUNEGATE_RATE_LIMIT: '7', TUNEGATE_MAX_EVENT_LOOP_DELAY: '0' })).toMatchObject({ rateLimit: 5, maxEventLoopDelay: 0 });
    expect(() => resolveServeSettings({}, { TUNEGATE_RATE_LIMIT: 'lots' })).toThrow(/TUNEGATE_RATE_LIMIT must be a whole number/);
    expect(() => resolveServeSettings({ maxEventLoopDelay: -1 }, {})).toThrow(/--max-event-loop-delay must be a whole number/);
  });
});
