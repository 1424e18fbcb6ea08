import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listedAs, serverRoot } from '../../server/runner/serving-probe.js';
import { startScriptedEndpoint } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { cli } from '../helpers/cli.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { post, testApp, waitForStatus } from '../helpers/server.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

const project = () => {
  const cwd = tempDir();
  writeFiles(cwd, { 'evalsets/bio.jsonl': jsonl({ id: 'q1', prompt: 'question one', keywords: ['question one'] }) });
  return cwd;
};
const completions = (e: { requests: Array<{ api: string }> }) => e.requests.filter((r) => r.api !== 'messages').length;

describe('the model check (GET /v1/models before a run)', () => {
  it('a model the server does not list stops `run` with exit 2 naming what it serves, before any completion and before registering', async () => {
    const e = await startScriptedEndpoint({ respond: echo, models: ['Qwen/Qwen2.5-7B-Instruct', 'sft-step-500'] });
    try {
      const cwd = project();
      const r = await cli(['run', '--base-url', e.url, '--model', 'sft-step-5000', '--checkpoint', 'c'], { cwd });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${e.url} does not serve model "sft-step-5000": it serves "Qwen/Qwen2.5-7B-Instruct", "sft-step-500" (GET /v1/models); fix --model, or skip this check with --no-model-check`);
      expect(completions(e)).toBe(0);
      const list = await cli(['checkpoint', 'list', '--json'], { cwd });
      expect(existsSync(join(cwd, 'runs/tunegate.db')) ? list.json() : []).toEqual([]);

      const skipped = await cli(['run', '--base-url', e.url, '--model', 'sft-step-5000', '--checkpoint', 'c', '--no-model-check', '--json'], { cwd });
      expect(skipped.code, skipped.stderr).toBe(0);
      expect(skipped.json().params.modelCheck).toBe(false);
      expect(skipped.json().provenance.serving).toEqual([expect.objectContaining({ modelCheck: 'skipped', models: ['Qwen/Qwen2.5-7B-Instruct', 'sft-step-500'] })]);
    } finally {
      await e.close();
    }
  });

  it('a listed model passes and is recorded in the run\'s provenance', async () => {
    const e = await startScriptedEndpoint({ respond: echo, models: ['m'] });
    try {
      const cwd = project();
      const ok = await cli(['run', '--base-url', e.url, '--model', 'm', '--checkpoint', 'c', '--json'], { cwd });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.json().provenance.serving).toEqual([{ baseUrl: e.url, server: null, version: null, contextLength: null, models: ['m'], modelCheck: 'passed' }]);
      expect(ok.stderr).not.toContain('warning');
    } finally {
      await e.close();
    }
  });

  it('a server without a model list gets a warning and the run proceeds', async () => {
    const e = await endpoint(echo); // lists no models
    const cwd = project();
    const r = await cli(['run', '--base-url', e.url, '--model', 'anything', '--checkpoint', 'c', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`warning: ${e.url} does not list its models (GET /v1/models answered an empty list); the model name "anything" was not verified`);
    expect(r.json().provenance.serving[0].modelCheck).toBe('not-listed');
  });

  it('API: POST /api/runs answers 400 MODEL_NOT_SERVED and queues nothing; modelCheck false queues it; autoRun registers nothing on refusal', async () => {
    const e = await startScriptedEndpoint({ respond: echo, models: ['served'] });
    try {
      const { app } = await testApp();
      // Registration checks the model too (issue 22); a typo stored anyway needs modelCheck: false.
      const unserved = (await post(app, '/api/checkpoints', { name: 'typo', baseUrl: e.url, model: 'serverd' })).json();
      expect(unserved.code).toBe('MODEL_NOT_SERVED');
      // Worded for the API: its fields, never the CLI's flags.
      expect(unserved.error).toContain('fix body/model, or skip this check with body/modelCheck=false');
      expect(unserved.error).not.toMatch(/--[a-z]/);
      expect((await post(app, '/api/checkpoints', { name: 'typo', baseUrl: e.url, model: 'serverd', modelCheck: false })).statusCode).toBe(201);
      const refused = await post(app, '/api/runs', { checkpoint: 'typo', evalsets: ['bio'] });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({ code: 'MODEL_NOT_SERVED', error: expect.stringContaining('does not serve model "serverd": it serves "served"') });
      expect(refused.json().error).not.toMatch(/--[a-z]/);
      expect((await app.inject({ method: 'GET', url: '/api/runs' })).json().runs).toEqual([]);

      const skipped = await post(app, '/api/runs', { checkpoint: 'typo', evalsets: ['bio'], modelCheck: false });
      expect(skipped.statusCode).toBe(202);
      expect(skipped.json().warnings).toEqual([]);
      const done = await waitForStatus(app, skipped.json().id, ['completed']);
      expect(done.params.modelCheck).toBe(false);

      const auto = await post(app, '/api/checkpoints', { name: 'auto', baseUrl: e.url, model: 'nope', autoRun: true, evalsets: ['bio'] });
      expect(auto.statusCode).toBe(400);
      expect(auto.json().code).toBe('MODEL_NOT_SERVED');
      expect((await app.inject({ method: 'GET', url: '/api/checkpoints/auto' })).statusCode).toBe(404);
      expect(completions(e)).toBe(3); // the 3 bio items of the one run with the check skipped
    } finally {
      await e.close();
    }
  });

  it('an endpoint not answering yet is a warning for a queued run (a server still loading), an error for the CLI', async () => {
    const gone = await startScriptedEndpoint({ respond: echo });
    await gone.close();
    const { app } = await testApp();
    await post(app, '/api/checkpoints', { name: 'later', baseUrl: gone.url, model: 'm' });
    const q = await post(app, '/api/runs', { checkpoint: 'later', evalsets: ['bio'], retries: 0 });
    expect(q.statusCode).toBe(202);
    expect(q.json().warnings).toEqual([expect.stringMatching(/does not answer; the run will stop if it stays down$/)]);
    const r = await cli(['run', '--base-url', gone.url, '--model', 'm', '--checkpoint', 'c'], { cwd: project() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot connect to .*ECONNREFUSED.*is the model server running and is --base-url right\?/);
  });
});

describe('model names and server roots', () => {
  it('Ollama serves "llama3" as "llama3:latest"; other names match exactly', () => {
    expect(listedAs('llama3', 'llama3:latest')).toBe(true);
    expect(listedAs('llama3', 'llama3')).toBe(true);
    expect(listedAs('llama3', 'llama3:8b')).toBe(false);
    expect(listedAs('Qwen/Qwen2.5-7B', 'qwen/qwen2.5-7b')).toBe(false);
  });

  it('reads identity routes at the server root, not under /v1', () => {
    expect(serverRoot('http://127.0.0.1:8000/v1')).toBe('http://127.0.0.1:8000');
    expect(serverRoot('http://127.0.0.1:8000/v1/')).toBe('http://127.0.0.1:8000');
    expect(serverRoot('https://gpu.internal/proxy/v1')).toBe('https://gpu.internal/proxy');
  });
});

describe('what the model check sends', () => {
  it('the key goes with GET /v1/models only, never to the identity routes guessed at the server root', async () => {
    const { createServer } = await import('node:http');
    const seen: Array<{ path: string; auth: string | undefined }> = [];
    const server = createServer((req, res) => {
      seen.push({ path: req.url ?? '', auth: req.headers.authorization });
      if (req.url === '/tenant-a/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ object: 'list', data: [{ id: 'm', object: 'model' }] }));
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const { port } = server.address() as { port: number };
      const { probeServing } = await import('../../server/runner/serving-probe.js');
      const probed = await probeServing([`http://127.0.0.1:${port}/tenant-a/v1`], 'm', { apiKey: 'sk-secret-KEY-1234567890', check: true });
      expect(probed.replicas[0]).toMatchObject({ modelCheck: 'passed', server: null });
      expect(seen.filter((s) => s.auth !== undefined)).toEqual([{ path: '/tenant-a/v1/models', auth: 'Bearer sk-secret-KEY-1234567890' }]);
      expect(seen.length).toBeGreaterThan(1); // the identity routes were asked, without the key
    } finally {
      server.close();
    }
  });

  it('autoRun on a taken name is a 409 before the new endpoint hears anything', async () => {
    const e = await startScriptedEndpoint({ respond: echo, models: ['m'] });
    const { createServer } = await import('node:http');
    let heard = 0;
    const other = createServer((_req, res) => {
      heard++;
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    try {
      const { app } = await testApp();
      expect((await post(app, '/api/checkpoints', { name: 'prod', baseUrl: e.url, model: 'm' })).statusCode).toBe(201);
      const { port } = other.address() as { port: number };
      const again = await post(app, '/api/checkpoints', { name: 'prod', baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm', autoRun: true, evalsets: ['bio'] });
      expect(again.statusCode).toBe(409);
      expect(heard).toBe(0);
    } finally {
      other.close();
      await e.close();
    }
  });
});
