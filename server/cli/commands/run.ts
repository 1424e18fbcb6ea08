import { checkpointKeyTarget } from '../../queue/submit-run.js';
import { readSecret } from '../../config.js';
import { EXIT, TunegateError } from '../../errors.js';
import { loadEvalSets, resolveEvalsetPaths } from '../../evalsets/load.js';
import { DEFAULT_EVALSETS_DIR } from '../../config.js';
import { createRun, DEFAULT_PARAMS, PARAM_BOUNDS } from '../../runner/create-run.js';
import { checkEndpoint } from '../../runner/reachability.js';
import type { Store } from '../../store/open.js';
import type { Checkpoint, NewCheckpoint, RunParams } from '../../store/types.js';
import { bounded, expectPositionals, flag, int, list, parseArgs, str, type Values } from '../args.js';
import { DB_OPTION, LEASE_OPTION, leaseMsFrom, withStore } from '../context.js';
import type { Io } from '../io.js';
import { executeAndReport } from '../report-run.js';
import { endpointFromOptions, ENDPOINT_OPTIONS, JUDGE_OPTIONS, judgeFromOptions } from './checkpoint.js';
import { checkJudgeReady } from '../../judge/judge-stored-run.js';
import { parseRunId } from './resume.js';
import { ApiClient } from '../remote.js';
import { remoteRun } from './remote-run.js';
import { GATE_OPTIONS, gateAndReport, gateExitCode, gateOptionsFrom } from './gate.js';
import { runJson } from '../../report/run-json.js';
import { summarizeRun } from '../../runs/summary.js';
import { println } from '../io.js';

