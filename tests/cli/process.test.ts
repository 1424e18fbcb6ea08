import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/open.js';
import { BIN, spawnTunegate, storedResults, waitFor } from '../helpers/bin.js';
import { cli } from '../helpers/cli.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { keywordItems } from '../helpers/run.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

async function projectWithEndpoint(items: number, latencyMs: number) {
  const cwd = tempDir();
  writeFiles(cwd, { 'evalsets/bio.jsonl': jsonl(...keywordItems(items)) });
  const e = await endpoint(echo, { latencyMs });
  expect((await cli(['checkpoint', 'add', 'c', '--base-url', e.url, '--model', 'm'], { cwd })).code).toBe(0);
  return { cwd, e, db: join(cwd, 'runs/tunegate.db') };
}

function resultsOf(db: string) {
  const store = openStore(db);
  try {
    return { run: store.runs.get(1), rows: store.results.list(1) };
  } finally {
    store.close();
  }
}

describe('the tunegate binary', () => {
  it('the built binary is executable, so npx tunegate works after any rebuild', () => {
    // tsc writes files 0644; the build script must set the bit, or `npx tunegate` fails with EACCES.
    expect(statSync(BIN).mode & 0o111).not.toBe(0);
    const npx = spawnSync('npx', ['tunegate', '--version'], { encoding: 'utf8' });
    expect(npx.status, npx.stderr).toBe(0);
    expect(npx.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('prints help and version from the compiled entry point', () => {
    const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: tunegate <command>');
    const runHelp = spawnSync(process.execPath, [BIN, 'run', '--help'], { encoding: 'utf8' });
    expect(runHelp.stdout).toContain('--evalsets PATH…');
    expect(runHelp.stdout).toContain('3    the run finished but some items errored');
    expect(spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' }).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('after kill -9 mid-run, resume sends requests only for unstored items and stores no duplicate', async () => {
    const { cwd, e, db } = await projectWithEndpoint(60, 40);
    const child = spawnTunegate(['run', 'c', '--concurrency', '4'], cwd);
    await waitFor(() => storedResults(db, 1) >= 12, 15_000, '12 stored results');
    child.proc.kill('SIGKILL');
    expect((await child.exit).signal).toBe('SIGKILL');

    const before = resultsOf(db);
    expect(before.run.status).toBe('running'); // nobody got the chance to say otherwise
    const stored = new Set(before.rows.map((r) => `question ${r.itemId}`));
    expect(stored.size).toBeGreaterThanOrEqual(12);
    expect(stored.size).toBeLessThan(60);
    await new Promise((r) => setTimeout(r, 200)); // let requests in transit land in the log
    const sentBefore = e.requests.length;

    const resume = spawnTunegate(['resume', '1', '--json'], cwd);
    const { code } = await resume.exit;
    expect(code, resume.stderr()).toBe(0);
    expect(JSON.parse(resume.stdout())).toMatchObject({ runId: 1, status: 'completed', counts: { items: 60, results: 60, errors: 0 } });

    const resumedPrompts = e.requests.slice(sentBefore).map((r) => r.userText);
    expect(resumedPrompts.filter((p) => stored.has(p))).toEqual([]);
    expect(new Set(resumedPrompts).size).toBe(resumedPrompts.length);
    expect(resumedPrompts).toHaveLength(60 - stored.size);
    const after = resultsOf(db);
    expect(after.rows).toHaveLength(60);
    expect(new Set(after.rows.map((r) => r.itemId)).size).toBe(60);
    expect(after.run.status).toBe('completed');
  });

  it('on Ctrl-C keeps finished results, marks the run interrupted and exits 130', async () => {
    const { cwd, db } = await projectWithEndpoint(80, 40);
    const child = spawnTunegate(['run', 'c', '--concurrency', '2'], cwd);
    await waitFor(() => storedResults(db, 1) >= 5, 15_000, '5 stored results');
    child.proc.kill('SIGINT');
    const { code } = await child.exit;
    expect(code).toBe(130);
    expect(child.stderr()).toContain('tunegate resume 1');
    const { run, rows } = resultsOf(db);
    expect(run.status).toBe('interrupted');
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(rows.length).toBeLessThan(80);
    const resumed = await cli(['resume', '1', '--json'], { cwd });
    expect(resumed.code).toBe(0);
    expect(resumed.json().counts).toMatchObject({ items: 80, results: 80 });
  });

  it('refuses to resume a run whose owning process is still alive', async () => {
    const { cwd, db } = await projectWithEndpoint(50, 100);
    const child = spawnTunegate(['run', 'c', '--concurrency', '1'], cwd);
    try {
      await waitFor(() => storedResults(db, 1) >= 1, 15_000, 'a stored result');
      const r = await cli(['resume', '1'], { cwd });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`run 1 is being executed by pid ${child.proc.pid} on host ${hostname()} (lease until `);
    } finally {
      child.proc.kill('SIGKILL');
      await child.exit;
    }
  });
});
