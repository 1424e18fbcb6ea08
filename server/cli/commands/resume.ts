import { checkpointKeyTarget } from '../../queue/submit-run.js';
import { readSecret } from '../../config.js';
import { TunegateError } from '../../errors.js';
import { checkEndpoint } from '../../runner/reachability.js';
import { assertNotBusy } from '../../runner/owner.js';
import { checkScorersBeforeSending } from '../../runner/scorer-check.js';
import { expectPositionals, flag, parseArgs } from '../args.js';
import { leaseMsFrom, withStore } from '../context.js';
import { RESUME_SPEC } from '../specs/runs.js';
import { println, type Io } from '../io.js';
import { executeAndReport } from '../report-run.js';

export function parseRunId(raw: string | undefined, command: string): number {
  if (raw === undefined) throw new TunegateError('USAGE', `${command} needs a RUN_ID (see tunegate runs)`);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new TunegateError('USAGE', `RUN_ID must be a whole number, got "${raw}"`);
  return Number(raw);
}

export async function resumeCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, RESUME_SPEC, 'resume');
  expectPositionals(p, 1, 'resume');
  const runId = parseRunId(p.positionals[0], 'resume');
  if (flag(p.values, 'force')) {
    throw new TunegateError(
      'USAGE',
      '--force is gone: two processes must never execute one run. A run whose owner died is resumable at once on the same host, elsewhere when its lease expires (see tunegate resume --help)',
    );
  }
  return withStore(p.values, io, async (store) => {
    const run = store.runs.get(runId);
    // Early and friendly; the claim in executeRun is what makes it safe.
    assertNotBusy(store, runId);
    // Before reaching for the endpoint: a run this tool can no longer score is refused outright.
    checkScorersBeforeSending(store, run, flag(p.values, 'retry-errors'));
    const checkpoint = store.checkpoints.getById(run.checkpointId);
    const apiKey = checkpoint === undefined ? undefined : readSecret(checkpoint.apiKeyEnv, io.env, checkpointKeyTarget(checkpoint));
    const check = run.params.modelCheck !== false && !flag(p.values, 'no-model-check');
    const probed = checkpoint === undefined ? undefined : await checkEndpoint(checkpoint.baseUrls, checkpoint.model, { apiKey, check: check && checkpoint.lora === null, requireReachable: true });
    for (const w of probed?.warnings ?? []) println(io.stderr, `warning: ${w}`);
    const leaseMs = leaseMsFrom(p.values);
    return executeAndReport(store, runId, io, {
      json: flag(p.values, 'json'), retryErrors: flag(p.values, 'retry-errors'), ...(leaseMs !== undefined ? { leaseMs } : {}), ...(probed !== undefined ? { probed } : {}),
    });
  });
}
