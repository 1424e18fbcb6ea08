/**
 * integrations/transformers/tunegate_callback.py, driven by python3 through a stand-in Trainer that
 * calls it as transformers' CallbackHandler does, against a real tunegate server (loraKeep 2) and
 * the scripted endpoint in vLLM's accent loading adapters.
 */
import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Responder } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { endpoint } from '../helpers/endpoint.js';
import { hasPython } from '../helpers/python.js';
import { postJson, serve } from '../helpers/server.js';
import { jsonl, tempDir } from '../helpers/tmp.js';

const STAND_IN = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/trainer-callback/stand_in_trainer.py');
const TOKEN = 'trainer-callback-token';
const KNOWN = 20;
const UNKNOWN = 4;

const FILES = {
  'evalsets/bio.jsonl': jsonl(
    ...Array.from({ length: KNOWN }, (_, i) => ({ id: `k${i}`, prompt: `known question ${i}?`, keywords: [`known-${i}`] })),
    ...Array.from({ length: UNKNOWN }, (_, i) => ({ id: `u${i}`, prompt: `new question ${i}?`, keywords: [`new-${i}`] })),
  ),
  'evalsets/blog.jsonl': jsonl({ id: 'p1', title: 'WAL mode', reference: 'answer to: WAL mode' }),
};

/** Adapters that have forgotten every known fact; the base and every other adapter know them. */
const FORGETFUL = new Set(['sft-step-6', 'my-run-step-200']);
const responder: Responder = (req) => {
  const m = /^(known|new) question (\d+)\?$/.exec(req.userText);
  if (m === null) return { content: `answer to: ${req.userText}` };
  const knows = m[1] === 'known' && !FORGETFUL.has(req.model);
  return { content: knows ? `It is ${m[1]}-${m[2]}.` : 'I am not sure.' };
};

interface Trained {
  trainedTo: number;
  saved: number[];
  stopped: boolean;
  evaluated: Array<{ step: number; metrics: Record<string, number> }>;
  saveSeconds: number[];
  reportTo: Array<{ step: number; logs: Record<string, number> }>;
  log: Array<{ level: string; message: string }>;
}

/** Runs the stand-in Trainer (asynchronously: the server answering it lives in this process). */
function train(config: Record<string, unknown>, env: Record<string, string | undefined>): Promise<Trained> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [STAND_IN], { env: { PATH: process.env.PATH, PYTHONDONTWRITEBYTECODE: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`stand-in trainer exited ${code}: ${err}`));
      else resolve(JSON.parse(out) as Trained);
    });
    child.stdin.end(JSON.stringify(config));
  });
}

const auth = { authorization: `Bearer ${TOKEN}` };

async function waitFor(url: string, id: number): Promise<Record<string, any>> {
  for (let i = 0; i < 750; i++) {
    const run = (await (await fetch(`${url}/api/runs/${id}`)).json()) as Record<string, any>;
    if (['completed', 'failed', 'cancelled'].includes(run.status)) return run;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`run ${id} did not finish`);
}

const warnings = (t: Trained) => t.log.filter((r) => r.level === 'WARNING').map((r) => r.message);

