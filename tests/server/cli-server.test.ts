import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/main.js';
import { cli } from '../helpers/cli.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { SERVER_EVALSETS } from '../helpers/server.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';

async function serve(env: Record<string, string> = {}): Promise<RunningServer> {
  const dir = tempDir();
  writeFiles(dir, SERVER_EVALSETS);
  return startServer({ host: '127.0.0.1', port: 0, dbPath: join(dir, 'db.sqlite'), evalsetsDir: join(dir, 'evalsets'), env });
}

describe('tunegate run/checkpoint add --server URL', () => {
  it('registers on the fly, runs on the server, follows it and exits like a local run', async () => {
    const model = await endpoint(echo);
    const server = await serve();
    const cwd = tempDir(); // no local eval sets or database: everything happens on the server
    try {
      const args = ['run', '--server', server.url, '--base-url', model.url, '--model', 'm', '--checkpoint', 'ck', '--step', '7', '--evalsets', 'bio', '--json'];
      const r = await cli(args, { cwd });
      expect(r.code, r.stderr).toBe(0);
      expect(r.json()).toMatchObject({ runId: 1, checkpoint: 'ck', step: 7, status: 'completed', metrics: { bio_accuracy: 2 / 3 }, counts: { items: 3, errors: 0 } });
      expect(r.stderr).toContain(`run 1 queued on ${server.url}`);
      expect(server.store.checkpoints.get('ck')).toMatchObject({ model: 'm', step: 7 });

      const again = await cli(['run', 'ck', '--server', server.url, '--evalsets', 'evalsets/blog.jsonl'], { cwd });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/run 2 · checkpoint ck \(step 7\) · completed · 1 items, 0 errors/);

      const clash = await cli(['run', '--server', server.url, '--base-url', model.url, '--model', 'other', '--checkpoint', 'ck'], { cwd });
      expect(clash.code).toBe(2);
      expect(clash.stderr).toContain('checkpoint "ck" is registered with --model "m", not "other"');

      const unknown = await cli(['run', 'ck', '--server', server.url, '--evalsets', 'nope'], { cwd });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('unknown eval set "nope" (available: bio, blog)');
    } finally {
      await server.close();
    }
  });

  it('exits 3 when items errored on the server', async () => {
    const model = await endpoint((req) => (req.userText === 'question two' ? { status: 400 } : echo(req)));
    const server = await serve();
    try {
      const r = await cli(['run', '--server', server.url, '--base-url', model.url, '--model', 'm', '--checkpoint', 'c', '--evalsets', 'bio', '--retries', '0'], { cwd: tempDir() });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('1 results errored after retries');
    } finally {
      await server.close();
    }
  });

  it('checkpoint add --server, tokens, and an unreachable server', async () => {
    const server = await serve({ TUNEGATE_TOKEN: 'tok' });
    const cwd = tempDir();
    try {
      const add = ['checkpoint', 'add', 'c1', '--server', server.url, '--base-url', 'http://127.0.0.1:8000/v1', '--model', 'm', '--tag', 'mix=a'];
      const refused = await cli(add, { cwd });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('set TUNEGATE_TOKEN');
      const ok = await cli(add, { cwd, env: { TUNEGATE_TOKEN: 'tok' } });
      expect(ok.code, ok.stderr).toBe(0);
      expect(server.store.checkpoints.get('c1').tags).toEqual({ mix: 'a' });
      const dup = await cli(add, { cwd, env: { TUNEGATE_TOKEN: 'tok' } });
      expect(dup.code).toBe(2);
      expect(dup.stderr).toContain('checkpoint "c1" already exists');
    } finally {
      await server.close();
    }
    const gone = await cli(['checkpoint', 'add', 'c2', '--server', 'http://127.0.0.1:1', '--base-url', 'http://h/v1', '--model', 'm'], { cwd });
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('cannot reach the tunegate server at http://127.0.0.1:1');
  });
});
