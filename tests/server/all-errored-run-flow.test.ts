/*
 * A run whose every item errored is `failed` (never a green `completed`) in `tunegate runs`, the
 * CLI's run report and exit code (3, locally and with --server), and the API.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../server/main.js';
import { cli } from '../helpers/cli.js';
import { endpoint } from '../helpers/endpoint.js';
import { post, SERVER_EVALSETS, testApp, waitForStatus } from '../helpers/server.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';

const refuseAll = () => ({ status: 400 });

describe('a run whose every item errored', () => {
  it('CLI: run exits 3 and says failed; runs lists it failed; resume --retry-errors can still complete it', async () => {
    const cwd = tempDir();
    writeFiles(cwd, SERVER_EVALSETS);
    let healthy = false;
    const e = await endpoint((req) => (healthy ? { content: `answer to: ${req.userText}` } : refuseAll()));
    const r = await cli(['run', '--base-url', e.url, '--model', 'm', '--checkpoint', 'c', '--evalsets', 'bio', '--retries', '0', '--json'], { cwd });
    expect(r.code).toBe(3);
    expect(r.json()).toMatchObject({ status: 'failed', counts: { items: 3, results: 3, errors: 3 } });
    expect(r.json().error).toContain('every item errored (3 of 3');

    const runs = await cli(['runs'], { cwd });
    expect(runs.code).toBe(0);
    const row = runs.stdout.split('\n').find((l) => /^\s*1\s/.test(l));
    expect(row).toMatch(/\bfailed\b/);
    expect(row).not.toMatch(/\bcompleted\b/);

    healthy = true;
    const resumed = await cli(['resume', '1', '--retry-errors', '--json'], { cwd });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json()).toMatchObject({ status: 'completed', counts: { errors: 0 } });
  });

  it('CLI --server: exits 3 (items errored), not 4 (a server fault)', async () => {
    const e = await endpoint(refuseAll);
    const dir = tempDir();
    writeFiles(dir, SERVER_EVALSETS);
    const server = await startServer({ host: '127.0.0.1', port: 0, dbPath: join(dir, 'db.sqlite'), evalsetsDir: join(dir, 'evalsets'), env: {} });
    try {
      const r = await cli(['run', '--server', server.url, '--base-url', e.url, '--model', 'm', '--checkpoint', 'c', '--evalsets', 'bio', '--retries', '0', '--json'], { cwd: tempDir() });
      expect(r.code, r.stderr).toBe(3);
      expect(r.json()).toMatchObject({ status: 'failed', counts: { errors: 3 } });
      expect(r.stderr).toContain('3 results errored after retries');
    } finally {
      await server.close();
    }
  });

  it('API: the run is failed with its error, in the run and in the list, and a resume with retryErrors is accepted', async () => {
    const e = await endpoint(refuseAll);
    const { app } = await testApp();
    const created = await post(app, '/api/checkpoints', { name: 'c', baseUrl: e.url, model: 'm', autoRun: true, evalsets: ['bio'] });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().run.id as number;
    // retries are the default here: 400 is not retried, so every item errors at once.
    const run = await waitForStatus(app, id, ['completed', 'failed']);
    expect(run).toMatchObject({ status: 'failed', counts: { results: 3, errors: 3 } });
    expect(run.error).toContain(`POST /api/runs/${id}/resume`);
    const list = (await app.inject({ method: 'GET', url: '/api/runs' })).json();
    expect(list.runs.find((x: { runId: number }) => x.runId === id)).toMatchObject({ status: 'failed' });
    const resume = await post(app, `/api/runs/${id}/resume`, { retryErrors: true });
    expect(resume.statusCode, resume.body).toBeLessThan(300);
  });
});
