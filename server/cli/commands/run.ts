import { checkpointKeyTarget } from '../../queue/submit-run.js';
import { readSecret } from '../../config.js';
import { EXIT, TunegateError } from '../../errors.js';
import { loadEvalSets, resolveEvalsetPaths } from '../../evalsets/load.js';
import { DEFAULT_EVALSETS_DIR } from '../../config.js';
import { planRunParams } from '../../pipeline/plan-run.js';
import { createRun } from '../../runner/create-run.js';
import { checkEndpoint } from '../../runner/reachability.js';
import { inFlags } from '../schema-options.js';
import type { Store } from '../../store/open.js';
import type { Checkpoint, NewCheckpoint } from '../../store/types.js';
import { expectPositionals, flag, int, list, parseArgs, str, type Values } from '../args.js';
import { runOptionsFromFlags } from '../run-flags.js';
import { checkSameEndpoint } from '../same-endpoint.js';
import { leaseMsFrom, withStore } from '../context.js';
import type { Io } from '../io.js';
import { executeAndReport } from '../report-run.js';
import { endpointFromOptions, ENDPOINT_OPTIONS, judgeFromOptions } from './checkpoint.js';
import { checkJudgeReady } from '../../judge/judge-stored-run.js';
import { parseRunId } from './resume.js';
import { ApiClient } from '../remote.js';
import { remoteRun } from './remote-run.js';
import { dashboardFrom, GATE_OPTIONS, gateAndReport, gateExitCode, gateOptionsFrom } from './gate.js';
import { runJson } from '../../report/run-json.js';
import { summarizeRun } from '../../runs/summary.js';
import { println } from '../io.js';
import { RUN_SPEC as SPEC } from '../specs/run.js';

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
  const options = runOptionsFromFlags(v);
  const wanted = oneShot ? endpointFromOptions(v, name) : undefined;
  const gating = flag(v, 'gate');
  if (!gating) {
    for (const opt of Object.keys(GATE_OPTIONS)) {
      if (v[opt] !== undefined) throw new TunegateError('USAGE', `--${opt} is a gate option: add --gate`);
    }
  }
  const server = str(v, 'server');
  if (gating) {
    gateOptionsFrom(v);
    dashboardFrom(v, io, server);
  }
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
  const check = options.modelCheck !== false;
  // Before registering: a failed command leaves nothing behind.
  const probedWanted = wanted === undefined
    ? undefined
    : await inFlags(() => checkEndpoint(wanted.baseUrls ?? [wanted.baseUrl], wanted.model, { apiKey: readSecret(wanted.apiKeyEnv, io.env, { field: '--base-url', urls: wanted.baseUrls ?? [wanted.baseUrl] }), check: check && (wanted.lora ?? null) === null, requireReachable: true }));

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
    const probed = probedWanted ?? await inFlags(() => checkEndpoint(checkpoint.baseUrls, checkpoint.model, { apiKey: readSecret(checkpoint.apiKeyEnv, io.env, checkpointKeyTarget(checkpoint)), check: check && checkpoint.lora === null, requireReachable: true }));
    for (const w of probed.warnings) println(io.stderr, `warning: ${w}`);
    const runId = createRun(store, checkpoint, sets, planRunParams(options, judge));
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
