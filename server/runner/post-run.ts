import type { Env } from '../config.js';
import { judgeStoredRun, type JudgeOutcome } from '../judge/judge-stored-run.js';
import type { Store } from '../store/open.js';
import { summarizeRun } from './execute-run.js';
import { measurePerplexity, type PerplexityReport } from './perplexity.js';

export interface PostRunOutcome {
  perplexity: PerplexityReport | null;
  judge: JudgeOutcome | null;
}

/**
 * What follows a completed run when its parameters ask for it: the perplexity of the blog
 * references, then the LLM judge (and a pairwise comparison). The stored summary is refreshed
 * afterwards. Shared by the CLI and the server's queue so both produce the same run.
 */
export async function runPostSteps(
  store: Store, runId: number, env: Env, opts: { pairwiseBaseline?: number; judgeConcurrency?: number } = {},
): Promise<PostRunOutcome> {
  const run = store.runs.get(runId);
  const out: PostRunOutcome = { perplexity: null, judge: null };
  if (run.status !== 'completed') return out;
  if (run.params.perplexity === true) {
    out.perplexity = await measurePerplexity(store, runId, env, { concurrency: run.params.concurrency, timeoutMs: run.params.timeoutMs });
  }
  if (run.params.judge !== undefined && run.params.judge !== null) {
    out.judge = await judgeStoredRun({
      store, runId, env, settings: run.params.judge,
      ...(opts.pairwiseBaseline !== undefined ? { pairwiseBaseline: opts.pairwiseBaseline } : {}),
      ...(opts.judgeConcurrency !== undefined ? { concurrency: opts.judgeConcurrency } : {}),
    });
  }
  store.runs.setSummary(runId, summarizeRun(store, runId));
  return out;
}
