import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BIN, spawnTunegate, storedResults, waitFor, type Child } from '../helpers/bin.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { evalSet, keywordItems } from '../helpers/run.js';
import { post, postJson, serve, testApp, waitForStatus } from '../helpers/server.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { readSse } from '../helpers/sse.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

/*
 * One run, one executor, across processes: real `tunegate` processes and a real server on one
 * SQLite file. "Another host" is a process whose recorded hostname is not this one's (rewritten
 * in the file, as a process on a machine sharing it would have written it): its PID cannot be
 * checked from here, so only its lease says whether it is alive.
 */

async function project(items: number, latencyMs: number) {
  const dir = tempDir();
  writeFiles(dir, { 'evalsets/bio.jsonl': jsonl(...keywordItems(items)) });
  const model = await endpoint(echo, { latencyMs });
  return { dir, model, db: join(dir, 'db.sqlite') };
}


function sql<T>(db: string, fn: (d: Database.Database) => T): T {
  const d = new Database(db);
  try {
    return fn(d);
  } finally {
    d.close();
  }
}

const status = (db: string, id = 1) => sql(db, (d) => (d.prepare('SELECT status FROM runs WHERE id = ?').get(id) as { status: string }).status);

/** Every prompt the endpoint was sent more than once: a run executed twice shows here. */
function sentTwice(model: { requests: { userText: string }[] }): string[] {
  const seen = new Map<string, number>();
  for (const r of model.requests) seen.set(r.userText, (seen.get(r.userText) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([p]) => p);
}

async function exitOf(c: Child) {
  const { code } = await c.exit;
  return { code, stderr: c.stderr(), stdout: c.stdout() };
}

/** The state letter of /proc/PID/stat (after the command name, which may hold spaces and parentheses). */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 1).trim()[0];
  } catch {
    return undefined;
  }
}