describe.runIf(hasPython)('the Trainer callback (python3)', () => {
  it('three saves: adapters loaded, listed, evaluated, the oldest unloaded past loraKeep; the headline metrics reach the logs; the third save\'s forgetting stops training', async () => {
    const e = await endpoint(responder, { accent: 'vllm', lora: true, models: ['base'] });
    const { server } = await serve({ files: FILES, env: { TUNEGATE_TOKEN: TOKEN }, loraKeep: 2 });
    // The base: registered, evaluated and categorized through the API, so the alarm has categories.
    const base = await postJson(`${server.url}/api/checkpoints`, { name: 'base', baseUrl: e.url, model: 'base', step: 0, autoRun: true }, auth);
    expect(base.status, await base.clone().text()).toBe(201);
    expect((await waitFor(server.url, ((await base.json()) as any).run.id)).status).toBe('completed');
    const cat = await postJson(`${server.url}/api/categorize`, { base: 'base', prompts: 2, samples: 1 }, auth);
    expect(cat.status, await cat.clone().text()).toBe(202);
    expect((await waitFor(server.url, ((await cat.json()) as any).id)).status).toBe('completed');

    const out = tempDir();
    const t = await train({
      callback: { server: server.url, base_url: e.url, base: 'base', tags: { mix: 'bio-v2' }, wait: true, stop_on_forgetting: true, poll_interval: 0.05 },
      output_dir: join(out, 'sft'), run_name: 'sft', max_steps: 10, save_steps: 2, attach: true,
    }, { TUNEGATE_TOKEN: TOKEN });

    // The third save (step 6) stopped training; nothing after it ran.
    expect(t.saved).toEqual([2, 4, 6]);
    expect(t.stopped).toBe(true);
    expect(t.trainedTo).toBe(6);
    const stop = warnings(t).find((m) => m.includes('forgetting alarm'));
    expect(stop).toContain('sft-step-6 (step 6');
    expect(stop).toContain('acc_highly_known 1.000 → 0.000');
    expect(stop).toContain('against base');
    expect(stop).toContain(`GET ${server.url}/api/advise?tag=run=sft`);
    expect(stop).toContain('tunegate advise --tag run=sft');
    expect(warnings(t)).toHaveLength(1);

    // Registered as the issue says: name, step, tags, base, the adapter path, evaluated under its name.
    for (const step of [2, 4, 6]) {
      expect(server.store.checkpoints.get(`sft-step-${step}`)).toMatchObject({
        step, base: 'base', tags: { run: 'sft', mix: 'bio-v2' },
        model: `sft-step-${step}`, lora: { path: join(out, 'sft', `checkpoint-${step}`), name: `sft-step-${step}` },
      });
    }
    expect(e.adapterRequests.map((r) => [r.path, (r.body as { lora_name?: string }).lora_name])).toEqual([
      ['/v1/load_lora_adapter', 'sft-step-2'], ['/v1/load_lora_adapter', 'sft-step-4'],
      ['/v1/load_lora_adapter', 'sft-step-6'], ['/v1/unload_lora_adapter', 'sft-step-2'],
    ]);
    expect([...e.adapters.keys()]).toEqual(['sft-step-4', 'sft-step-6']);
    expect(new Set(e.requests.map((r) => r.model))).toEqual(new Set(['base', 'sft-step-2', 'sft-step-4', 'sft-step-6']));

    // The gate agrees: step 4 passes, step 6 is the forgetting alarm.
    const gate = (await (await fetch(`${server.url}/api/gate?checkpoint=sft-step-6`)).json()) as any;
    expect(gate.metrics.find((m: any) => m.metric === 'acc_highly_known').verdict).toBe('regression');

    // The headline metrics of the latest finished run, in the logs the report_to callback saw
    // (attach put the callback first) and in the evaluation metrics, from the step after a save.
    const at = (step: number) => t.reportTo.find((r) => r.step === step)!.logs;
    expect(at(2)).not.toHaveProperty('tunegate/bio_accuracy');
    expect(at(3)).toMatchObject({ loss: 1 / 3, 'tunegate/bio_accuracy': KNOWN / (KNOWN + UNKNOWN) });
    expect(at(3)['tunegate/blog_quality']).toEqual(expect.any(Number));
    expect(at(5)['tunegate/bio_accuracy']).toBe(KNOWN / (KNOWN + UNKNOWN));
    expect(t.evaluated.find((r) => r.step === 5)!.metrics).toMatchObject({ eval_loss: 2 / 5, 'tunegate/bio_accuracy': KNOWN / (KNOWN + UNKNOWN) });
    // Step 6 evaluates before it saves: it still shows step 4's run.
    expect(t.evaluated.find((r) => r.step === 6)!.metrics['tunegate/bio_accuracy']).toBe(KNOWN / (KNOWN + UNKNOWN));
  });

  it('a server that is down is logged once, and training goes on through every save', async () => {
    const t = await train({
      callback: { server: 'http://127.0.0.1:1', base_url: 'http://127.0.0.1:8000/v1', base: 'base', timeout: 2 },
      output_dir: join(tempDir(), 'sft'), run_name: 'sft', max_steps: 8, save_steps: 2,
    }, { TUNEGATE_TOKEN: TOKEN });
    expect(t).toMatchObject({ saved: [2, 4, 6, 8], stopped: false, trainedTo: 8 });
    expect(warnings(t)).toEqual([expect.stringContaining('http://127.0.0.1:1 is not reachable')]);
    expect(warnings(t)[0]).toContain('training goes on');
  });

  it('a server that accepts but never answers costs each save one timeout, logged once', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as { port: number }).port;
      const t = await train({
        callback: { server: `http://127.0.0.1:${port}`, base_url: 'http://127.0.0.1:8000/v1', timeout: 0.3, wait: true },
        output_dir: join(tempDir(), 'sft'), run_name: 'sft', max_steps: 6, save_steps: 2,
      }, { TUNEGATE_TOKEN: TOKEN });
      expect(t).toMatchObject({ saved: [2, 4, 6], stopped: false, trainedTo: 6 });
      expect(warnings(t)).toEqual([expect.stringContaining('no answer within 0.3s')]);
      expect(sockets.length).toBe(3);
      // One request per save, bounded by the timeout.
      expect(Math.max(...t.saveSeconds)).toBeLessThan(2);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('a 401 (a wrong token, or none) is logged once naming the variable; a 400 once on its own; nothing is registered', async () => {
    const e = await endpoint(responder, { accent: 'vllm', lora: true, models: ['base'] });
    const { server } = await serve({ files: FILES, env: { TUNEGATE_TOKEN: TOKEN }, loraKeep: 2 });
    const config = (extra: Record<string, unknown>) => ({
      callback: { server: server.url, base_url: e.url, token_env: 'MY_TUNEGATE_TOKEN', ...extra },
      output_dir: join(tempDir(), 'sft'), run_name: 'sft', max_steps: 6, save_steps: 2,
    });
    const denied = await train(config({}), { MY_TUNEGATE_TOKEN: 'wrong' });
    expect(denied).toMatchObject({ saved: [2, 4, 6], stopped: false, trainedTo: 6 });
    expect(warnings(denied)).toEqual([expect.stringMatching(/POST .*\/api\/checkpoints: HTTP 401.*\(set MY_TUNEGATE_TOKEN to the server's token\)/)]);
    expect(server.store.checkpoints.list()).toEqual([]);
    // The right token through the named variable, but an eval set the server does not offer: 400, once.
    const refused = await train(config({ evalsets: ['nope'] }), { MY_TUNEGATE_TOKEN: TOKEN });
    expect(refused).toMatchObject({ saved: [2, 4, 6], stopped: false });
    expect(warnings(refused)).toEqual([expect.stringContaining('HTTP 400')]);
    expect(warnings(refused)[0]).toContain('nope');
    expect(server.store.checkpoints.list()).toEqual([]);
    expect(e.adapterRequests).toEqual([]);
  });

  it('with wait, a server that stops answering the run\'s reads is given up after a few polls: training goes on', async () => {
    const e = await endpoint(responder, { accent: 'vllm', lora: true, models: ['base'] });
    // One request per 10 s: the registration passes, every read after it is a 429.
    const { server } = await serve({ files: FILES, env: { TUNEGATE_TOKEN: TOKEN }, rateLimit: 1 });
    const t = await train({
      callback: { server: server.url, base_url: e.url, wait: true, wait_timeout: 20, poll_interval: 0.05, adapter_path: '/models/{run_name}/checkpoint-{step}' },
      output_dir: join(tempDir(), 'sft'), run_name: 'sft v2 (bio)', max_steps: 4, save_at: [2],
    }, { TUNEGATE_TOKEN: TOKEN });
    expect(t).toMatchObject({ saved: [2], stopped: false, trainedTo: 4 });
    // The run name made a checkpoint name; the adapter path as the model server sees it.
    expect(server.store.checkpoints.get('sft-v2--bio-step-2')).toMatchObject({ step: 2, tags: { run: 'sft-v2--bio' }, lora: { path: '/models/sft-v2--bio/checkpoint-2' } });
    expect(warnings(t)).toEqual([expect.stringMatching(/GET .*\/api\/runs\/\d+: HTTP 429/)]);
    expect(t.saveSeconds[0]).toBeLessThan(5);
  }, 30_000);

  it('without wait, a save costs one request: the run is followed in the background and its metrics reach a later log', async () => {
    const e = await endpoint(responder, { accent: 'vllm', lora: true, models: ['base'] });
    const { server } = await serve({ files: FILES, env: { TUNEGATE_TOKEN: TOKEN } });
    const t = await train({
      callback: { server: server.url, base_url: e.url, poll_interval: 0.05 },
      output_dir: join(tempDir(), 'my-run'), run_name: null, max_steps: 700, save_at: [2, 200], attach: true, step_seconds: 0.01,
    }, { TUNEGATE_TOKEN: TOKEN });
    expect(t.saved).toEqual([2, 200]);
    expect(warnings(t)).toEqual([]);
    // run_name unset: the output folder's name.
    expect(server.store.checkpoints.get('my-run-step-2')).toMatchObject({ tags: { run: 'my-run' } });
    const first = t.reportTo.find((r) => r.logs['tunegate/bio_accuracy'] !== undefined);
    expect(first, 'a finished run\'s metrics reached the logs').toBeDefined();
    expect(first!.step).toBeGreaterThan(2);
    expect(first!.logs['tunegate/bio_accuracy']).toBe(KNOWN / (KNOWN + UNKNOWN));
    // The second save, long after the first run was followed to its end, is followed too: the
    // last logs carry its run's metrics (it forgot every known fact).
    expect(t.reportTo.at(-1)!.logs['tunegate/bio_accuracy']).toBe(0);
  });
});

describe.skipIf(hasPython)('the Trainer callback', () => {
  it.skip('needs python3, which is not on this machine: the callback is untested here', () => {});
});

