import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnServe } from '../helpers/bin.js';
import { cli } from '../helpers/cli.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { keywordItems } from '../helpers/run.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

/** Model "bad" answers nothing useful, "flaky" refuses one item; every other model echoes the prompt (each keyword item passes). */
const byModel = (req: { model: string; userText: string }) =>
  (req.model === 'bad' ? { content: 'no idea' } : req.model === 'flaky' && req.userText === 'question q3' ? { status: 400 } : echo(req as never));

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');
/** JUnit without its timestamp, the one part that differs between two renderings of a report. */
const untimed = (xml: string) => xml.replace(/timestamp="[^"]*"/, 'timestamp=""');

describe('tunegate run --server URL --gate', () => {
  it('gates on the server: no baseline 0 (2 with --require-baseline), pass 0, regression 1 with JUnit and Markdown written as a local gate writes them', async () => {
    const model = await endpoint(byModel);
    const dir = tempDir();
    writeFiles(dir, { 'evalsets/bio.jsonl': jsonl(...keywordItems(12)) });
    const db = join(dir, 'server.db');
    const { child, url } = await spawnServe(dir, ['--db', db, '--quiet']);
    const cwd = tempDir();
    const run = (checkpoint: string, modelName: string, step: number, ...rest: string[]) => cli(['run', '--server', url, '--base-url', model.url, '--model', modelName,
      '--checkpoint', checkpoint, '--step', String(step), '--evalsets', 'bio', '--no-likelihood', '--gate', ...rest], { cwd });
    try {
      // A first build: nothing to compare with.
      const first = await run('base', 'good', 0, '--json', '--junit', 'first.xml', '--markdown', 'first.md');
      expect(first.code, first.stderr).toBe(0);
      expect(first.json()).toMatchObject({ run: { runId: 1, status: 'completed' }, gate: { verdict: 'no-baseline', head: { runId: 1 } } });
      expect(read(cwd, 'first.xml')).toContain('<skipped message="no baseline');
      expect(read(cwd, 'first.md')).toContain('no baseline');
      const required = await run('base', 'good', 0, '--require-baseline');
      expect(required.code, required.stderr).toBe(2);
      expect(required.stderr).toContain('a reference is required');

      const flag = await fetch(`${url}/api/checkpoints/base`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ baseline: true }) });
      expect(flag.status).toBe(200);
      const pass = await run('good', 'good', 1);
      expect(pass.code, pass.stderr).toBe(0);
      expect(pass.stdout).toMatch(/run 3 · checkpoint good/);
      expect(pass.stdout).toContain('gate: ✅ pass: run 3 (good, step 1) vs baseline run 2 (base, step 0)');
      // The dashboard the links point at: the server itself unless told otherwise.
      expect(pass.stdout).toContain(`dashboard: ${url}/compare?base=2&head=3 (head run ${url}/runs/3, baseline run ${url}/runs/2)`);
      const elsewhere = await cli(['run', 'good', '--server', url, '--evalsets', 'bio', '--no-likelihood', '--gate'], { cwd, env: { TUNEGATE_DASHBOARD_URL: 'https://dash.example/tg/' } });
      expect(elsewhere.code, elsewhere.stderr).toBe(0);
      expect(elsewhere.stdout).toContain('dashboard: https://dash.example/tg/compare?base=2&head=4');

      const worse = await run('bad', 'bad', 2, '--junit', 'gate.xml', '--markdown', 'gate.md', '--html', 'gate.html');
      expect(worse.code, worse.stderr).toBe(1);
      expect(worse.stdout).toContain('gate: ❌ regression: run 5 (bad, step 2) vs baseline run 2 (base, step 0)');
      expect(read(cwd, 'gate.xml')).toMatch(/<failure type="regression" message="bio_accuracy: base 1\.000, head 0\.000/);
      expect(read(cwd, 'gate.md')).toContain('## tunegate gate: ❌ regression');
      expect(read(cwd, 'gate.md')).toContain(`[compare in the dashboard](<${url}/compare?base=2&head=5>) · [head run 5](<${url}/runs/5>) · [baseline run 2](<${url}/runs/2>)`);
      expect(read(cwd, 'gate.xml')).toContain(`; dashboard: ${url}/compare?base=2&amp;head=5">`);
      expect(worse.stdout).toContain(`dashboard: ${url}/compare?base=2&head=5`);
      // The HTML report, read from the server's API: the gated pair, its verdict and both runs.
      const embedded = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(read(cwd, 'gate.html'))![1]!);
      expect(embedded).toMatchObject({ gate: { verdict: 'regression', head: { runId: 5 }, baseline: { runId: 2 } }, runs: { base: { runId: 2 }, head: { runId: 5 } }, dashboardUrl: url });
      expect(embedded.comparison.reference).toEqual(embedded.gate.reference);
      expect(embedded.definitions.metrics.map((m: { name: string }) => m.name)).toContain('bio_accuracy');
      // The files are a local gate's of the same runs (the server's database, read by this process).
      const local = await cli(['gate', '--run', '5', '--db', db, '--junit', 'local.xml', '--markdown', 'local.md', '--dashboard-url', url], { cwd });
      expect(local.code, local.stderr).toBe(1);
      expect(read(cwd, 'gate.md')).toBe(read(cwd, 'local.md'));
      expect(untimed(read(cwd, 'gate.xml'))).toBe(untimed(read(cwd, 'local.xml')));

      // Every gate option reaches GET /api/gate.
      const lenient = await run('bad', 'bad', 2, '--json', '--baseline', 'base', '--metrics', 'bio_accuracy', '--tolerance', 'bio_accuracy=1', '--alpha', '0.1',
        '--max-errors', '2', '--no-significance', '--allow-mismatch');
      expect(lenient.code, lenient.stderr).toBe(0);
      expect(lenient.json().gate).toMatchObject({ verdict: 'pass', baseline: { runId: 2 }, alpha: 0.1, maxErrors: 2, significance: false, metrics: [{ metric: 'bio_accuracy', tolerance: 1 }] });

      // A run with an errored item is gated all the same, and cannot be trusted (exit 3).
      const flaky = await run('flaky', 'flaky', 3, '--retries', '0');
      expect(flaky.code, flaky.stderr).toBe(3);
      expect(flaky.stdout).toContain('gate: ⚠️ untrusted');

      // The server's refusals name the CLI's flags, not its querystring fields.
      const measuredApart = await run('bad', 'bad', 2, '--temperature', '0.5');
      expect(measuredApart.code).toBe(2);
      expect(measuredApart.stderr).toContain('--allow-mismatch');
      expect(measuredApart.stderr).not.toContain('querystring');
    } finally {
      child.proc.kill('SIGTERM');
      await child.exit;
    }
  }, 60_000);
});
