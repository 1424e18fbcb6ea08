import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { startServer } from '../../server/main.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { spawnTunegate } from '../helpers/bin.js';
import { cli } from '../helpers/cli.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { JSON_TYPE, post, SERVER_EVALSETS, testApp, waitForStatus } from '../helpers/server.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';


/** What the server's process has in its environment; only MODEL_KEY is allowed. */
const ENV = { MODEL_KEY: 'sk-model-allowed-0001', TUNEGATE_TOKEN: 'server-token-0002', OTHER_SECRET: 'sk-other-0003', ANTHROPIC_API_KEY: 'sk-ant-0004' };

describe('the server reads only the key variables it was told it may use', () => {
  it('refuses any other apiKeyEnv with a 400 that lists the allowed names and is the same whether the variable is set or not', async () => {
    const capture = await endpoint(echo);
    const { app, store } = await testApp({ env: ENV, keyEnvs: ['MODEL_KEY'] });
    const refusals: string[] = [];
    for (const name of ['TUNEGATE_TOKEN', 'OTHER_SECRET', 'PATH', 'NEVER_SET_ANYWHERE']) {
      const r = await post(app, '/api/checkpoints', { name: `c-${name}`, baseUrl: capture.url, model: 'm', apiKeyEnv: name, autoRun: true });
      expect(r.statusCode, name).toBe(400);
      expect(r.json().error).toContain('body/apiKeyEnv');
      expect(r.json().error).toContain('allowed with `tunegate serve --key-env NAME`: MODEL_KEY');
      refusals.push(r.json().error.replace(name, 'NAME'));
    }
    // A set and an unset variable get the same answer: nothing to probe.
    expect(new Set(refusals).size).toBe(1);
    expect(capture.requests).toEqual([]);
    expect(store.checkpoints.list()).toEqual([]);
    expect(store.runs.list({})).toEqual([]);
  });

  it("refuses a judge's keyEnv, and the anthropic judge unless ANTHROPIC_API_KEY is allowed, at registration and per run", async () => {
    const capture = await endpoint(echo);
    const { app } = await testApp({ env: ENV, keyEnvs: ['MODEL_KEY'] });
    const judge = { spec: `openai:j@${capture.url}`, keyEnv: 'OTHER_SECRET' };
    let r = await post(app, '/api/checkpoints', { name: 'c', baseUrl: capture.url, model: 'm', judge });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toMatch(/^body\/judge: this server may not read the key variable "OTHER_SECRET".*: MODEL_KEY$/);
    r = await post(app, '/api/checkpoints', { name: 'c', baseUrl: capture.url, model: 'm', judge: { spec: 'anthropic:claude' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toContain('"ANTHROPIC_API_KEY"');

    expect((await post(app, '/api/checkpoints', { name: 'c', baseUrl: capture.url, model: 'm', apiKeyEnv: 'MODEL_KEY' })).statusCode).toBe(201);
    r = await post(app, '/api/runs', { checkpoint: 'c', judge });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toContain('body/judge: this server may not read the key variable "OTHER_SECRET"');
    r = await post(app, '/api/runs', { checkpoint: 'c', judge: { spec: 'anthropic:claude' } });
    expect(r.statusCode).toBe(400);
    expect(capture.requests).toEqual([]);
  });

  it('says an allowed variable is unset (only an allowed one), and uses an allowed one', async () => {
    const model = await endpoint(echo);
    const { app } = await testApp({ env: { MODEL_KEY: ENV.MODEL_KEY }, keyEnvs: ['MODEL_KEY', 'SPARE_KEY'] });
    const unset = await post(app, '/api/checkpoints', { name: 'u', baseUrl: model.url, model: 'm', apiKeyEnv: 'SPARE_KEY', autoRun: true });
    expect(unset.statusCode).toBe(400);
    expect(unset.json().error).toContain('SPARE_KEY is not set');
    const ok = await post(app, '/api/checkpoints', { name: 'c', baseUrl: model.url, model: 'm', apiKeyEnv: 'MODEL_KEY', autoRun: true, evalsets: ['bio'] });
    expect(ok.statusCode).toBe(201);
    await waitForStatus(app, ok.json().run.id, ['completed']);
    expect(model.requests[0]!.headers.authorization).toBe(`Bearer ${ENV.MODEL_KEY}`);
  });

  it('a checkpoint the CLI registered with another variable cannot make the server send it: refused per run, on resume, and by the queue', async () => {
    const capture = await endpoint(echo);
    const { app, store, queue, dir, dbPath } = await testApp({ env: ENV, keyEnvs: ['MODEL_KEY'] });
    // The user's own shell registers it on the same database: the CLI reads what the user names.
    const add = await cli(['checkpoint', 'add', 'cli-ck', '--db', dbPath, '--base-url', capture.url, '--model', 'm', '--api-key-env', 'OTHER_SECRET'], { cwd: dir, env: ENV });
    expect(add.code, add.stderr).toBe(0);

    const r = await post(app, '/api/runs', { checkpoint: 'cli-ck' });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toContain('checkpoint cli-ck: apiKeyEnv: this server may not read the key variable "OTHER_SECRET"');
    expect(r.json().error).toContain(': MODEL_KEY');

    // A run queued in the database (as a CLI or an older server would leave it): the queue refuses it.
    const checkpoint = store.checkpoints.get('cli-ck');
    const sets = loadEvalSets([join(dir, 'evalsets', 'bio.jsonl')], dir);
    const runId = createRun(store, checkpoint, sets, { ...DEFAULT_PARAMS }, 'queued');
    queue.pump();
    const failed = await waitForStatus(app, runId, ['failed']);
    expect(failed.error).toContain('may not read the key variable "OTHER_SECRET"');

    const resumed = await post(app, `/api/runs/${runId}/resume`);
    expect(resumed.statusCode).toBe(400);
    expect(resumed.json().error).toContain('"OTHER_SECRET"');
    expect(capture.requests).toEqual([]);
  });

  it('never allows TUNEGATE_TOKEN, neither by flag nor by TUNEGATE_KEY_ENVS', async () => {
    const dir = tempDir();
    writeFiles(dir, SERVER_EVALSETS);
    const opts = { host: '127.0.0.1', port: 0, dbPath: join(dir, 'db.sqlite'), evalsetsDir: join(dir, 'evalsets') };
    await expect(startServer({ ...opts, env: ENV, keyEnvs: ['MODEL_KEY', 'TUNEGATE_TOKEN'] })).rejects.toThrow(/--key-env TUNEGATE_TOKEN: the server's own token is never a key/);
    await expect(startServer({ ...opts, env: { ...ENV, TUNEGATE_KEY_ENVS: 'MODEL_KEY,TUNEGATE_TOKEN' } })).rejects.toThrow(/TUNEGATE_TOKEN/);
    await expect(startServer({ ...opts, env: ENV, keyEnvs: ['not a name'] })).rejects.toThrow(/--key-env: "not a name" is not an environment variable name/);

    const child = spawnTunegate(['serve', '--port', '0', '--db', 'db.sqlite', '--key-env', 'TUNEGATE_TOKEN'], dir, ENV);
    const { code } = await child.exit;
    expect(code).toBe(2);
    expect(child.stderr()).toContain("the server's own token is never a key it may send");
  });

  it('tunegate serve --key-env NAME (repeatable) allows exactly those names; TUNEGATE_KEY_ENVS is the environment form', async () => {
    const dir = tempDir();
    writeFiles(dir, SERVER_EVALSETS);
    const opts = { host: '127.0.0.1', port: 0, dbPath: join(dir, 'db.sqlite'), evalsetsDir: join(dir, 'evalsets') };
    for (const server of [
      await startServer({ ...opts, env: ENV, keyEnvs: ['MODEL_KEY', 'SPARE_KEY'] }),
      await startServer({ ...opts, dbPath: join(dir, 'db2.sqlite'), env: { ...ENV, TUNEGATE_KEY_ENVS: 'MODEL_KEY, SPARE_KEY' } }),
    ]) {
      try {
        expect(server.settings.keyEnvs).toEqual(['MODEL_KEY', 'SPARE_KEY']);
        const r = await fetch(`${server.url}/api/checkpoints`, { method: 'POST', headers: { ...JSON_TYPE, authorization: `Bearer ${ENV.TUNEGATE_TOKEN}` }, body: JSON.stringify({ name: 'c', baseUrl: 'http://127.0.0.1:9/v1', model: 'm', apiKeyEnv: 'OTHER_SECRET' }) });
        expect(r.status).toBe(400);
        expect(((await r.json()) as { error: string }).error).toContain(': MODEL_KEY, SPARE_KEY');
      } finally {
        await server.close();
      }
    }
    const help = await cli(['serve', '--help'], { cwd: dir });
    expect(help.stdout).toContain('--key-env NAME');
    expect(help.stdout).toContain('TUNEGATE_KEY_ENVS');
  });
});
