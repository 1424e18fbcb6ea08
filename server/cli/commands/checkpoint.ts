import { MAX_REPLICAS, STEP_BOUND, validateCheckpointName } from '../../checkpoint-name.js';
import { defaultLoraName } from '../../checkpoint-name.js';
import { validateEnvName } from '../../settings/env-names.js';
import { TunegateError } from '../../errors.js';
import { parseJudgeSpec } from '../../judge/spec.js';
import { refuseUrlCredentials, stripUrlCredentialsInText } from '../../http/url-credentials.js';
import type { Api, Checkpoint, JudgeSettings, NewCheckpoint } from '../../store/types.js';
import { bounded, expectPositionals, flag, list, parseArgs, str, type Values } from '../args.js';
import { parseTags } from '../../tag.js';
import { withStore } from '../context.js';
import { CHECKPOINT_ADD_SPEC, CHECKPOINT_BASELINE_SPEC, CHECKPOINT_LIST_SPEC } from '../specs/checkpoint.js';
import { ApiClient } from '../remote.js';
import { oneLine, table } from '../format.js';
import { println, type Io } from '../io.js';
import { checkEndpoint } from '../../runner/reachability.js';
import { inFlags } from '../schema-options.js';

export { ENDPOINT_OPTIONS, JUDGE_OPTIONS } from '../specs/checkpoint.js';

/** Judge settings from --judge / --judge-key-env (validated), or null when --judge is absent. */
export function judgeFromOptions(values: Values): JudgeSettings | null {
  const spec = str(values, 'judge');
  const keyEnv = str(values, 'judge-key-env') ?? null;
  if (spec === undefined) {
    if (keyEnv !== null) throw new TunegateError('USAGE', '--judge-key-env goes with --judge openai:MODEL@BASE_URL');
    return null;
  }
  parseJudgeSpec(spec, keyEnv);
  return { spec, keyEnv };
}


/** Checks one --base-url: an http(s) URL without a user name or password. */
export function validateBaseUrl(url: string): string {
  let u: URL;
  const shown = stripUrlCredentialsInText(url);
  try {
    u = new URL(url);
  } catch {
    throw new TunegateError('USAGE', `--base-url: "${shown}" is not a URL (expected e.g. http://127.0.0.1:8000/v1)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new TunegateError('USAGE', `--base-url: "${shown}" must start with http:// or https://`);
  }
  refuseUrlCredentials([['--base-url', url, '--api-key-env']]);
  return url;
}

/** Every --base-url given (validated: each once, at most MAX_REPLICAS); empty when none is. */
export function baseUrlsFromOptions(values: Values): string[] {
  const baseUrls = list(values, 'base-url').map(validateBaseUrl);
  const twice = baseUrls.find((u, i) => baseUrls.indexOf(u) !== i);
  if (twice !== undefined) throw new TunegateError('USAGE', `--base-url: "${twice}" is given twice (each replica once)`);
  if (baseUrls.length > MAX_REPLICAS) throw new TunegateError('USAGE', `--base-url: at most ${MAX_REPLICAS} replicas, got ${baseUrls.length}`);
  return baseUrls;
}

/** Endpoint fields from parsed options; `--base-url` and `--model` are required by the caller. */
export function endpointFromOptions(values: Values, name: string): NewCheckpoint {
  const baseUrls = baseUrlsFromOptions(values);
  const baseUrl = baseUrls[0];
  const model = str(values, 'model');
  if (baseUrl === undefined) throw new TunegateError('USAGE', '--base-url is required');
  const loraPath = str(values, 'lora-path');
  const loraName = str(values, 'lora-name');
  if (loraName !== undefined && loraPath === undefined) throw new TunegateError('USAGE', '--lora-name goes with --lora-path');
  if (loraPath !== undefined && model !== undefined) throw new TunegateError('USAGE', '--model names a served model; an adapter (--lora-path) is asked for by --lora-name');
  if (loraName !== undefined && !/^[A-Za-z0-9._-]{1,200}$/.test(loraName)) throw new TunegateError('USAGE', `--lora-name: "${loraName.slice(0, 60)}" must be 1–200 letters, digits or . _ -`);
  const lora = loraPath === undefined ? null : { path: loraPath, name: loraName ?? defaultLoraName(name) };
  if (lora === null && (model === undefined || model.trim() === '')) throw new TunegateError('USAGE', '--model is required (or --lora-path, for an adapter)');
  const api = str(values, 'api') ?? 'chat';
  if (api !== 'chat' && api !== 'completions') throw new TunegateError('USAGE', `--api must be "chat" or "completions", got "${api}"`);
  const keyEnv = str(values, 'api-key-env');
  return {
    name: validateCheckpointName(name),
    baseUrl,
    ...(baseUrls.length > 1 ? { baseUrls } : {}),
    model: lora?.name ?? model!,
    lora,
    step: bounded(values, 'step', STEP_BOUND) ?? null,
    api: api as Api,
    promptTemplate: str(values, 'prompt-template') ?? null,
    apiKeyEnv: keyEnv === undefined ? null : validateEnvName(keyEnv, '--api-key-env'),
    tags: parseTags(list(values, 'tag'), '--tag', 'USAGE'),
    base: str(values, 'base') ?? null,
  };
}

/** A checkpoint as the server's POST /api/checkpoints body (unset fields left out). */
export function checkpointRequest(c: NewCheckpoint): Record<string, unknown> {
  return Object.fromEntries(Object.entries({
    name: c.name, ...(c.baseUrls !== undefined && c.baseUrls.length > 1 ? { baseUrls: c.baseUrls } : { baseUrl: c.baseUrl }), model: c.model, step: c.step ?? undefined, api: c.api,
    promptTemplate: c.promptTemplate ?? undefined, apiKeyEnv: c.apiKeyEnv ?? undefined,
    tags: c.tags !== undefined && Object.keys(c.tags).length > 0 ? c.tags : undefined, judge: c.judge ?? undefined, base: c.base ?? undefined,
    ...(c.lora !== undefined && c.lora !== null ? { lora: c.lora, model: undefined } : {}),
  }).filter(([, v]) => v !== undefined));
}

/** The JSON form of a checkpoint (the key variable's name only; never a key). */
export function checkpointJson(c: Checkpoint): Record<string, unknown> {
  const { id: _id, ...rest } = c;
  return rest;
}

async function add(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, CHECKPOINT_ADD_SPEC, 'checkpoint add');
  expectPositionals(p, 1, 'checkpoint add');
  const name = p.positionals[0];
  if (name === undefined) throw new TunegateError('USAGE', 'checkpoint add needs a NAME (see tunegate checkpoint add --help)');
  const c = { ...endpointFromOptions(p.values, name), judge: judgeFromOptions(p.values) };
  const server = str(p.values, 'server');
  const check = !flag(p.values, 'no-model-check');
  if (server !== undefined) {
    const body = { ...checkpointRequest(c), ...(check ? {} : { modelCheck: false }) };
    const created = await new ApiClient(server, io.env.TUNEGATE_TOKEN || undefined).request<Checkpoint>('POST', '/api/checkpoints', body);
    if (flag(p.values, 'json')) println(io.stdout, JSON.stringify(created));
    else println(io.stdout, `checkpoint ${oneLine(created.name, 200)} added on ${server}: ${oneLine(created.model, 200)} at ${oneLine(created.baseUrl, 200)} (${oneLine(created.api, 20)})`);
    return 0;
  }
  return withStore(p.values, io, async (store) => {
    // A taken name first (a new URL must not hear from us for nothing), then the endpoint, then the row.
    if (store.checkpoints.find(c.name) !== undefined) throw new TunegateError('CONFLICT', `checkpoint "${c.name}" already exists`);
    // An adapter is listed only once loaded, when its run starts: until then only reachability.
    await askEndpoint(c.baseUrls ?? [c.baseUrl], c.model, c.apiKeyEnv ?? null, check && (c.lora ?? null) === null, io);
    const created = store.checkpoints.add(c);
    if (flag(p.values, 'json')) println(io.stdout, JSON.stringify(checkpointJson(created)));
    else println(io.stdout, `checkpoint ${oneLine(created.name, 200)} added: ${oneLine(created.model, 200)} at ${oneLine(created.baseUrl, 200)} (${created.api})`);
    return 0;
  });
}

