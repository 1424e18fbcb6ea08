import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/open.js';
import { cli } from '../helpers/cli.js';
import { serve } from '../helpers/server.js';
import { syntheticRun } from '../helpers/synthetic.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';

/** A database with one completed run of `items` results, each prompt ~2 KB (so the results table spans many pages). */
function databaseWithRun(items: number): { dir: string; db: string } {
  const dir = tempDir();
  writeFiles(dir, { 'evalsets/bio.jsonl': '' });
  const db = join(dir, 'tunegate.db');
  const store = openStore(db);
  syntheticRun(store, { checkpoint: 'c', outcomes: Array.from({ length: items }, (_, i) => i % 2 === 0), prompt: (i) => `question ${i} ${'x'.repeat(2000)}` });
  store.close(); // the last connection folds the WAL into the file
  return { dir, db };
}

/** Overwrites the middle of a leaf page of the results table (a b-tree page holding rows, not the header) with garbage. */
function damageResultsPage(db: string): void {
  const d = new Database(db, { readonly: true });
  const pageSize = d.pragma('page_size', { simple: true }) as number;
  const leaves = (d.prepare("SELECT pageno FROM dbstat WHERE name = 'results' AND pagetype = 'leaf' ORDER BY pageno").all() as { pageno: number }[]).map((r) => r.pageno);
  d.close();
  expect(leaves.length).toBeGreaterThan(10);
  const page = leaves[Math.floor(leaves.length / 2)]!;
  const fd = openSync(db, 'r+');
  try {
    // The page header's cell count and cell pointers, then part of the cells: nonsense offsets.
    writeSync(fd, Buffer.alloc(pageSize / 2, 0xa5), 0, pageSize / 2, (page - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
}

describe('a damaged database file', () => {
  it('is refused at open by the CLI (exit 2, naming the file and what to do) and by the server, and nothing is written to it', async () => {
    const { dir, db } = databaseWithRun(600);
    damageResultsPage(db);
    const runs = await cli(['runs', '--db', db], { cwd: dir });
    expect(runs.code, runs.stdout).toBe(2);
    expect(runs.stderr).toContain(db);
    expect(runs.stderr).toMatch(/damaged/);
    expect(runs.stderr).toMatch(/backup/);
    expect(runs.stderr).toContain('.recover');
    expect(runs.stderr).not.toMatch(/\n\s+at /); // no stack trace

    const add = await cli(['checkpoint', 'add', 'd', '--db', db, '--base-url', 'http://127.0.0.1:1/v1', '--model', 'm'], { cwd: dir });
    expect(add.code).toBe(2);
    const check = new Database(db, { readonly: true });
    expect((check.prepare('SELECT COUNT(*) AS n FROM checkpoints').get() as { n: number }).n).toBe(1);
    check.close();

    await expect(serve({ dir, files: {}, dbPath: db }))
      .rejects.toThrow(expect.objectContaining({ code: 'DATABASE_DAMAGED', message: expect.stringContaining(db) }));
  });

  it('found damaged while serving: the API says the database is damaged (503, no stack trace) and /api/health is not ok', async () => {
    const { dir, db } = databaseWithRun(3000);
    const { server } = await serve({ dir, files: {}, dbPath: db });
    try {
      expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
      damageResultsPage(db);
      // Every page of results: the damaged one is read from the file (the cache holds far less than the table).
      const r = await fetch(`${server.url}/api/runs/1/results?limit=500&offset=0&outcome=fail`);
      const body = (await r.json()) as { error: string; code: string };
      expect(r.status, JSON.stringify(body)).toBe(503);
      expect(body.code).toBe('DATABASE_DAMAGED');
      expect(body.error).toMatch(/damaged/);
      expect(body.error).not.toMatch(/\n\s+at /);
      const health = await fetch(`${server.url}/api/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ ok: false, error: expect.stringMatching(/damaged/) });
    } finally {
      await server.close();
    }
  });
});