describe('runs have exactly one owner', () => {
  it('a CLI killed mid-run whose parent has not reaped it (a zombie) is dead: resume succeeds at once, not RUN_BUSY', async () => {
    const { dir, model, db } = await project(40, 40);
    // sh starts the run in the background, then becomes `sleep`, which never waits for children.
    const parent = spawn('sh', ['-c', `"$0" "$1" run --db "$2" --base-url "$3" --model m --checkpoint c --evalsets evalsets/bio.jsonl --concurrency 1 >/dev/null 2>&1 & echo $!; exec sleep 600`,
      process.execPath, BIN, db, model.url], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'], env: { PATH: process.env.PATH ?? '' } });
    try {
      const pid = await new Promise<number>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
      await waitFor(() => storedResults(db, 1) >= 3, 15_000, 'the CLI to store 3 results');
      process.kill(pid, 'SIGKILL');
      await waitFor(() => procState(pid) === 'Z', 5_000, `pid ${pid} to be a zombie`);
      const resumed = await exitOf(spawnTunegate(['resume', '1', '--db', db, '--json'], dir));
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'completed', counts: { results: 40 } });
      expect(procState(pid), 'still a zombie: the test checked what it meant to').toBe('Z');
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('three processes race to resume one run: one executes it, the others are refused, no prompt is sent twice', async () => {
    const { dir, model, db } = await project(40, 30);
    const first = spawnTunegate(['run', '--db', db, '--base-url', model.url, '--model', 'm', '--checkpoint', 'c', '--evalsets', 'evalsets/bio.jsonl', '--concurrency', '2'], dir);
    await waitFor(() => storedResults(db, 1) >= 4, 15_000, '4 stored results');
    first.proc.kill('SIGINT');
    expect((await first.exit).code).toBe(130);
    const before = model.requests.length;

    // Hold the write lock while they start, so all three check the run and reach their claim
    // together (SQLite queues writers: busy_timeout is 5 s); then let them race.
    const lock = new Database(db);
    lock.exec('BEGIN IMMEDIATE');
    const racers = [0, 1, 2].map(() => spawnTunegate(['resume', '1', '--db', db, '--json'], dir));
    await new Promise((r) => setTimeout(r, 2_500));
    lock.exec('COMMIT');
    lock.close();
    const outcomes = await Promise.all(racers.map(exitOf));
    const winners = outcomes.filter((o) => o.code === 0);
    const losers = outcomes.filter((o) => o.code !== 0);
    expect(winners, outcomes.map((o) => o.stderr).join('\n')).toHaveLength(1);
    expect(JSON.parse(winners[0]!.stdout)).toMatchObject({ status: 'completed', counts: { results: 40 } });
    for (const l of losers) {
      expect(l.code).toBe(2);
      expect(l.stderr).toMatch(/run 1 is being executed by pid \d+ on host \S+ \(lease until /);
    }
    expect(sentTwice({ requests: model.requests.slice(before) })).toEqual([]);
  });

  it('the CLI cannot resume a run a server on another host is executing', async () => {
    const { dir, model, db } = await project(60, 40);
    const { server } = await serve({ dir, files: {}, dbPath: db });
    try {
      expect((await postJson(`${server.url}/api/checkpoints`, { name: 'c', baseUrl: model.url, model: 'm' })).status).toBe(201);
      expect((await postJson(`${server.url}/api/runs`, { checkpoint: 'c', concurrency: 1 })).status).toBe(202);
      await waitFor(() => storedResults(db, 1) >= 3, 15_000, 'the server to start the run');
      sql(db, (d) => d.prepare("UPDATE runs SET owner_host = 'tunegate-server-2' WHERE id = 1").run());
      const cli = await exitOf(spawnTunegate(['resume', '1', '--db', db], dir));
      expect(cli.code, cli.stderr).toBe(2);
      expect(cli.stderr).toContain(`run 1 is being executed by pid ${process.pid} on host tunegate-server-2 (lease until `);
      const done = await readSse(`${server.url}/api/runs/1/events`, (e) => e.event === 'finished');
      expect(done.at(-1)!.data).toMatchObject({ status: 'completed', progress: { done: 60 } });
      expect(sentTwice(model)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('a CLI killed mid-run: its followers are told, and once its lease expires the API cancels and resumes it', async () => {
    const { dir, model, db } = await project(40, 40);
    const { server } = await serve({ dir, files: {}, dbPath: db });
    try {
      const cli = spawnTunegate(['run', '--db', db, '--base-url', model.url, '--model', 'm', '--checkpoint', 'c', '--evalsets', 'evalsets/bio.jsonl', '--concurrency', '1', '--lease', '3'], dir);
      await waitFor(() => storedResults(db, 1) >= 5, 15_000, '5 stored results');
      cli.proc.kill('SIGKILL');
      await cli.exit;
      // The CLI ran on a CI machine sharing the file: nothing here can see that it died, but its lease stops being renewed.
      sql(db, (d) => d.prepare("UPDATE runs SET owner_host = 'ci-runner-7' WHERE id = 1").run());
      const follower = readSse(`${server.url}/api/runs/1/events`, (e) => e.event === 'finished', 30_000);

      const early = await postJson(`${server.url}/api/runs/1/resume`);
      expect(early.status).toBe(409);
      expect(((await early.json()) as { error: string }).error).toContain('on host ci-runner-7 (lease until ');
      expect(status(db)).toBe('running');
      // Recorded for the owner to read at its next heartbeat; it has none, so whoever finds its lease expired honours it.
      const cancel = await postJson(`${server.url}/api/runs/1/cancel`);
      expect(cancel.status).toBe(202);
      expect(await cancel.json()).toEqual({ id: 1, status: 'running' });
      const finished = (await follower).at(-1)!;
      expect(finished.event).toBe('finished');
      expect(finished.data.status).toBe('cancelled');

      const sentBefore = model.requests.length;
      expect((await postJson(`${server.url}/api/runs/1/resume`)).status).toBe(202);
      const done = await readSse(`${server.url}/api/runs/1/events`, (e) => e.event === 'finished', 30_000);
      expect(done.at(-1)!.data).toMatchObject({ status: 'completed', progress: { done: 40, total: 40 } });
      expect(sentTwice({ requests: model.requests.slice(sentBefore) })).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('a cancel through the API stops a run a live CLI executes; the CLI exits 130', async () => {
    const { dir, model, db } = await project(80, 30);
    const { server } = await serve({ dir, files: {}, dbPath: db });
    try {
      const cli = spawnTunegate(['run', '--db', db, '--base-url', model.url, '--model', 'm', '--checkpoint', 'c', '--evalsets', 'evalsets/bio.jsonl', '--concurrency', '1'], dir);
      await waitFor(() => storedResults(db, 1) >= 3, 15_000, '3 stored results');
      const r = await postJson(`${server.url}/api/runs/1/cancel`);
      expect(r.status).toBe(202);
      expect(await r.json()).toEqual({ id: 1, status: 'running' });
      const t0 = Date.now();
      const out = await exitOf(cli);
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(out.code, out.stderr).toBe(130);
      expect(out.stderr).toContain('cancelled');
      expect(status(db)).toBe('cancelled');
      expect(storedResults(db, 1)).toBeLessThan(80);
    } finally {
      await server.close();
    }
  });

  it('through the API: a run whose owner on another host let its lease expire is cancelled or resumed at once', async () => {
    const model = await endpoint(echo);
    const { app, store } = await testApp();
    await app.ready();
    const c = store.checkpoints.add({ name: 'c', baseUrl: model.url, model: 'm' });
    for (const id of [1, 2]) {
      expect(createRun(store, c, [evalSet('bio', ...keywordItems(3))], DEFAULT_PARAMS)).toBe(id);
      store.runs.finish(id, 'interrupted', null);
      // Claimed by a process elsewhere for 400 ms, then never renewed.
      expect(store.runs.claim(id, { pid: 1, host: 'ci-runner-7', pidns: null }, `token-${id}`, 400)).toBe(true);
    }
    expect((await app.inject({ method: 'POST', url: '/api/runs/2/resume', payload: {} })).statusCode).toBe(409);
    await new Promise((r) => setTimeout(r, 500));
    const cancel = await post(app, '/api/runs/1/cancel');
    expect(cancel.statusCode).toBe(202);
    expect(cancel.json()).toEqual({ id: 1, status: 'cancelled' });
    expect(store.runs.hold(1)).toMatchObject({ status: 'cancelled', ownerToken: null });
    const resume = await app.inject({ method: 'POST', url: '/api/runs/2/resume', payload: {} });
    expect(resume.statusCode, resume.body).toBe(202);
    expect(store.runs.renew(2, 'token-2', 400)).toBe('lost');
    expect((await waitForStatus(app, 2, ['completed'])).progress).toMatchObject({ done: 3, total: 3 });
  });
});
