import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRun } from '../../server/runner/create-run.js';
import { executeRun } from '../../server/runner/execute-run.js';
import { DEFAULT_PARAMS } from '../../server/runs/run-options.js';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { openStore } from '../../server/store/open.js';
import { SERVER_ACCENTS } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { startServer } from '../../server/main.js';
import { loraKeepOf } from '../../server/config.js';
import { SERVER_EVALSETS } from '../helpers/server.js';
import { cli } from '../helpers/cli.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { post, testApp, waitForStatus } from '../helpers/server.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

const project = () => {
  const cwd = tempDir();
  writeFiles(cwd, { 'evalsets/bio.jsonl': jsonl({ id: 'q1', prompt: 'question one', keywords: ['question one'] }, { id: 'q2', prompt: 'question two', keywords: ['question two'] }) });
  return cwd;
};

describe('LoRA adapters loaded into a running server before the run', () => {
  it('checkpoint add --lora-path → run: vLLM gets the load with the exact body, lists the adapter, and every completion names it', async () => {
    const e = await endpoint(echo, { accent: 'vllm', lora: true, models: ['Qwen/Qwen2.5-0.5B'] });
    const cwd = project();
    const add = await cli(['checkpoint', 'add', 'sft/step:100', '--base-url', e.url, '--lora-path', '/ckpt/run1/checkpoint-100', '--step', '100', '--json'], { cwd });
    expect(add.code, add.stderr).toBe(0);
    // The default name is the checkpoint's, made safe for a model name.
    expect(add.json()).toMatchObject({ model: 'sft-step-100', lora: { path: '/ckpt/run1/checkpoint-100', name: 'sft-step-100' } });
    const list = await cli(['checkpoint', 'list'], { cwd });
    expect(list.stdout).toContain('sft-step-100 (LoRA /ckpt/run1/checkpoint-100)');

    const run = await cli(['run', 'sft/step:100', '--json'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(e.adapterRequests).toEqual([{ path: '/v1/load_lora_adapter', body: { lora_name: 'sft-step-100', lora_path: '/ckpt/run1/checkpoint-100' } }]);
    expect([...e.adapters.keys()]).toEqual(['sft-step-100']);
    expect(e.requests.length).toBe(2);
    expect(e.requests.every((r) => r.model === 'sft-step-100')).toBe(true);
    expect(run.json().provenance.endpoint).toMatchObject({ model: 'sft-step-100', lora: { path: '/ckpt/run1/checkpoint-100', name: 'sft-step-100' } });
    expect(run.json().status).toBe('completed');
    const show = await cli(['show', String(run.json().runId)], { cwd });
    expect(show.stdout).toContain(`endpoint: sft-step-100 (LoRA adapter /ckpt/run1/checkpoint-100) at ${e.url}`);
  });

  it('run --base-url --lora-path --lora-name registers on the fly; SGLang gets its own route and body', async () => {
    const e = await endpoint(echo, { accent: 'sglang', lora: true, models: ['base'] });
    const cwd = project();
    const run = await cli(['run', '--base-url', e.url, '--lora-path', '/ckpt/a', '--lora-name', 'adapter-a', '--checkpoint', 'a', '--json'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(e.adapterRequests).toEqual([{ path: '/load_lora_adapter', body: { lora_name: 'adapter-a', lora_path: '/ckpt/a' } }]);
    expect(e.requests.every((r) => r.model === 'adapter-a')).toBe(true);
    // The name stays with its adapter: another path under it is refused before anything is sent.
    const other = await cli(['run', '--base-url', e.url, '--lora-path', '/ckpt/b', '--checkpoint', 'a'], { cwd });
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('checkpoint "a" is registered with --lora-path "/ckpt/a", not "/ckpt/b"');
    expect(e.adapterRequests.length).toBe(1);
  });

  it('a server without runtime adapter loading fails the run with one error naming what it needs, before any completion', async () => {
    // vLLM and SGLang without their flags, and every server that has no adapter routes at all.
    for (const accent of SERVER_ACCENTS) {
      const e = await endpoint(echo, { accent, models: ['base'] });
      const cwd = project();
      await cli(['checkpoint', 'add', 'c', '--base-url', e.url, '--lora-path', '/ckpt/c'], { cwd });
      const run = await cli(['run', 'c'], { cwd });
      expect(run.code, `${accent}: ${run.stderr}`).toBe(2);
      expect(run.stderr, accent).toContain('cannot load LoRA adapters');
      expect(run.stderr).toContain('cannot load LoRA adapters');
      expect(run.stderr).toContain('VLLM_ALLOW_RUNTIME_LORA_UPDATING=True');
      expect(run.stderr).toContain('--enable-lora');
      expect(e.requests.length).toBe(0);
      // The run is failed with the reason, not left for the sweep to call interrupted.
      const store = openStore(join(cwd, 'runs/tunegate.db'));
      try {
        expect(store.runs.get(1)).toMatchObject({ status: 'failed', error: expect.stringContaining('cannot load LoRA adapters') });
      } finally {
        store.close();
      }
    }
  });

  it('a path the server cannot load fails the run with the server\'s own words, before any completion', async () => {
    const e = await endpoint(echo, { accent: 'vllm', lora: true, models: ['base'] });
    const cwd = project();
    await cli(['checkpoint', 'add', 'bad-path', '--base-url', e.url, '--lora-path', '/ckpt/missing-run'], { cwd });
    const run = await cli(['run', 'bad-path'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${e.url} (vLLM) did not load LoRA adapter "bad-path" from "/ckpt/missing-run": HTTP 404: No adapter found for bad-path. No item was sent.`);
    expect(e.requests.length).toBe(0);
  });

  it('an adapter already loaded under the name is loaded again from the checkpoint\'s path', async () => {
    const e = await endpoint(echo, { accent: 'vllm', lora: true, models: ['base'] });
    const cwd = project();
    await cli(['checkpoint', 'add', 'c', '--base-url', e.url, '--lora-path', '/ckpt/c'], { cwd });
    expect((await cli(['run', 'c'], { cwd })).code).toBe(0);
    expect((await cli(['run', 'c'], { cwd })).code).toBe(0);
    expect(e.adapterRequests.map((r) => r.path)).toEqual(['/v1/load_lora_adapter', '/v1/load_lora_adapter', '/v1/unload_lora_adapter', '/v1/load_lora_adapter']);
    expect(e.adapters.get('c')).toBe('/ckpt/c');
  });

  it('the API: POST /api/checkpoints with lora and autoRun loads the adapter and evaluates it', async () => {
    const e = await endpoint(echo, { accent: 'vllm', lora: true, models: ['base'] });
    const t = await testApp();
    const r = await post(t.app, '/api/checkpoints', { name: 'api-1', baseUrl: e.url, lora: { path: '/ckpt/api-1' }, autoRun: true, evalsets: ['bio'] });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ model: 'api-1', lora: { path: '/ckpt/api-1', name: 'api-1' } });
    const run = await waitForStatus(t.app, r.json().run.id, ['completed', 'failed']);
    expect(run.status, run.error).toBe('completed');
    expect(e.adapterRequests).toEqual([{ path: '/v1/load_lora_adapter', body: { lora_name: 'api-1', lora_path: '/ckpt/api-1' } }]);
    expect(e.requests.length).toBeGreaterThan(0);
    expect(e.requests.every((q) => q.model === 'api-1')).toBe(true);
    const got = await t.app.inject({ method: 'GET', url: '/api/checkpoints/api-1' });
    expect(got.json().lora).toEqual({ path: '/ckpt/api-1', name: 'api-1' });
    // PATCH moves the adapter to a new path (name kept); the model sent follows its name.
    const patched = await t.app.inject({ method: 'PATCH', url: '/api/checkpoints/api-1', payload: { lora: { path: '/ckpt/api-1-fixed', name: 'api-1b' } } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ model: 'api-1b', lora: { path: '/ckpt/api-1-fixed', name: 'api-1b' } });
    const moved = await t.app.inject({ method: 'PATCH', url: '/api/checkpoints/api-1', payload: { lora: { path: '/ckpt/api-1-v3' } } });
    expect(moved.json()).toMatchObject({ model: 'api-1b', lora: { path: '/ckpt/api-1-v3', name: 'api-1b' } });
  });

  it('the API: a queued run on a server that cannot load adapters fails with the reason, and no completion is sent', async () => {
    const e = await endpoint(echo, { accent: 'sglang', models: ['base'] });
    const t = await testApp();
    const r = await post(t.app, '/api/checkpoints', { name: 'api-2', baseUrl: e.url, lora: { path: '/ckpt/api-2', name: 'a2' }, autoRun: true, evalsets: ['bio'] });
    expect(r.statusCode, r.body).toBe(201);
    const run = await waitForStatus(t.app, r.json().run.id, ['completed', 'failed']);
    expect(run.status).toBe('failed');
    expect(run.error).toContain('(SGLang) cannot load LoRA adapters: it answered "LoRA is not enabled. Please set `--enable-lora` to enable LoRA."');
    expect(e.requests.length).toBe(0);
  });

  it('with lora-keep 2, the third adapter run unloads the oldest this server loaded, remembered in SQLite across a reopen', async () => {
    const e = await endpoint(echo, { accent: 'vllm', lora: true, models: ['base'] });
    const cwd = project();
    const dbPath = join(cwd, 'keep.db');
    const sets = loadEvalSets([join(cwd, 'evalsets/bio.jsonl')], cwd);
    for (const [i, name] of ['s1', 's2', 's3'].entries()) {
      // A fresh store each time: what was loaded is read from the file, not from memory.
      const store = openStore(dbPath);
      try {
        const c = store.checkpoints.add({ name, baseUrl: e.url, model: name, lora: { path: `/ckpt/${name}`, name }, step: i });
        const runId = createRun(store, c, sets, { ...DEFAULT_PARAMS });
        const r = await executeRun({ store, runId, env: {}, loraKeep: 2 });
        expect(r.status).toBe('completed');
      } finally {
        store.close();
      }
    }
    expect([...e.adapters.keys()]).toEqual(['s2', 's3']);
    expect(e.adapterRequests.at(-1)).toEqual({ path: '/v1/unload_lora_adapter', body: { lora_name: 's1' } });
    const store = openStore(dbPath);
    try {
      expect(store.loraLoads.beyond(e.url, 0)).toEqual(['s3', 's2']);
      // An adapter a running run asks for is not unloaded under it: s2 is running (here, reserved).
      createRun(store, store.checkpoints.get('s2'), sets, { ...DEFAULT_PARAMS });
      const s4 = store.checkpoints.add({ name: 's4', baseUrl: e.url, model: 's4', lora: { path: '/ckpt/s4', name: 's4' }, step: 4 });
      const r4 = await executeRun({ store, runId: createRun(store, s4, sets, { ...DEFAULT_PARAMS }), env: {}, loraKeep: 1 });
      expect(r4.status).toBe('completed');
      expect([...e.adapters.keys()].sort()).toEqual(['s2', 's4']);
    } finally {
      store.close();
    }
  });

  it('tunegate serve with loraKeep 2: three adapter checkpoints registered and run with --server; the oldest is unloaded, the flag sent as given', async () => {
    const e = await endpoint(echo, { accent: 'vllm', lora: true, models: ['base'] });
    const dir = tempDir();
    writeFiles(dir, SERVER_EVALSETS);
    const server = await startServer({ host: '127.0.0.1', port: 0, dbPath: join(dir, 'db.sqlite'), evalsetsDir: join(dir, 'evalsets'), env: {}, loraKeep: 2, logger: false });
    const cwd = tempDir();
    try {
      for (const n of [1, 2, 3]) {
        const add = await cli(['checkpoint', 'add', `step-${n}`, '--server', server.url, '--base-url', e.url, '--lora-path', `/out/checkpoint-${n}`, '--step', String(n)], { cwd });
        expect(add.code, add.stderr).toBe(0);
        const run = await cli(['run', `step-${n}`, '--server', server.url, '--evalsets', 'bio', '--json'], { cwd });
        expect(run.code, run.stderr).toBe(0);
        expect(run.json()).toMatchObject({ status: 'completed', counts: { errors: 0 } });
      }
      expect(server.store.checkpoints.get('step-3')).toMatchObject({ model: 'step-3', lora: { path: '/out/checkpoint-3', name: 'step-3' } });
      expect([...e.adapters.keys()]).toEqual(['step-2', 'step-3']);
      expect(e.adapterRequests.map((r) => r.path)).toEqual(['/v1/load_lora_adapter', '/v1/load_lora_adapter', '/v1/load_lora_adapter', '/v1/unload_lora_adapter']);
      expect(e.adapterRequests[3]!.body).toEqual({ lora_name: 'step-1' });
      expect(new Set(e.requests.map((r) => r.model))).toEqual(new Set(['step-1', 'step-2', 'step-3']));
    } finally {
      await server.close();
    }
  });

  it('--lora-keep wins over TUNEGATE_LORA_KEEP, which wins over 4; a bad value is a usage error naming the variable', () => {
    expect(loraKeepOf(undefined, {})).toBe(4);
    expect(loraKeepOf(undefined, { TUNEGATE_LORA_KEEP: '7' })).toBe(7);
    expect(loraKeepOf(2, { TUNEGATE_LORA_KEEP: '7' })).toBe(2);
    expect(() => loraKeepOf(undefined, { TUNEGATE_LORA_KEEP: '0' })).toThrow('TUNEGATE_LORA_KEEP must be a whole number from 1 to 1000, got "0"');
  });
});
