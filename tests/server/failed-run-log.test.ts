import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/main.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { openStore } from '../../server/store/open.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { evalSet, keywordItems } from '../helpers/run.js';
import { serve } from '../helpers/server.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';
import { waitFor } from '../helpers/bin.js';

const SECRET = 'sk-log-test-secret-0123456789abcdef';
const JUDGE_SECRET = 'judge-secret-value-0123456789';
interface Logged {
  server: RunningServer;
  /** Everything logged so far. */
  log: () => string;
  /** The log's JSON lines. */
  lines: () => Array<Record<string, any>>;
}

/** `startServer` with request logging on, its log captured, on a temp database in `dir`. */
async function serveLogged(dir: string, keyEnvs: string[]): Promise<Logged> {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const { server } = await serve({
    dir, files: {}, dbPath: join(dir, 'server.db'),
    env: { MODEL_KEY: SECRET, JUDGE_KEY: JUDGE_SECRET }, keyEnvs, logger: true, logStream: stream,
  });
  return { server, log: () => text, lines: () => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, any>) };
}

async function api(s: Logged, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${s.server.url}${path}`, {
    method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
}

async function statusOf(s: Logged, runId: number, statuses: string[], ms = 30_000): Promise<any> {
  let run: any;
  const until = Date.now() + ms;
  for (;;) {
    run = (await api(s, 'GET', `/api/runs/${runId}`)).json;
    if (statuses.includes(run.status)) return run;
    if (Date.now() > until) throw new Error(`run ${runId} is ${run.status}, not ${statuses.join('/')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The server is still up: it answers its health check. */
async function expectAlive(s: Logged): Promise<void> {
  const health = await api(s, 'GET', '/api/health');
  expect(health.status).toBe(200);
  expect(health.json.ok).toBe(true);
}

describe('a failed run never stops the server (request logging on)', () => {
  it('MODEL_NOT_SERVED while the run waited in the queue: logged with the key redacted, server still answers', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'evalsets/one.jsonl': jsonl(...keywordItems(1, 'a')), 'evalsets/bio.jsonl': jsonl(...keywordItems(5)) });
    const served = ['m'];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const model = await endpoint(async (req) => {
      await gate;
      return echo(req);
    }, { models: served });
    const s = await serveLogged(dir, ['MODEL_KEY']);
    expect((await api(s, 'POST', '/api/checkpoints', { name: 'c', baseUrl: model.url, model: 'm', apiKeyEnv: 'MODEL_KEY' })).status).toBe(201);
    expect((await api(s, 'POST', '/api/runs', { checkpoint: 'c', evalsets: ['one'] })).status).toBe(202);
    expect((await api(s, 'POST', '/api/runs', { checkpoint: 'c', evalsets: ['bio'] })).status).toBe(202);
    await waitFor(() => model.requests.length >= 1, 15_000, 'run 1 to send its request');
    // The model server restarts with the next checkpoint (and echoes the key in its listing).
    served.splice(0, served.length, 'm-step-2000', SECRET);
    release();
    const failed = await statusOf(s, 2, ['failed', 'completed']);
    expect(failed.status).toBe('failed');
    await expectAlive(s);
    const line = s.lines().find((l) => l.msg === 'run failed' && l.runId === 2);
    expect(line?.err.message).toContain('does not serve model');
    expect(line?.err.message).toContain('[redacted]');
    expect(s.log()).not.toContain(SECRET);
  });

  it('"database is locked" for longer than busy_timeout during a run: the run completes, the server still answers', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'evalsets/bio.jsonl': jsonl(...keywordItems(40)) });
    const model = await endpoint(echo, { latencyMs: 20 });
    const s = await serveLogged(dir, ['MODEL_KEY']);
    await api(s, 'POST', '/api/checkpoints', { name: 'c', baseUrl: model.url, model: 'm', apiKeyEnv: 'MODEL_KEY' });
    expect((await api(s, 'POST', '/api/runs', { checkpoint: 'c', concurrency: 2 })).status).toBe(202);
    await waitFor(() => s.server.store.results.counts(1).results >= 5, 15_000, '5 stored results');
    // Another process takes the write lock and keeps it past busy_timeout (5 s).
    const locker = spawn(process.execPath, ['-e', `
      const db = new (require('better-sqlite3'))(${JSON.stringify(join(dir, 'server.db'))});
      db.exec('BEGIN EXCLUSIVE');
      process.stdout.write('locked');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 7000);
      db.exec('COMMIT');
    `], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => locker.on('exit', r));
    let said = '';
    locker.stdout.on('data', (d: Buffer) => (said += d.toString()));
    await waitFor(() => said === 'locked', 15_000, 'the lock');
    await exited;
    const run = await statusOf(s, 1, ['completed', 'failed', 'interrupted'], 60_000);
    expect(run.status).toBe('completed');
    expect(run.error).toBeNull();
    expect(s.server.store.results.counts(1)).toEqual({ results: 40, errors: 0 });
    await expectAlive(s);
    expect(s.lines().filter((l) => l.msg === 'run failed')).toEqual([]);
    expect(s.log()).not.toContain(SECRET);
  }, 90_000);

  it('a judge that cannot run (its key is not allowed on this server): logged, the run keeps its results, server still answers', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'evalsets/bio.jsonl': jsonl(...keywordItems(3)) });
    const model = await endpoint(echo);
    const judge = await endpoint(() => ({ content: '{"score": 1}' }));
    // Queued where the judge's key could be read (another server, since restarted without it).
    const store = openStore(join(dir, 'server.db'));
    const judgeSettings = { spec: `openai:judge@${judge.url}`, keyEnv: 'JUDGE_KEY' };
    const c = store.checkpoints.add({ name: 'c', baseUrl: model.url, model: 'm', apiKeyEnv: 'MODEL_KEY' });
    createRun(store, c, [evalSet('bio', ...keywordItems(3))], { ...DEFAULT_PARAMS, judge: judgeSettings }, 'queued');
    store.close();
    const s = await serveLogged(dir, ['MODEL_KEY']);
    await statusOf(s, 1, ['completed', 'failed']);
    await waitFor(() => s.lines().some((l) => l.msg === 'run failed'), 15_000, 'the judge failure in the log');
    await expectAlive(s);
    const line = s.lines().find((l) => l.msg === 'run failed' && l.runId === 1);
    expect(line?.err.message).toContain('JUDGE_KEY');
    expect(judge.requests).toHaveLength(0);
    expect(s.server.store.results.counts(1)).toEqual({ results: 3, errors: 0 });
    expect(s.log()).not.toContain(SECRET);
    expect(s.log()).not.toContain(JUDGE_SECRET);
  });
});