const SPEC = {
  ...ENDPOINT_OPTIONS,
  ...JUDGE_OPTIONS,
  'judge-pairwise': { type: 'string' },
  'judge-concurrency': { type: 'string' },
  ...DB_OPTION,
  ...LEASE_OPTION,
  checkpoint: { type: 'string' },
  evalsets: { type: 'string', variadic: true },
  concurrency: { type: 'string' },
  samples: { type: 'string' },
  temperature: { type: 'string' },
  'max-tokens': { type: 'string' },
  seed: { type: 'string' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  json: { type: 'boolean' },
  perplexity: { type: 'boolean' },
  'no-likelihood': { type: 'boolean' },
  'no-model-check': { type: 'boolean' },
  server: { type: 'string' },
  gate: { type: 'boolean' },
  ...GATE_OPTIONS,
} as const;

/** Run parameters from flags, defaults for the rest. */
export function paramsFromOptions(values: Values): RunParams {
  const maxTokens = bounded(values, 'max-tokens', PARAM_BOUNDS.maxTokens);
  const timeout = bounded(values, 'timeout', PARAM_BOUNDS.timeout);
  return {
    temperature: bounded(values, 'temperature', PARAM_BOUNDS.temperature) ?? DEFAULT_PARAMS.temperature,
    maxTokens: maxTokens === undefined ? { ...DEFAULT_PARAMS.maxTokens } : { keyword: maxTokens, blog: maxTokens },
    seed: bounded(values, 'seed', PARAM_BOUNDS.seed) ?? DEFAULT_PARAMS.seed,
    samples: bounded(values, 'samples', PARAM_BOUNDS.samples) ?? DEFAULT_PARAMS.samples,
    concurrency: bounded(values, 'concurrency', PARAM_BOUNDS.concurrency) ?? DEFAULT_PARAMS.concurrency,
    timeoutMs: timeout === undefined ? DEFAULT_PARAMS.timeoutMs : Math.round(timeout * 1000),
    retries: bounded(values, 'retries', PARAM_BOUNDS.retries) ?? DEFAULT_PARAMS.retries,
    perplexity: flag(values, 'perplexity'),
    ...(flag(values, 'no-likelihood') ? { likelihood: false } : {}),
    ...(flag(values, 'no-model-check') ? { modelCheck: false } : {}),
  };
}

const COMPARED = [
  ['baseUrl', 'base-url'], ['model', 'model'], ['api', 'api'], ['promptTemplate', 'prompt-template'],
  ['apiKeyEnv', 'api-key-env'], ['step', 'step'],
] as const;

/**
 * One-shot form: a registered checkpoint is reused only when every endpoint flag the user gave
 * matches it. A name already bound to another endpoint is refused rather than silently mixing
 * two models' runs under one name. Used locally and against a server.
 */
export function checkSameEndpoint(existing: Pick<Checkpoint, (typeof COMPARED)[number][0] | 'baseUrls'>, wanted: NewCheckpoint, values: Values): void {
  for (const [field, option] of COMPARED) {
    if (values[option] === undefined) continue;
    // Replicas count: the same first URL with other replicas is another endpoint.
    const same = field === 'baseUrl'
      ? (wanted.baseUrls ?? [wanted.baseUrl]).join(' ') === (existing.baseUrls ?? [existing.baseUrl]).join(' ')
      : (wanted[field] ?? null) === (existing[field] ?? null);
    if (!same) {
      const shown = (c: Pick<Checkpoint, 'baseUrl'> & { baseUrls?: string[] | undefined }, f: (typeof COMPARED)[number][0]) =>
        f === 'baseUrl' ? (c.baseUrls ?? [c.baseUrl]).map((u) => JSON.stringify(u)).join(' --base-url ') : JSON.stringify((c as Record<string, unknown>)[f]);
      throw new TunegateError(
        'CONFLICT',
        `checkpoint "${wanted.name}" is registered with --${option} ${shown(existing, field)}, not ${shown(wanted, field)}; ` +
          'use another --checkpoint name for a different endpoint',
      );
    }
  }
}

function registerOnTheFly(store: Store, wanted: NewCheckpoint, values: Values): Checkpoint {
  const existing = store.checkpoints.find(wanted.name);
  if (existing === undefined) return store.checkpoints.add(wanted);
  checkSameEndpoint(existing, wanted, values);
  return existing;
}

export async function runCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, SPEC, 'run');
  expectPositionals(p, 1, 'run');
  const v = p.values;
  const oneShot = list(v, 'base-url').length > 0;
  const name = p.positionals[0] ?? str(v, 'checkpoint') ?? (oneShot ? str(v, 'model') : undefined);
  if (name === undefined) {
    throw new TunegateError('USAGE', 'run needs a CHECKPOINT name, or --base-url URL --model MODEL --checkpoint NAME (see tunegate run --help)');
  }
  if (p.positionals[0] !== undefined && str(v, 'checkpoint') !== undefined && p.positionals[0] !== str(v, 'checkpoint')) {
    throw new TunegateError('USAGE', `two checkpoint names given: "${p.positionals[0]}" and --checkpoint "${str(v, 'checkpoint')}"`);
  }
  if (!oneShot) {
    for (const opt of Object.keys(ENDPOINT_OPTIONS)) {
      if (v[opt] !== undefined) throw new TunegateError('USAGE', `--${opt} registers a checkpoint on the fly and needs --base-url as well`);
    }
  }
  const params = paramsFromOptions(v);
  const wanted = oneShot ? endpointFromOptions(v, name) : undefined;
  const gating = flag(v, 'gate');
  if (!gating) {
    for (const opt of Object.keys(GATE_OPTIONS)) {
      if (v[opt] !== undefined) throw new TunegateError('USAGE', `--${opt} is a gate option: add --gate`);
    }
  } else {
    gateOptionsFrom(v);
  }
  const server = str(v, 'server');
  if (gating && server !== undefined) throw new TunegateError('USAGE', '--gate runs against the local database; against a server use GET /api/gate');
  if (server !== undefined && v.lease !== undefined) throw new TunegateError('USAGE', '--lease is for runs executed here; a server holds its own (tunegate serve --lease)');
  const leaseMs = leaseMsFrom(v);
  if (server !== undefined) return remoteRun(io, new ApiClient(server, io.env.TUNEGATE_TOKEN || undefined), name, wanted, v);
  const judgeFlag = judgeFromOptions(v);
  if (judgeFlag !== null) checkJudgeReady(judgeFlag, io.env);
  const pairwiseRaw = str(v, 'judge-pairwise');
  const pairwiseBaseline = pairwiseRaw === undefined ? undefined : parseRunId(pairwiseRaw, '--judge-pairwise');
  const judgeConcurrency = int(v, 'judge-concurrency', 1, 64);
  // Validate every eval set before touching the database or the network.
  const sets = loadEvalSets(resolveEvalsetPaths(list(v, 'evalsets'), io.cwd, DEFAULT_EVALSETS_DIR), io.cwd);
  for (const s of sets) for (const w of s.warnings) println(io.stderr, `warning: ${w}`);
  const check = params.modelCheck !== false;
  // Before registering: a failed command leaves nothing behind.
  const probedWanted = wanted === undefined
    ? undefined
    : await checkEndpoint(wanted.baseUrls ?? [wanted.baseUrl], wanted.model, { apiKey: readSecret(wanted.apiKeyEnv, io.env, { field: '--base-url', urls: wanted.baseUrls ?? [wanted.baseUrl] }), check, requireReachable: true });

  return withStore(v, io, async (store) => {
    const checkpoint = wanted !== undefined ? registerOnTheFly(store, wanted, v) : store.checkpoints.get(name);
    readSecret(checkpoint.apiKeyEnv, io.env, checkpointKeyTarget(checkpoint));
    // The run's judge: --judge, else the checkpoint's. Checked before anything is sent.
    const judge = judgeFlag ?? checkpoint.judge;
    if (judge !== null) checkJudgeReady(judge, io.env);
    if (pairwiseBaseline !== undefined) {
      if (judge === null) throw new TunegateError('USAGE', '--judge-pairwise needs a judge: pass --judge or give the checkpoint one');
      store.runs.get(pairwiseBaseline);
    }
    const probed = probedWanted ?? await checkEndpoint(checkpoint.baseUrls, checkpoint.model, { apiKey: readSecret(checkpoint.apiKeyEnv, io.env, checkpointKeyTarget(checkpoint)), check, requireReachable: true });
    for (const w of probed.warnings) println(io.stderr, `warning: ${w}`);
    const runId = createRun(store, checkpoint, sets, { ...params, judge });
    const json = flag(v, 'json');
    const code = await executeAndReport(store, runId, io, {
      json,
      silent: gating && json,
      ...(leaseMs !== undefined ? { leaseMs } : {}),
      probed,
      ...(pairwiseBaseline !== undefined ? { pairwiseBaseline } : {}),
      ...(judgeConcurrency !== undefined ? { judgeConcurrency } : {}),
    });
    // `--gate`: an interrupted run is not gated; a run with errored items is, and the gate
    // reports it as untrusted (exit 3) unless --max-errors allows them.
    if (!gating || code === EXIT.INTERRUPTED) return code;
    const report = gateAndReport(store, runId, v, io, !json);
    if (json) {
      const run = store.runs.get(runId);
      println(io.stdout, JSON.stringify({ run: runJson(run, summarizeRun(store, runId)), gate: report }));
    }
    return gateExitCode(report);
  });
}
