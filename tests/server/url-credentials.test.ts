import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { post, testApp } from '../helpers/server.js';
import { writeFiles } from '../helpers/tmp.js';

const PASSWORD = 'pw-in-the-url-0123';
const withPassword = (url: string) => url.replace('http://', `http://alice:${PASSWORD}@`);

describe('a URL with a user name or password is refused wherever it enters, before anything is stored or sent', () => {
  it('the API answers 400 naming the field and saying to use a key variable; nothing is registered, queued or sent', async () => {
    const model = await endpoint(echo);
    const { app, store, dbPath } = await testApp();
    const bad = withPassword(model.url);
    const cases: Array<[string, string, Record<string, unknown>]> = [
      ['/api/checkpoints', 'body/baseUrl', { name: 'a', baseUrl: bad, model: 'm', autoRun: true }],
      ['/api/checkpoints', 'body/baseUrls/1', { name: 'b', baseUrls: [model.url, bad], model: 'm', autoRun: true }],
      ['/api/checkpoints', 'body/judge/spec', { name: 'c', baseUrl: model.url, model: 'm', autoRun: true, judge: { spec: `openai:j@${bad}` } }],
      ['/api/checkpoints', 'body/baseUrl', { name: 'd', baseUrl: model.url.replace('http://', 'http://token-only@'), model: 'm' }],
    ];
    for (const [url, field, body] of cases) {
      const r = await post(app, url, body);
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().code).toBe('INVALID_INPUT');
      expect(r.json().error).toMatch(new RegExp(`^${field}: `));
      expect(r.json().error).toContain(field === 'body/judge/spec' ? 'judge.keyEnv' : 'apiKeyEnv');
      expect(r.body).not.toContain(PASSWORD);
    }
    expect(store.checkpoints.list()).toEqual([]);

    expect((await post(app, '/api/checkpoints', { name: 'ok', baseUrl: model.url, model: 'm' })).statusCode).toBe(201);
    const run = await post(app, '/api/runs', { checkpoint: 'ok', judge: { spec: `openai:j@${bad}` } });
    expect(run.statusCode, run.body).toBe(400);
    expect(run.json().error).toMatch(/^body\/judge\/spec: .*keyEnv/);
    expect(run.body).not.toContain(PASSWORD);
    expect(store.runs.list({})).toEqual([]);
    expect(model.requests).toEqual([]);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(dbPath).includes(PASSWORD)).toBe(false);
  });

  it('the CLI exits 2 naming the flag (--base-url, --judge, --generator) and registers nothing', async () => {
    const model = await endpoint(echo);
    const { dir, dbPath } = await testApp();
    writeFiles(dir, { 'facts.md': '# Facts\n\n- The sky is blue.\n' });
    const bad = withPassword(model.url);
    const cases: Array<[string[], string, string]> = [
      [['checkpoint', 'add', 'a', '--base-url', bad, '--model', 'm'], '--base-url', '--api-key-env'],
      [['checkpoint', 'add', 'b', '--base-url', model.url, '--base-url', bad, '--model', 'm'], '--base-url', '--api-key-env'],
      [['checkpoint', 'add', 'c', '--base-url', model.url, '--model', 'm', '--judge', `openai:j@${bad}`], '--judge', '--judge-key-env'],
      [['run', '--base-url', bad, '--model', 'm', '--checkpoint', 'd'], '--base-url', '--api-key-env'],
      [['evalset', 'generate', '--facts', 'facts.md', '--generator', `openai:g@${bad}`, '--out-dir', 'gen'], '--generator', '--generator-key-env'],
    ];
    for (const [args, flag, keyFlag] of cases) {
      const r = await cli([...args, '--db', dbPath], { cwd: dir });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`tunegate: error: ${flag}: `);
      expect(r.stderr).toContain(keyFlag);
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    }
    const list = await cli(['checkpoint', 'list', '--json', '--db', dbPath], { cwd: dir });
    expect(list.json()).toEqual([]);
    expect(existsSync(join(dir, 'gen'))).toBe(false);
    expect(model.requests).toEqual([]);
  });
});
