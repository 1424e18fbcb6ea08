/*
 * `checkpoint edit` and `checkpoint remove` (locally and with --server), and the "did you mean
 * URL/v1?" refusal of a base URL whose model list is a 404: against real loopback endpoints that
 * serve their routes under /v1 only, a real SQLite file and a real listening server.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../server/main.js';
import { cli } from '../helpers/cli.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { SERVER_EVALSETS } from '../helpers/server.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';

/** A vLLM-like endpoint serving model "m" under /v1 only, and its URL without the /v1. */
async function served(): Promise<{ url: string; root: string; requests: () => number }> {
  const e = await endpoint(echo, { accent: 'vllm', models: ['m'] });
  return { url: e.url, root: e.url.replace(/\/v1$/, ''), requests: () => e.requests.length };
}

const hint = (root: string) => `${root} answers GET ${root}/models with 404 (not found): did you mean ${root}/v1?`;

function project(): string {
  const cwd = tempDir();
  writeFiles(cwd, SERVER_EVALSETS);
  return cwd;
}

describe('a base URL without /v1 whose model list is a 404', () => {
  it('is refused with "did you mean URL/v1?" by checkpoint add, run --base-url and checkpoint edit, before anything is stored', async () => {
    const e = await served();
    const cwd = project();
    const add = await cli(['checkpoint', 'add', 'c', '--base-url', e.root, '--model', 'm'], { cwd });
    expect(add.code).toBe(2);
    expect(add.stderr).toContain(`--base-url: ${hint(e.root)}`);
    const run = await cli(['run', '--base-url', `${e.root}/`, '--model', 'm', '--checkpoint', 'c', '--evalsets', 'bio'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--base-url: ${hint(e.root)}`);
    expect((await cli(['checkpoint', 'list', '--json'], { cwd })).json()).toEqual([]);
    expect(e.requests()).toBe(0);

    // A wrong model is refused at registration too; the right URL and model register.
    const wrong = await cli(['checkpoint', 'add', 'c', '--base-url', e.url, '--model', 'nope'], { cwd });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('does not serve model "nope"');
    expect((await cli(['checkpoint', 'add', 'c', '--base-url', e.url, '--model', 'm'], { cwd })).code).toBe(0);
    const edit = await cli(['checkpoint', 'edit', 'c', '--base-url', e.root], { cwd });
    expect(edit.code).toBe(2);
    expect(edit.stderr).toContain(`--base-url: ${hint(e.root)}`);
    expect((await cli(['checkpoint', 'list', '--json'], { cwd })).json()[0].baseUrl).toBe(e.url);
    // --no-model-check: not checked, so only a warning with the same hint.
    const unchecked = await cli(['checkpoint', 'add', 'd', '--base-url', e.root, '--model', 'm', '--no-model-check'], { cwd });
    expect(unchecked.code, unchecked.stderr).toBe(0);
    expect(unchecked.stderr).toContain(`warning: ${hint(e.root)}`);
  });
});

describe('tunegate checkpoint edit and remove', () => {
  it('edit fixes a wrong URL and keeps the runs; it validates like add; remove needs --force while runs exist', async () => {
    const a = await served();
    const b = await served();
    const cwd = project();
    expect((await cli(['checkpoint', 'add', 'c', '--base-url', a.url, '--model', 'm', '--step', '1', '--tag', 'mix=bio'], { cwd })).code).toBe(0);
    expect((await cli(['run', 'c', '--evalsets', 'bio'], { cwd })).code).toBe(0);

    for (const [args, why] of [
      [['--base-url', 'http://user:pw@127.0.0.1:1/v1'], /user name or password|password/],
      [['--step', '-1'], /--step must be a whole number ≥ 0/],
      [['--tag', 'constructor=x'], /--tag: /],
      [['--model', 'nope'], /does not serve model "nope"/],
      [[], /needs something to change/],
    ] as const) {
      const r = await cli(['checkpoint', 'edit', 'c', ...args], { cwd });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(why);
    }
    expect((await cli(['checkpoint', 'edit', 'nope', '--step', '3'], { cwd })).stderr).toContain('no checkpoint named "nope"');

    const edited = await cli(['checkpoint', 'edit', 'c', '--base-url', b.url, '--step', '5', '--tag', 'lr=1e-5', '--json'], { cwd });
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.json()).toMatchObject({ name: 'c', baseUrl: b.url, baseUrls: [b.url], model: 'm', step: 5, tags: { mix: 'bio', lr: '1e-5' } });
    const runs = (await cli(['runs', '--json'], { cwd })).json();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ checkpoint: 'c', status: 'completed' });
    expect((await cli(['run', 'c', '--evalsets', 'bio'], { cwd })).code).toBe(0);
    expect(b.requests()).toBeGreaterThan(0);

    const refused = await cli(['checkpoint', 'remove', 'c'], { cwd });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('checkpoint "c" has 2 runs; delete with --force to remove them too');
    const removed = await cli(['checkpoint', 'remove', 'c', '--force'], { cwd });
    expect(removed.code, removed.stderr).toBe(0);
    expect((await cli(['runs', '--json'], { cwd })).json()).toEqual([]);
    // The name is free again.
    expect((await cli(['checkpoint', 'add', 'c', '--base-url', b.url, '--model', 'm'], { cwd })).code).toBe(0);
    expect((await cli(['checkpoint', 'remove', 'c'], { cwd })).code).toBe(0);
    expect((await cli(['checkpoint', 'list', '--json'], { cwd })).json()).toEqual([]);
  });

  it('with --server: add, edit (merged tags; the hint names body/baseUrl) and remove go through the API', async () => {
    const a = await served();
    const b = await served();
    const dir = project();
    const server = await startServer({ host: '127.0.0.1', port: 0, dbPath: join(dir, 'db.sqlite'), evalsetsDir: join(dir, 'evalsets'), env: {} });
    const cwd = tempDir();
    try {
      const s = ['--server', server.url];
      const add = await cli(['checkpoint', 'add', 'c', '--base-url', a.root, '--model', 'm', ...s], { cwd });
      expect(add.code).toBe(2);
      expect(add.stderr).toContain(`body/baseUrl: ${hint(a.root)}`);
      expect((await cli(['checkpoint', 'add', 'c', '--base-url', a.url, '--model', 'm', '--tag', 'mix=bio', ...s], { cwd })).code).toBe(0);
      expect((await cli(['run', 'c', '--evalsets', 'bio', ...s], { cwd })).code).toBe(0);

      const bad = await cli(['checkpoint', 'edit', 'c', '--base-url', b.root, ...s], { cwd });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(`body/baseUrl: ${hint(b.root)}`);
      const edited = await cli(['checkpoint', 'edit', 'c', '--base-url', b.url, '--tag', 'lr=1e-5', '--step', '9', '--json', ...s], { cwd });
      expect(edited.code, edited.stderr).toBe(0);
      expect(server.store.checkpoints.get('c')).toMatchObject({ baseUrl: b.url, step: 9, tags: { mix: 'bio', lr: '1e-5' } });
      expect(server.store.runs.list({}).length).toBe(1);

      const refused = await cli(['checkpoint', 'remove', 'c', ...s], { cwd });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('has 1 runs; delete with --force');
      expect((await cli(['checkpoint', 'remove', 'c', '--force', ...s], { cwd })).code).toBe(0);
      expect(server.store.checkpoints.find('c')).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});
