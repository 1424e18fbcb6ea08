import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnServe, spawnTunegate, waitFor, type Child } from '../helpers/bin.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { keywordItems } from '../helpers/run.js';
import { postJson } from '../helpers/server.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

const children: Child[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) {
      c.proc.kill('SIGTERM');
      await c.exit;
    }
  }
});


/** Every run's status and error, read from the file as another process would. */
function runsIn(db: string): Array<{ id: number; status: string; error: string | null }> {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT id, status, error FROM runs ORDER BY id').all() as Array<{ id: number; status: string; error: string | null }>;
  } finally {
    d.close();
  }
}

describe('several processes writing one database', () => {
  it('two servers (--per-endpoint 2) and two CLI runs: every run completes, none "failed: database is locked"', async () => {
    const dir = tempDir();
    // Each round lost a run or more in most trials before write transactions took their lock first.
    const ROUNDS = 3;
    const RUNS_PER_SERVER = 14;
    writeFiles(dir, { 'evalsets/small.jsonl': jsonl(...keywordItems(30)), 'evalsets/big.jsonl': jsonl(...keywordItems(400, 'b')) });
    const model = await endpoint(echo, { record: false });
    const db = join(dir, 'server.db');
    const servers = [await spawnServe(dir, ['--db', db, '--per-endpoint', '2']), await spawnServe(dir, ['--db', db, '--per-endpoint', '2'])];
    children.push(...servers.map((s) => s.child));
    expect((await postJson(`${servers[0]!.url}/api/checkpoints`, { name: 'c', baseUrl: model.url, model: 'm' })).status).toBe(201);
    for (let round = 0; round < ROUNDS; round++) {
      // Two CLI runs write results all along, while the servers start and finish many small runs
      // (each end reads then writes the run's notes: where a second writer used to fail at once).
      const clis = [1, 2].map((i) => spawnTunegate(
        ['run', '--db', db, '--base-url', model.url, '--model', 'm', '--checkpoint', `cli${round}-${i}`, '--evalsets', 'evalsets/big.jsonl', '--concurrency', '4', '--json'], dir,
      ));
      children.push(...clis);
      for (let i = 0; i < RUNS_PER_SERVER; i++) {
        for (const s of servers) expect((await postJson(`${s.url}/api/runs`, { checkpoint: 'c', evalsets: ['small'], concurrency: 4 })).status).toBe(202);
      }
      const codes = await Promise.all(clis.map((c) => c.exit));
      await waitFor(() => runsIn(db).every((r) => !['queued', 'running'].includes(r.status)), 30_000, 'every run to stop');
      expect(codes.map((c) => c.code)).toEqual([0, 0]);
    }
    const runs = runsIn(db);
    expect(runs).toHaveLength(ROUNDS * (2 * RUNS_PER_SERVER + 2));
    expect(runs.filter((r) => r.status !== 'completed')).toEqual([]);
  }, 90_000);
});
