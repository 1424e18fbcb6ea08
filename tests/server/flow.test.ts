import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { echo, endpoint } from '../helpers/endpoint.js';
import { postJson, serve } from '../helpers/server.js';
import { readSse } from '../helpers/sse.js';
import { writeFiles } from '../helpers/tmp.js';


const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as any });

describe('the server on a real port', () => {
  it('follows a run that a CLI process executes on the same database', async () => {
    const { spawnTunegate, storedResults, waitFor } = await import('../helpers/bin.js');
    const { keywordItems } = await import('../helpers/run.js');
    const { jsonl } = await import('../helpers/tmp.js');
    const model = await endpoint(echo, { latencyMs: 30 });
    const { server, dir } = await serve();
    writeFiles(dir, { 'evalsets/many.jsonl': jsonl(...keywordItems(30)) });
    const db = join(dir, 'db.sqlite');
    const child = spawnTunegate(['run', '--db', db, '--base-url', model.url, '--model', 'm', '--checkpoint', 'cli-run', '--evalsets', 'evalsets/many.jsonl', '--concurrency', '2'], dir);
    try {
      await waitFor(() => storedResults(db, 1) >= 2, 15_000, 'the CLI run to start');
      const events = await readSse(`${server.url}/api/runs/1/events`, (e) => e.event === 'finished');
      const finished = events.at(-1)!;
      expect(finished.event).toBe('finished');
      expect(finished.data).toMatchObject({ status: 'completed', progress: { done: 30, total: 30 } });
      expect(events.filter((e) => e.event === 'progress').length).toBeGreaterThanOrEqual(2);
      expect((await child.exit).code).toBe(0);
    } finally {
      child.proc.kill('SIGKILL');
      await server.close();
    }
  });

  it('the training-loop flow: register with autoRun, watch the events, read the results', async () => {
    const model = await endpoint(echo, { latencyMs: 10 });
    const { server } = await serve();
    try {
      const reg = await json(await postJson(`${server.url}/api/checkpoints`, {
        name: 'step-1000', baseUrl: model.url, model: 'm', step: 1000, autoRun: true, evalsets: ['bio', 'blog'], tags: { mix: 'bio-v2' },
      }));
      expect(reg.status).toBe(201);
      expect(reg.body).toMatchObject({ name: 'step-1000', run: { id: 1, status: 'queued' } });

      const events = await readSse(`${server.url}/api/runs/1/events`, (e) => e.event === 'finished');
      const kinds = new Set(events.map((e) => e.event));
      expect(kinds).toEqual(new Set(['progress', 'item', 'finished']));
      const finished = events.at(-1)!;
      expect(finished.event).toBe('finished');
      expect(finished.data).toMatchObject({ runId: 1, status: 'completed', metrics: { bio_accuracy: 2 / 3 }, progress: { done: 4, total: 4 } });
      const items = events.filter((e) => e.event === 'item');
      expect(items.length).toBeGreaterThan(0);
      expect(items[0]!.data).toMatchObject({ set: expect.any(String), itemId: expect.any(String), error: null });

      const results = await json(await fetch(`${server.url}/api/runs/1/results?set=bio`));
      expect(results.body.total).toBe(3);
      expect(results.body.results[0]).toMatchObject({ id: 'q1', answer: 'answer to: question one', scores: { keyword: 1 } });
      // Events of a finished run: one progress snapshot and the final state, then the stream ends.
      const late = await readSse(`${server.url}/api/runs/1/events`);
      expect(late.map((e) => e.event)).toEqual(['progress', 'finished']);
    } finally {
      await server.close();
    }
  });

  it('never shows or stores an API key value, only its variable name', async () => {
    const secret = 'sk-live-never-show-me-0123456789';
    const model = await endpoint(echo);
    const { server, dir } = await serve({ env: { PRIVATE_MODEL_KEY: secret, TUNEGATE_KEY_ENVS: 'PRIVATE_MODEL_KEY' } });
    try {
      await postJson(`${server.url}/api/checkpoints`, { name: 'c', baseUrl: model.url, model: 'm', apiKeyEnv: 'PRIVATE_MODEL_KEY', autoRun: true });
      await readSse(`${server.url}/api/runs/1/events`, (e) => e.event === 'finished');
      expect(model.requests[0]!.headers.authorization).toBe(`Bearer ${secret}`); // it was used…
      const bodies = await Promise.all(
        ['/api/health', '/api/checkpoints', '/api/checkpoints/c', '/api/runs', '/api/runs/1', '/api/runs/1/results', '/api/compare?base=1&head=1', '/api/trend?metric=bio_accuracy', '/api/docs/json', '/']
          .map(async (p) => (await fetch(`${server.url}${p}`)).text()),
      );
      bodies.push((await readSse(`${server.url}/api/runs/1/events`)).map((e) => JSON.stringify(e.data)).join('\n'));
      for (const b of bodies) expect(b).not.toContain(secret); // …but is nowhere to be seen
      expect(bodies[1]).toContain('PRIVATE_MODEL_KEY');
    } finally {
      await server.close();
    }
    for (const f of ['db.sqlite', 'db.sqlite-wal']) {
      try {
        expect(readFileSync(join(dir, f)).includes(secret), f).toBe(false);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  });

  it('refuses a non-loopback address without TUNEGATE_TOKEN unless told it is insecure', async () => {
    await expect(serve({ host: '0.0.0.0' })).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 without TUNEGATE_TOKEN/);
    const withToken = await serve({ env: { TUNEGATE_TOKEN: 't' }, host: '0.0.0.0' });
    await withToken.server.close();
    const insecure = await serve({ host: '0.0.0.0', insecureNoAuth: true });
    await insecure.server.close();
  });

  it('bearer auth over a real port', async () => {
    const { server } = await serve({ env: { TUNEGATE_TOKEN: 'tok-123' } });
    try {
      const body = { name: 'c', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' };
      expect((await postJson(`${server.url}/api/checkpoints`, body)).status).toBe(401);
      expect((await postJson(`${server.url}/api/checkpoints`, body, { authorization: 'Bearer tok-123' })).status).toBe(201);
      expect((await fetch(`${server.url}/api/checkpoints`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