/**
 * The model check before a checkpoint is stored (add, edit): a model the endpoint does not serve,
 * or a 404 on a URL without /v1, is refused (exit 2); one not up yet is a warning. The key is
 * sent when its variable is set (a registration may come before the key).
 */
export async function askEndpoint(baseUrls: readonly string[], model: string, apiKeyEnv: string | null, check: boolean, io: Io): Promise<void> {
  const apiKey = apiKeyEnv === null ? undefined : (io.env[apiKeyEnv] || undefined);
  const probed = await inFlags(() => checkEndpoint(baseUrls, model, { apiKey, check, requireReachable: false }));
  for (const w of probed.warnings) println(io.stderr, `warning: ${w}`);
}

async function listCmd(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, CHECKPOINT_LIST_SPEC, 'checkpoint list');
  expectPositionals(p, 0, 'checkpoint list');
  return withStore(p.values, io, (store) => {
    const all = store.checkpoints.list();
    if (flag(p.values, 'json')) {
      println(io.stdout, JSON.stringify(all.map(checkpointJson)));
      return 0;
    }
    if (all.length === 0) {
      println(io.stdout, 'no checkpoints yet; add one with `tunegate checkpoint add NAME --base-url URL --model MODEL`');
      return 0;
    }
    const rows = all.map((c) => [
      c.name, c.step === null ? '-' : String(c.step), c.lora === null ? c.model : `${c.model} (LoRA ${c.lora.path})`, c.baseUrls.join(' '), c.api,
      Object.entries(c.tags).map(([k, v]) => `${k}=${v}`).join(',') || '-',
    ]);
    println(io.stdout, table(['name', 'step', 'model', 'base url', 'api', 'tags'], rows));
    return 0;
  });
}

async function baselineCmd(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, CHECKPOINT_BASELINE_SPEC, 'checkpoint baseline');
  expectPositionals(p, 1, 'checkpoint baseline');
  const name = p.positionals[0];
  if (name === undefined) throw new TunegateError('USAGE', 'checkpoint baseline needs a NAME');
  return withStore(p.values, io, (store) => {
    store.checkpoints.update(name, { baseline: true });
    println(io.stdout, `checkpoint ${name} is now the baseline (the gate compares with its latest completed run)`);
    return 0;
  });
}

export async function checkpointCommand(argv: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'add') return add(rest, io);
  if (sub === 'list') return listCmd(rest, io);
  if (sub === 'baseline') return baselineCmd(rest, io);
  throw new TunegateError('USAGE', `unknown checkpoint command "${sub ?? ''}": use add, list, edit, remove or baseline`);
}
