import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matchesUrlPrefix } from '../../server/settings/key-bindings.js';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { startServer } from '../../server/main.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { spawnTunegate, waitFor } from '../helpers/bin.js';
import { cli } from '../helpers/cli.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { post, SERVER_EVALSETS, testApp, waitForStatus } from '../helpers/server.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';

/** What the server's process has in its environment. */
const ENV = { MODEL_KEY: 'sk-model-bound-0001', JUDGE_KEY: 'sk-judge-bound-0002', ANTHROPIC_API_KEY: 'sk-ant-bound-0003', TUNEGATE_TOKEN: 'server-token-0004' };

describe('a URL prefix a key is bound to', () => {
  it('matches scheme, host, port and path on a segment boundary, as URL normalises them', () => {
    const table: Array<[url: string, prefix: string, ok: boolean]> = [
      ['http://h:8000/v1', 'http://h:8000/v1', true],
      ['http://h:8000/v1/chat', 'http://h:8000/v1', true],
      ['http://h:8000/v1/', 'http://h:8000/v1', true],
      ['http://h:8000/v1', 'http://h:8000/v1/', true],
      ['http://h:8000/anything', 'http://h:8000', true],
      ['HTTP://H:8000/v1', 'http://h:8000/v1', true],
      ['http://h:80/v1', 'http://h/v1', true],
      ['https://h:443/v1', 'https://h/v1', true],
      ['http://bücher.example/v1', 'http://xn--bcher-kva.example/v1', true],
      ['http://h:8000/x/../v1/chat', 'http://h:8000/v1', true],
      ['http://h:8000/v1evil', 'http://h:8000/v1', false],
      ['http://h:8000/v', 'http://h:8000/v1', false],
      ['http://h:80001/v1', 'http://h:8000/v1', false],
      ['http://h:8000.evil.com/v1', 'http://h:8000/v1', false],
      ['http://h.evil.com:8000/v1', 'http://h:8000/v1', false],
      ['http://h:8000@evil.com/v1', 'http://h:8000/v1', false],
      ['http://h:8001/v1', 'http://h:8000/v1', false],
      ['https://h:8000/v1', 'http://h:8000/v1', false],
      ['http://h:8000/v1/../evil', 'http://h:8000/v1', false],
      ['http://h:8000/v1%2F..%2Fevil', 'http://h:8000/v1', false],
      ['http://h./v1', 'http://h/v1', false],
      ['not a url', 'http://h:8000/v1', false],
    ];
    for (const [url, prefix, ok] of table) expect(matchesUrlPrefix(url, prefix), `${url} under ${prefix}`).toBe(ok);
  });
});

