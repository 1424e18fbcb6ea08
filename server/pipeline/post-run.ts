import type { Env } from '../config.js';
import { judgeStoredRun, type JudgeOutcome } from '../judge/judge-stored-run.js';
import type { Store } from '../store/open.js';
import { summarizeRun } from '../runs/summary.js';
import { measurePerplexity, type PerplexityReport } from './perplexity.js';
import type { Progress } from '../runner/run-progress.js';
import { measureLikelihoods, type LikelihoodReport } from './likelihood.js';

/** A step after the run's items that sends requests of its own. */
export type PostRunPhase = 'perplexity' | 'likelihood';

/**
 * A run's progress as a follower sees it: the run's own fields (done/total count stored results
 * of items × samples) and, once the items are done, the step under way with its own count of
 * requests (`phaseProgress.done` of `phaseProgress.total`).
 */
export type RunProgress = Progress & { phase?: PostRunPhase; phaseProgress?: Progress };

export interface PostRunOutcome {
  perplexity: PerplexityReport | null;
  likelihood: LikelihoodReport | null;
  judge: JudgeOutcome | null;
}

/**
 * What follows a completed run when its parameters ask for it: the perplexity of the blog
 * references, the likelihood metrics (unless `likelihood: false`), then the LLM judge (and a
 * pairwise comparison). The stored summary is refreshed afterwards. Shared by the CLI and the
 * server's queue so both produce the same run; `onProgress` hears each step's requests.
 */
export async function runPostSteps(
  store: Store, runId: number, env: Env, opts: { pairwiseBaseline?: number; judgeConcurrency?: number; onProgress?: (phase: PostRunPhase, p: Progress) => void } = {},
): Promise<PostRunOutcome> {
  const run = store.runs.get(runId);
  const out: PostRunOutcome = { perplexity: null, likelihood: null, judge: null };
  if (run.status !== 'completed') return out;
  if (run.params.perplexity === true) {
    out.perplexity = await measurePerplexity(store, runId, env, {
      concurrency: run.params.concurrency, timeoutMs: run.params.timeoutMs,
      ...(opts.onProgress !== undefined ? { onProgress: (p: Progress) => opts.onProgress!('perplexity', p) } : {}),
    });
  }
  if (run.kind === 'eval' && run.params.likelihood !== false) {
    out.likelihood = await measureLikelihoods(store, runId, env, {
      concurrency: run.params.concurrency, timeoutMs: run.params.timeoutMs,
      ...(opts.onProgress !== undefined ? { onProgress: (p: Progress) => opts.onProgress!('likelihood', p) } : {}),
    });
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
