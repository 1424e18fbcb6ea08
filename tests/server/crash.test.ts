import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/open.js';
import { spawnServe, storedResults, waitFor } from '../helpers/bin.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { keywordItems } from '../helpers/run.js';
import { postJson } from '../helpers/server.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

const SECRET = 'sk-crash-test-secret-42';

/** `tunegate serve --port 0` (request logging on) on server.db, allowed to send MODEL_KEY. */
const serveProcess = (cwd: string) => spawnServe(cwd, ['--db', 'server.db', '--key-env', 'MODEL_KEY'], { MODEL_KEY: SECRET });

describe('server crash recovery', () => {
  it('kill -9 mid-run, restart: the run is interrupted, resumes, and ends with every result once', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'evalsets/bio.jsonl': jsonl(...keywordItems(40)) });
    const model = await endpoint(echo, { latencyMs: 50 });
    const db = join(cwd, 'server.db');

    const first = await serveProcess(cwd);
    const reg = await postJson(`${first.url}/api/checkpoints`, { name: 'c', baseUrl: model.url, model: 'm', apiKeyEnv: 'MODEL_KEY', autoRun: true });
    expect(reg.status).toBe(201);
    await waitFor(() => storedResults(db, 1) >= 8, 15_000, '8 stored results');
    first.child.proc.kill('SIGKILL');
    await first.child.exit;
    await new Promise((r) => setTimeout(r, 200)); // requests in transit reach the log
    const sentBefore = model.requests.length;
    const storedBefore = new Set(readRows(db).map((r) => `question ${r.itemId}`));
    expect(storedBefore.size).toBeGreaterThanOrEqual(8);
    expect(storedBefore.size).toBeLessThan(40);

    const second = await serveProcess(cwd);
    try {
      const run = (await (await fetch(`${second.url}/api/runs/1`)).json()) as { status: string; progress: { done: number } };
      expect(run.status).toBe('interrupted');
      expect(run.progress.done).toBe(storedBefore.size);
      const resumed = await postJson(`${second.url}/api/runs/1/resume`);
      expect(resumed.status).toBe(202);
      await waitFor(() => storedResults(db, 1) === 40, 20_000, 'all 40 results');
      const sentAfter = model.requests.slice(sentBefore).map((r) => r.userText);
      expect(sentAfter.filter((p) => storedBefore.has(p))).toEqual([]);
      expect(new Set(sentAfter).size).toBe(sentAfter.length);
      const rows = readRows(db);
      expect(rows).toHaveLength(40);
      expect(new Set(rows.map((r) => r.itemId)).size).toBe(40);
    } finally {
      second.child.proc.kill('SIGTERM');
      const { code } = await second.child.exit;
      expect(code).toBe(0);
    }
    const logs = first.child.stdout() + first.child.stderr() + second.child.stdout() + second.child.stderr();
    expect(logs).toContain('"url":"/api/runs/1/resume"'); // the request log was on…
    expect(logs).not.toContain(SECRET); // …and never printed the key
  });

  it('SIGTERM stops gracefully: a running run ends interrupted with its results kept', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'evalsets/bio.jsonl': jsonl(...keywordItems(40)) });
    const model = await endpoint(echo, { latencyMs: 50 });
    const db = join(cwd, 'server.db');
    const s = await serveProcess(cwd);
    await postJson(`${s.url}/api/checkpoints`, { name: 'c', baseUrl: model.url, model: 'm', autoRun: true });
    await waitFor(() => storedResults(db, 1) >= 4, 15_000, '4 stored results');
    s.child.proc.kill('SIGTERM');
    expect((await s.child.exit).code).toBe(0);
    const store = openStore(db);
    try {
      const run = store.runs.get(1);
      expect(run.status).toBe('interrupted');
      expect(store.results.counts(1).results).toBeGreaterThanOrEqual(4);
    } finally {
      store.close();
    }
  });
});

function readRows(db: string) {
  const store = openStore(db);
  try {
    return store.results.list(1);
  } finally {
    store.close();
  }
}
