import { TunegateError } from '../../errors.js';
import { checkJudgeReady, judgeStoredRun } from '../../judge/judge-stored-run.js';
import { judgeSummaries } from '../../judge/judge-summaries.js';
import { summarizeRun } from '../../runs/summary.js';
import { expectPositionals, flag, int, parseArgs, str } from '../args.js';
import { withStore } from '../context.js';
import { runText } from '../format.js';
import { runJson } from '../../report/run-json.js';
import { println, type Io } from '../io.js';
import { JUDGE_SPEC } from '../specs/judge.js';
import { judgeFromOptions } from './checkpoint.js';
import { parseRunId } from './resume.js';

/**
 * `tunegate judge RUN_ID`: scores a stored run's blog answers with the LLM judge and, with
 * --pairwise, compares them with a baseline run's. Cached verdicts cost nothing, so re-judging
 * a run (or judging it after a gate failed) only pays for answers never judged before.
 */
export async function judgeCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, JUDGE_SPEC, 'judge');
  expectPositionals(p, 1, 'judge');
  const runId = parseRunId(p.positionals[0], 'judge');
  const fromFlag = judgeFromOptions(p.values);
  const pairwiseRaw = str(p.values, 'pairwise');
  const pairwiseBaseline = pairwiseRaw === undefined ? undefined : parseRunId(pairwiseRaw, '--pairwise');
  const concurrency = int(p.values, 'concurrency', 1, 64);
  return withStore(p.values, io, async (store) => {
    const run = store.runs.get(runId);
    const settings = fromFlag ?? run.params.judge ?? store.checkpoints.getById(run.checkpointId)?.judge ?? null;
    if (settings === null) {
      throw new TunegateError('USAGE', `run ${runId} has no judge: pass --judge anthropic:MODEL or --judge openai:MODEL@BASE_URL`);
    }
    checkJudgeReady(settings, io.env);
    if (pairwiseBaseline !== undefined) store.runs.get(pairwiseBaseline);
    const outcome = await judgeStoredRun({
      store, runId, env: io.env, settings,
      ...(pairwiseBaseline !== undefined ? { pairwiseBaseline } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
    });
    const extras = { judge: outcome.report, ...judgeSummaries(store, runId) };
    const summary = summarizeRun(store, runId);
    const fresh = store.runs.get(runId);
    const out = runJson(fresh, summary, extras);
    println(io.stdout, flag(p.values, 'json') ? JSON.stringify(out) : runText(out));
    return 0;
  });
}