describe('a key bound with --key-env NAME=URL_PREFIX goes only to URLs under its prefixes', () => {
  it('refuses with a 400 naming the field and the prefixes every checkpoint URL that is not under them: nothing registered, nothing sent', async () => {
    const model = await endpoint(echo);
    const port = new URL(model.url).port;
    const prefix = `http://localhost:${port}/v1`;
    const { app, store } = await testApp({ env: ENV, keyEnvs: [`MODEL_KEY=${prefix}`] });
    const bypasses = [
      `http://localhost:${port}/v1evil`,
      `http://localhost:${port}1/v1`,
      `http://localhost:${port}.evil.example/v1`,
      `http://localhost.evil.example:${port}/v1`,
      `http://localhost:${port}@127.0.0.1:${port}/v1`,
      `http://127.0.0.1:${port}/v1`,
      `https://localhost:${port}/v1`,
      `http://localhost:${port}/v1/../evil`,
    ];
    for (const [i, baseUrl] of bypasses.entries()) {
      const r = await post(app, '/api/checkpoints', { name: `c${i}`, baseUrl, model: 'm', apiKeyEnv: 'MODEL_KEY', autoRun: true, evalsets: ['bio'] });
      expect(r.statusCode, baseUrl).toBe(400);
      expect(r.json().error, baseUrl).toMatch(/^body\/baseUrl/);
      // A URL with a user part is refused before its key is looked at (it would be stored).
      if (!r.json().error.includes('must match format') && !r.json().error.includes('user name or password')) expect(r.json().error, baseUrl).toContain(`may send the key variable "MODEL_KEY" only to URLs starting with http://localhost:${port}/v1`);
    }
    // Every replica must be under a prefix: one good URL does not carry a bad one.
    const replicas = await post(app, '/api/checkpoints', { name: 'rep', baseUrls: [model.url.replace('127.0.0.1', 'localhost'), `http://127.0.0.1:${port}/v1`], model: 'm', apiKeyEnv: 'MODEL_KEY', autoRun: true, evalsets: ['bio'] });
    expect(replicas.statusCode).toBe(400);
    expect(replicas.json().error).toMatch(/^body\/baseUrls: "http:\/\/127\.0\.0\.1:\d+\/v1"/);
    expect(store.checkpoints.list()).toEqual([]);
    expect(store.runs.list({})).toEqual([]);
    expect(model.requests).toEqual([]);
  });

  it('refuses an openai judge spec and an anthropic judge outside their prefixes, at registration and per run', async () => {
    const model = await endpoint(echo);
    const judge = await endpoint(() => ({ content: '{"score": 4, "reason": "ok"}' }));
    const { app, store } = await testApp({
      env: { ...ENV, ANTHROPIC_BASE_URL: judge.url.replace('/v1', '') },
      keyEnvs: ['MODEL_KEY', `JUDGE_KEY=${judge.url}`, 'ANTHROPIC_API_KEY=https://api.anthropic.com'],
    });
    const elsewhere = `openai:j@http://127.0.0.1:${new URL(model.url).port}/v1`;
    let r = await post(app, '/api/checkpoints', { name: 'c', baseUrl: model.url, model: 'm', judge: { spec: elsewhere, keyEnv: 'JUDGE_KEY' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toContain(`body/judge: "${model.url}" is not a URL this server may send the key variable "JUDGE_KEY" to`);
    expect(r.json().error).toContain(`only to URLs starting with ${judge.url}`);
    // ANTHROPIC_BASE_URL points at the local judge, not at the bound api.anthropic.com.
    r = await post(app, '/api/checkpoints', { name: 'c', baseUrl: model.url, model: 'm', judge: { spec: 'anthropic:claude' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toContain('"ANTHROPIC_API_KEY" only to URLs starting with https://api.anthropic.com');

    expect((await post(app, '/api/checkpoints', { name: 'c', baseUrl: model.url, model: 'm' })).statusCode).toBe(201);
    r = await post(app, '/api/runs', { checkpoint: 'c', judge: { spec: elsewhere, keyEnv: 'JUDGE_KEY' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toMatch(/^body\/judge: /);
    expect(store.runs.list({})).toEqual([]);
    expect(model.requests).toEqual([]);
    expect(judge.requests).toEqual([]);
  });

  it('sends a bound key to a URL under its prefix (a run against the endpoint, on loopback), several prefixes per name', async () => {
    const model = await endpoint(echo);
    const other = await endpoint(echo);
    const { app } = await testApp({ env: ENV, keyEnvs: [`MODEL_KEY=${other.url}/chat`, `MODEL_KEY=HTTP://127.0.0.1:${new URL(model.url).port}/`] });
    const r = await post(app, '/api/checkpoints', { name: 'c', baseUrl: model.url, model: 'm', apiKeyEnv: 'MODEL_KEY', autoRun: true, evalsets: ['bio'] });
    expect(r.statusCode, r.body).toBe(201);
    await waitForStatus(app, r.json().run.id, ['completed']);
    expect(model.requests.length).toBeGreaterThan(0);
    expect(model.requests.every((q) => q.headers.authorization === `Bearer ${ENV.MODEL_KEY}`)).toBe(true);
    // The other prefix is /v1/chat: the other endpoint's /v1 is not under it.
    const refused = await post(app, '/api/checkpoints', { name: 'd', baseUrl: other.url, model: 'm', apiKeyEnv: 'MODEL_KEY' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toContain(`${other.url}/chat, http://127.0.0.1:${new URL(model.url).port}/`);
    expect(other.requests).toEqual([]);
  });

  it('sends a bound judge key to a judge URL under its prefix', async () => {
    const model = await endpoint(echo);
    const judge = await endpoint(() => ({ content: 'not a verdict' }));
    const { app } = await testApp({ env: ENV, keyEnvs: [`JUDGE_KEY=${judge.url}`] });
    const r = await post(app, '/api/checkpoints', { name: 'c', baseUrl: model.url, model: 'm', autoRun: true, evalsets: ['blog'], judge: { spec: `openai:j@${judge.url}/`, keyEnv: 'JUDGE_KEY' } });
    expect(r.statusCode, r.body).toBe(201);
    await waitForStatus(app, r.json().run.id, ['completed', 'failed']);
    // The judge runs after the run is completed.
    await waitFor(() => judge.requests.length > 0, 15_000, 'a request to the judge');
    expect(judge.requests.every((q) => q.headers.authorization === `Bearer ${ENV.JUDGE_KEY}`)).toBe(true);
  });

  it('a queued run whose checkpoint the CLI registered with another URL fails when it starts, without sending the key; resume is refused', async () => {
    const model = await endpoint(echo);
    const wrong = await endpoint(echo);
    const { app, store, queue, dir, dbPath } = await testApp({ env: ENV, keyEnvs: [`MODEL_KEY=${model.url}`] });
    const add = await cli(['checkpoint', 'add', 'cli-ck', '--db', dbPath, '--base-url', wrong.url, '--model', 'm', '--api-key-env', 'MODEL_KEY'], { cwd: dir, env: ENV });
    expect(add.code, add.stderr).toBe(0);
    const r = await post(app, '/api/runs', { checkpoint: 'cli-ck' });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toContain(`checkpoint cli-ck: baseUrls: "${wrong.url}" is not a URL this server may send the key variable "MODEL_KEY" to`);

    const sets = loadEvalSets([join(dir, 'evalsets', 'bio.jsonl')], dir);
    const runId = createRun(store, store.checkpoints.get('cli-ck'), sets, { ...DEFAULT_PARAMS }, 'queued');
    queue.pump();
    const failed = await waitForStatus(app, runId, ['failed']);
    expect(failed.error).toContain(`"${wrong.url}" is not a URL this server may send the key variable "MODEL_KEY" to`);
    expect((await post(app, `/api/runs/${runId}/resume`)).statusCode).toBe(400);
    const categorize = await post(app, '/api/categorize', { base: 'cli-ck' });
    expect(categorize.statusCode).toBe(400);
    expect(categorize.json().error).toContain('checkpoint cli-ck: baseUrls');
    // PATCH may move a checkpoint's URL only where its key may go; it cannot change the key variable.
    const patch = (payload: Record<string, unknown>) => app.inject({ method: 'PATCH', url: '/api/checkpoints/cli-ck', headers: { 'content-type': 'application/json' }, payload });
    const elsewhere = await patch({ baseUrl: `${wrong.url}/other` });
    expect(elsewhere.statusCode).toBe(400);
    expect(elsewhere.json().error).toContain('is not a URL this server may send the key variable "MODEL_KEY" to');
    expect((await patch({ apiKeyEnv: 'OTHER_KEY' })).json().error).toContain('unknown field "apiKeyEnv"');
    expect(store.checkpoints.get('cli-ck').baseUrl).toBe(wrong.url);
    expect(wrong.requests).toEqual([]);
    expect(model.requests).toEqual([]);
  });

  it('refuses a malformed prefix at start (exit 2) and warns about a plain NAME', async () => {
    const dir = tempDir();
    writeFiles(dir, SERVER_EVALSETS);
    const opts = { host: '127.0.0.1', port: 0, dbPath: join(dir, 'db.sqlite'), evalsetsDir: join(dir, 'evalsets'), env: ENV };
    for (const [spec, why] of [
      ['MODEL_KEY=not a url', /--key-env MODEL_KEY=not a url: .*not a URL/],
      ['MODEL_KEY=ftp://h/v1', /http or https/],
      ['MODEL_KEY=http://user:pw@h/v1', /user or password/],
      ['MODEL_KEY=http://h/v1?x=1', /query/],
      ['MODEL_KEY=', /not a URL/],
      ['bad name=http://h/v1', /not an environment variable name/],
    ] as const) {
      await expect(startServer({ ...opts, keyEnvs: [spec] }), spec).rejects.toThrow(why);
    }
    await expect(startServer({ ...opts, keyEnvs: ['MODEL_KEY', 'MODEL_KEY=http://h/v1'] })).rejects.toThrow(/MODEL_KEY.*both/);

    const bad = spawnTunegate(['serve', '--port', '0', '--db', 'db.sqlite', '--key-env', 'MODEL_KEY=h:8000/v1'], dir, ENV);
    expect((await bad.exit).code).toBe(2);
    expect(bad.stderr()).toContain('--key-env MODEL_KEY=h:8000/v1');
    const badEnv = spawnTunegate(['serve', '--port', '0', '--db', 'db.sqlite'], dir, { ...ENV, TUNEGATE_KEY_ENVS: 'MODEL_KEY=http://h/v1#x' });
    expect((await badEnv.exit).code).toBe(2);

    const child = spawnTunegate(['serve', '--port', '0', '--db', 'db.sqlite', '--key-env', 'MODEL_KEY', '--key-env', 'JUDGE_KEY=http://127.0.0.1:8001/v1'], dir, ENV);
    try {
      // The banner and the warnings are separate writes: a pipe may deliver them apart.
      await waitFor(() => child.stderr().includes('key variables checkpoints and judges may name'), 15_000, 'the key variables line');
      await waitFor(() => child.stderr().includes('warning: key MODEL_KEY'), 5_000, 'the plain-NAME warning');
      expect(child.stderr()).toContain('key MODEL_KEY may be sent to any URL; bind it with --key-env MODEL_KEY=URL_PREFIX');
      expect(child.stderr()).not.toContain('key JUDGE_KEY may be sent to any URL');
    } finally {
      child.proc.kill('SIGTERM');
      await child.exit;
    }
    const fromEnv = await startServer({ ...opts, env: { ...ENV, TUNEGATE_KEY_ENVS: 'MODEL_KEY=http://h:8000/v1,JUDGE_KEY' } });
    try {
      expect(fromEnv.settings.keyBindings).toEqual([{ name: 'MODEL_KEY', prefixes: ['http://h:8000/v1'] }, { name: 'JUDGE_KEY', prefixes: null }]);
    } finally {
      await fromEnv.close();
    }
  });
});
